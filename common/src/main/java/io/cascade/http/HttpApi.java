package io.cascade.http;

import io.cascade.http.flv.HttpFlvRoute;
import io.cascade.http.hls.HlsRoute;
import io.cascade.live.StreamInfo;
import io.cascade.live.StreamManager;
import io.cascade.metrics.LoopHeartbeat;
import io.cascade.metrics.NodeMetrics;
import io.cascade.server.TlsReloader;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The node's HTTP endpoints: liveness (event loops responsive), readiness, Prometheus metrics,
 * the stream list (cluster-wide with the registry), HTTP-FLV, LL-HLS, an origin's recordings and
 * the web console at {@code /};
 * on the HTTP port and, when configured, on an HTTPS port.
 */
public final class HttpApi {
  private final StreamManager streams;
  private final String nodeId;
  private final String role;
  private final BooleanSupplier ready;
  private final StreamsView cluster;
  private final ConsoleFiles console = new ConsoleFiles();
  private NodeMetrics metrics;
  private LoopHeartbeat heartbeat;
  private Vertx owner;
  private final List<String> deployments = new CopyOnWriteArrayList<>();
  private final List<HttpServer> secureServers = new CopyOnWriteArrayList<>();
  private TlsReloader tls;
  private volatile int port;
  private volatile int httpsPort = -1;
  private HttpFlvRoute flv;
  private HlsRoute hls;
  private RecordingsRoute recordings;

  /** {@code cluster} may be null: then the stream list is this node's own. */
  public HttpApi(StreamManager streams, String nodeId, String role, BooleanSupplier ready, StreamsView cluster) {
    this.streams = streams;
    this.nodeId = nodeId;
    this.role = role;
    this.ready = ready;
    this.cluster = cluster;
  }

  /** Serves {@code /metrics} from {@code metrics} when they are enabled. */
  public HttpApi metrics(NodeMetrics nodeMetrics) {
    this.metrics = nodeMetrics;
    return this;
  }

  /** {@code /health/live} fails while {@code loops} reports a stalled event loop. */
  public HttpApi liveness(LoopHeartbeat loops) {
    this.heartbeat = loops;
    return this;
  }

  /** Serves {@code /{app}/{stream}.flv} (HTTP-FLV and WebSocket-FLV) through {@code route}. */
  public HttpApi flv(HttpFlvRoute route) {
    this.flv = route;
    return this;
  }

  /** Serves LL-HLS ({@code /{app}/{stream}/index.m3u8} and what it lists) through {@code route}. */
  public HttpApi hls(HlsRoute route) {
    this.hls = route;
    return this;
  }

  /** Serves the recording API and recording files (an origin's) through {@code route}. */
  public HttpApi recordings(RecordingsRoute route) {
    this.recordings = route;
    return this;
  }

  public Future<HttpApi> start(Vertx vertx, String host, int port) {
    return start(vertx, new Listening(host, port, 0, 1,
        HttpServerOptions.DEFAULT_INITIAL_SETTINGS_MAX_CONCURRENT_STREAMS, -1, null, Duration.ofSeconds(30)));
  }

  /**
   * Where and how the node's HTTP listens.
   *
   * @param sendBufferSize SO_SNDBUF of accepted connections ({@code http.sendBufferSize}); 0 leaves
   *     it to the OS
   * @param instances server instances per listener, each on its own event loop
   * @param maxConcurrentStreams an HTTP/2 connection's SETTINGS_MAX_CONCURRENT_STREAMS
   * @param httpsPort the HTTPS port, -1 for none
   * @param tls the HTTPS certificate (null for none), read and reloaded by its owner
   */
  public record Listening(String host, int port, int sendBufferSize, int instances, long maxConcurrentStreams,
      int httpsPort, TlsReloader tls, Duration idleTimeout) {
  }

  /**
   * Listens with one server instance per event loop, as the RTMP listeners do: Vert.x serves all of
   * an instance's connections on its loop, so one instance would put every HTTP-FLV player of the
   * node on one thread. Port 0 becomes a shared random port, the same for every instance. The plain
   * port speaks HTTP/1.1 and HTTP/2 cleartext (h2c, by prior knowledge or Upgrade); HTTPS offers
   * HTTP/2 and HTTP/1.1 by ALPN. HTTP-FLV players write to their connection's socket directly, so
   * they are served over cleartext HTTP/1.x only ({@link HttpFlvRoute} answers the others).
   */
  public Future<HttpApi> start(Vertx vertx, Listening l) {
    owner = vertx;
    HttpServerOptions plain = options(l, l.port() == 0 && l.instances() > 1 ? SHARED_RANDOM_PORT : l.port());
    Future<String> started = deploy(vertx, plain, l.instances(), false);
    if (l.tls() != null) {
      HttpServerOptions secure = options(l, l.httpsPort() == 0 && l.instances() > 1 ? SHARED_RANDOM_TLS_PORT
          : l.httpsPort()).setUseAlpn(true);
      l.tls().configure(secure);
      tls = l.tls();
      started = started.compose(id -> deploy(vertx, secure, l.instances(), true))
          .onSuccess(id -> tls.start(secureServers.stream()
              .<TlsReloader.Target>map(s -> next -> s.updateSSLOptions(next, true)).toList()));
    }
    return started.map(id -> this);
  }

  private static HttpServerOptions options(Listening l, int port) {
    HttpServerOptions options = new HttpServerOptions().setHost(l.host()).setPort(port).setHttp2ClearTextEnabled(true);
    options.getInitialSettings().setMaxConcurrentStreams(l.maxConcurrentStreams());
    options.setIdleTimeout((int) l.idleTimeout().toMillis()).setIdleTimeoutUnit(TimeUnit.MILLISECONDS);
    if (l.sendBufferSize() > 0) {
      options.setSendBufferSize(l.sendBufferSize());
    }
    return options;
  }

  private Future<String> deploy(Vertx vertx, HttpServerOptions options, int instances, boolean secure) {
    return vertx.deployVerticle(() -> new Listener(options, secure), new DeploymentOptions().setInstances(instances))
        .onSuccess(deployments::add);
  }

  public int actualPort() {
    return port;
  }

  /** The HTTPS port, or -1 without HTTPS. */
  public int httpsPort() {
    return httpsPort;
  }

  public Future<Void> stop() {
    if (tls != null) {
      tls.stop();
    }
    return Future.all(deployments.stream().map(owner::undeploy).toList()).mapEmpty();
  }

  /** Vert.x's shared random ports are negative ids; the RTMP listeners use -1 and -2. */
  private static final int SHARED_RANDOM_PORT = -3;
  private static final int SHARED_RANDOM_TLS_PORT = -4;

  /** One server instance on the event loop it was deployed to. */
  private final class Listener extends VerticleBase {
    private final HttpServerOptions options;
    private final boolean secure;

    Listener(HttpServerOptions options, boolean secure) {
      this.options = options;
      this.secure = secure;
    }

    @Override
    public Future<?> start() {
      HttpServer server = vertx.createHttpServer(options);
      server.connectionHandler(HttpFlvRoute::prepare);
      server.requestHandler(HttpApi.this::handle);
      return server.listen().onSuccess(s -> {
        if (secure) {
          httpsPort = s.actualPort();
          secureServers.add(s);
        } else {
          port = s.actualPort();
        }
      });
    }
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    switch (path) {
      case "/health/live" -> {
        boolean ok = heartbeat == null || heartbeat.live();
        JsonObject body = new JsonObject().put("status", ok ? "UP" : "DOWN");
        if (heartbeat != null) {
          body.put("eventLoopDelayMs", heartbeat.worstDelay().toMillis());
        }
        reply(req, ok ? 200 : 503, body);
      }
      case "/metrics" -> {
        if (metrics == null || !metrics.enabled()) {
          reply(req, 404, new JsonObject().put("error", "metrics are disabled (metrics.enabled)"));
          return;
        }
        // Formatting every series takes a few milliseconds: off the event loop.
        req.pause();
        Vertx.currentContext().<String>executeBlocking(metrics::scrape, false).onComplete(ar -> {
          req.resume();
          if (ar.succeeded()) {
            req.response().putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
          } else {
            reply(req, 500, new JsonObject().put("error", String.valueOf(ar.cause())));
          }
        });
      }
      case "/health/ready" -> {
        boolean ok = ready.getAsBoolean();
        reply(req, ok ? 200 : 503, new JsonObject().put("status", ok ? "UP" : "DOWN"));
      }
      case "/api/v1/streams" -> {
        if (cluster == null) {
          reply(req, 200, envelope().put("streams", local()));
        } else {
          cluster.all().onComplete(ar -> {
            if (ar.succeeded()) {
              reply(req, 200, envelope().put("streams", ar.result()).put("local", local()));
            } else {
              reply(req, 503, new JsonObject().put("error", "registry unavailable").put("detail", String.valueOf(ar.cause())));
            }
          });
        }
      }
      default -> {
        if (recordings != null && RecordingsRoute.matches(path)) {
          recordings.handle(req);
        } else if (flv != null && HttpFlvRoute.matches(path)) {
          flv.handle(req);
        } else if (hls != null && HlsRoute.matches(path)) {
          hls.handle(req);
        } else if (path.startsWith(STREAM_PREFIX) && cluster != null) {
          one(req, path.substring(STREAM_PREFIX.length()));
        } else if (ConsoleFiles.owns(path)) {
          console.serve(req);
        } else {
          reply(req, 404, new JsonObject().put("error", "not found").put("path", path));
        }
      }
    }
  }

  private static final String STREAM_PREFIX = "/api/v1/streams/";

  private void one(HttpServerRequest req, String key) {
    if (key.isEmpty() || key.length() > 1024) {
      reply(req, 404, new JsonObject().put("error", "not found"));
      return;
    }
    cluster.one(key).onComplete(ar -> {
      if (ar.failed()) {
        reply(req, 503, new JsonObject().put("error", "registry unavailable").put("detail", String.valueOf(ar.cause())));
      } else if (ar.result().isEmpty()) {
        reply(req, 404, new JsonObject().put("error", "no live stream").put("key", key));
      } else {
        reply(req, 200, ar.result().get());
      }
    });
  }

  private JsonObject envelope() {
    return new JsonObject().put("node", nodeId).put("role", role);
  }

  private JsonArray local() {
    JsonArray list = new JsonArray();
    for (StreamInfo s : streams.snapshot()) {
      list.add(new JsonObject()
          .put("key", s.key())
          .put("live", s.live())
          .put("owner", nodeId)
          .put("publishedAt", s.live() ? s.publishedAtMillis() : null)
          .put("players", s.viewers())
          .put("hlsViewers", hls == null ? 0 : hls.viewers(s.key()))
          .put("videoCodec", s.videoCodec())
          .put("audioCodec", s.audioCodec())
          .put("framesIn", s.framesIn())
          .put("bytesIn", s.bytesIn())
          .put("gopCacheBytes", s.gopCacheBytes()));
    }
    return list;
  }

  private static void reply(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
