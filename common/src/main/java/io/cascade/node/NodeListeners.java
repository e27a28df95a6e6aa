package io.cascade.node;

import static io.cascade.config.ConfigSchema.HTTP_FLV_MAX_CONNECTIONS;
import static io.cascade.config.ConfigSchema.HTTPS_ENABLED;
import static io.cascade.config.ConfigSchema.HTTPS_PORT;
import static io.cascade.config.ConfigSchema.HTTP_HOST;
import static io.cascade.config.ConfigSchema.HTTP_IDLE_TIMEOUT;
import static io.cascade.config.ConfigSchema.HTTP_HTTP2_MAX_CONCURRENT_STREAMS;
import static io.cascade.config.ConfigSchema.HTTP_PORT;
import static io.cascade.config.ConfigSchema.HTTP_SEND_BUFFER_SIZE;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_BATCH_MAX_BYTES;
import static io.cascade.config.ConfigSchema.NODE_ID;
import static io.cascade.config.ConfigSchema.RTMPS_CERT_FILE;
import static io.cascade.config.ConfigSchema.RTMPS_KEY_FILE;
import static io.cascade.config.ConfigSchema.RTMPS_RELOAD_INTERVAL;

import io.cascade.auth.AuthPolicy;
import io.cascade.auth.AuthSettings;
import io.cascade.config.CascadeConfig;
import io.cascade.http.HttpApi;
import io.cascade.http.RecordingsRoute;
import io.cascade.http.StreamsView;
import io.cascade.http.flv.HttpFlvRoute;
import io.cascade.http.hls.HlsRoute;
import io.cascade.http.hls.HlsSettings;
import io.cascade.live.StreamManager;
import io.cascade.metrics.NodeInstruments;
import io.cascade.metrics.NodeMetrics;
import io.cascade.server.RtmpServer;
import io.cascade.server.RtmpServerSettings;
import io.cascade.server.SessionPolicy;
import io.cascade.server.TlsReloader;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every node runs whatever its role: the RTMP listeners (behind the node's auth), the HTTP
 * API, HTTP-FLV and LL-HLS (behind the same auth) on HTTP and, when enabled, HTTPS, the node's instruments, readiness, and the drain sequence. An origin and an edge each own
 * one and add their role's parts around it.
 */
public final class NodeListeners {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.node");

  private final String role;
  private final CascadeConfig config;
  private final NodeMetrics metrics;
  private final StreamManager streams;
  private final HttpApi http;
  private NodeInstruments instruments;
  private RtmpServer rtmp;
  private HlsRoute hls;
  private Vertx vertx;
  private volatile boolean ready;
  private volatile boolean draining;

  /** {@code view} (may be null) is the cluster-wide stream list of the API; without it only local streams. */
  public NodeListeners(String role, CascadeConfig config, NodeMetrics metrics, StreamManager streams,
      StreamsView view) {
    this.role = role;
    this.config = config;
    this.metrics = metrics;
    this.streams = streams;
    this.http = new HttpApi(streams, config.get(NODE_ID), role, this::isReady, view);
  }

  /** Serves the recording API and recording files through {@code route} (an origin's); before {@link #start}. */
  public void recordings(RecordingsRoute route) {
    http.recordings(route);
  }

  /** Starts RTMP (admission: the node's auth, then {@code policy}) and HTTP; ready once both listen. */
  public Future<Void> start(Vertx vertx, SessionPolicy policy) {
    instruments = new NodeInstruments(vertx, metrics, streams, config, this::isReady, () -> draining);
    http.metrics(metrics).liveness(instruments.heartbeat());
    SessionPolicy admission = AuthPolicy.wrap(vertx, AuthSettings.from(config), config.get(NODE_ID), policy);
    http.flv(new HttpFlvRoute(streams, admission, instruments.rtmp(), config.get(HTTP_FLV_MAX_CONNECTIONS),
        Math.toIntExact(config.get(LIVE_SUBSCRIBER_BATCH_MAX_BYTES))));
    HlsSettings hlsSettings = HlsSettings.from(config);
    if (hlsSettings.enabled()) {
      this.vertx = vertx;
      hls = new HlsRoute(streams, admission, instruments.rtmp(), hlsSettings).start(vertx);
      http.hls(hls);
    }
    RtmpServerSettings rtmpSettings = RtmpServerSettings.from(config);
    return RtmpServer.start(vertx, rtmpSettings, streams, admission, instruments.rtmp())
        .compose(server -> {
          rtmp = server;
          return httpsCertificate(vertx, rtmpSettings);
        })
        .compose(tls -> http.start(vertx, new HttpApi.Listening(config.get(HTTP_HOST), config.get(HTTP_PORT),
            Math.toIntExact(config.get(HTTP_SEND_BUFFER_SIZE)), rtmpSettings.effectiveEventLoops(),
            config.get(HTTP_HTTP2_MAX_CONCURRENT_STREAMS), config.get(HTTPS_PORT), tls,
            config.get(HTTP_IDLE_TIMEOUT))))
        .map(h -> {
          ready = true;
          return null;
        });
  }

  /** With {@code https.enabled}: the certificate and key of RTMPS, read now and watched by HTTPS itself. */
  private Future<TlsReloader> httpsCertificate(Vertx vertx, RtmpServerSettings rtmpSettings) {
    if (!config.get(HTTPS_ENABLED)) {
      return Future.succeededFuture();
    }
    RtmpServerSettings.TlsSettings files = new RtmpServerSettings.TlsSettings(config.get(HTTPS_PORT),
        Path.of(config.get(RTMPS_CERT_FILE)), Path.of(config.get(RTMPS_KEY_FILE)), config.get(RTMPS_RELOAD_INTERVAL));
    return TlsReloader.load(vertx, "https", files, rtmpSettings.handshakeTimeout());
  }

  public boolean isReady() {
    return ready && !draining;
  }

  public int rtmpPort() {
    return rtmp.actualPort();
  }

  /** The RTMPS port, or -1 when RTMPS is off. */
  public int rtmpsPort() {
    return rtmp.tlsPort();
  }

  public int httpPort() {
    return http.actualPort();
  }

  /** The HTTPS port, or -1 when HTTPS is off. */
  public int httpsPort() {
    return http.httpsPort();
  }

  /**
   * Not ready, no new connections; the connected ones continue for up to {@code grace} (less when
   * all leave); then {@code release} gives up what the role holds (an origin's claims) and the
   * connections still open are closed with reason {@code draining}. Each step is logged.
   */
  public Future<Void> drain(Duration grace, Supplier<Future<?>> release) {
    draining = true;
    String id = config.get(NODE_ID);
    LOG.info("event=drain.not_ready role={} node={} connections={}", role, id, rtmp.connections());
    long start = System.nanoTime();
    return rtmp.drain(grace)
        .compose(v -> {
          LOG.info("event=drain.connections_done role={} node={} ms={} still_open={}", role, id,
              (System.nanoTime() - start) / 1_000_000, rtmp.connections());
          return release.get();
        })
        .compose(v -> rtmp.closeAll("draining", "node drained after " + grace.toMillis() + " ms"));
  }

  /** Not ready; stops the instruments, then HTTP, then the RTMP listeners and connections. */
  public Future<Void> stop() {
    ready = false;
    if (instruments != null) {
      instruments.stop();
    }
    if (hls != null) {
      hls.stop(vertx);
    }
    return http.stop().compose(v -> rtmp == null ? Future.<Void>succeededFuture() : rtmp.stop());
  }
}
