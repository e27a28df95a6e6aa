package io.cascade.http.flv;

import io.cascade.http.play.HttpPlay;

import io.cascade.live.StreamManager;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.transport.FrameBatch;
import io.cascade.server.SessionPolicy;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.net.impl.ConnectionBase;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /{app}/{stream}.flv}: plays a live stream as HTTP-FLV, or as WebSocket-FLV when the
 * request is a WebSocket upgrade. Admission is the node's play admission (auth, then the role's
 * policy), exactly as for an RTMP play; CORS lets browser players on any origin use it. Served over
 * cleartext HTTP/1.x only, since the tags go straight to the connection's socket: an HTTP/2 request
 * (h2c on the HTTP port) gets 505 {@code http_version}, any request on the HTTPS port 421 {@code tls}.
 */
public final class HttpFlvRoute {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.http.flv");
  /** Bound on query parameters, as for RTMP play names. */
  private static final int MAX_QUERY_PARAMS = 32;
  private static final AtomicLong IDS = new AtomicLong();

  private final StreamManager streams;
  private final SessionPolicy policy;
  private final FlvMeters meters;
  private final int maxConnections;
  private final int maxBatchBytes;
  /** Players and requests in admission; bounded by {@code http.flv.maxConnections}. */
  private final AtomicInteger open = new AtomicInteger();

  /** @param maxBatchBytes a player's tags collected between flushes go to its socket at this many bytes */
  public HttpFlvRoute(StreamManager streams, SessionPolicy policy, RtmpMetrics metrics, int maxConnections,
      int maxBatchBytes) {
    this.streams = streams;
    this.policy = policy;
    this.meters = new FlvMeters(metrics);
    this.maxConnections = maxConnections;
    this.maxBatchBytes = maxBatchBytes;
  }

  /** HTTP-FLV and WebSocket-FLV players (and requests in admission) open now. */
  public int connections() {
    return open.get();
  }

  /**
   * Readies a new HTTP connection of the server for FLV players, before anything is written on it:
   * their tag batches must count against the channel's water marks like buffers of their size, and
   * Netty fixes a channel's size estimator at its first write.
   */
  public static void prepare(HttpConnection connection) {
    if (connection instanceof ConnectionBase c) {
      c.channel().config().setMessageSizeEstimator(FrameBatch.SIZE_ESTIMATOR);
    }
  }

  /** Whether {@code path} is an FLV play path this route answers. */
  public static boolean matches(String path) {
    return FlvPath.matches(path);
  }

  public void handle(HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    HttpPlay.cors(req, resp);
    String peer = String.valueOf(req.remoteAddress());
    if (req.method() == HttpMethod.OPTIONS) {
      resp.setStatusCode(204).putHeader("access-control-max-age", "600").end();
      return;
    }
    // Not HEAD either: a live response has no end, so a HEAD would hold a player for nothing.
    if (req.method() != HttpMethod.GET) {
      reject(req, peer, 405, "method_not_allowed", "");
      return;
    }
    FlvPath path = FlvPath.parse(req.path());
    if (path == null) {
      reject(req, peer, 400, "bad_name", req.path());
      return;
    }
    // The output writes tags to the connection's socket: one player per connection, no TLS.
    if (req.isSSL()) {
      reject(req, peer, 421, "tls", "HTTP-FLV is served on the cleartext HTTP port (http.port) only");
      return;
    }
    ChannelHandlerContext channel = FlvTransport.Http.channelContext(req);
    if (channel == null) {
      reject(req, peer, 505, "http_version", req.version() + ": HTTP-FLV needs HTTP/1.1");
      return;
    }
    if (!FlvTransport.batchable(channel)) {
      reject(req, peer, 500, "unsupported_connection", "not plain TCP or not prepared");
      return;
    }
    if (!tryOpen()) {
      reject(req, peer, 503, "max_connections", "http.flv.maxConnections=" + maxConnections);
      return;
    }
    Map<String, String> query = query(req);
    SessionPolicy.Request request = new SessionPolicy.Request(path.app(), path.name(), path.key(), query, peer,
        IDS.incrementAndGet());
    boolean upgrade = "websocket".equalsIgnoreCase(req.getHeader(HttpHeaders.UPGRADE));
    String protocol = upgrade ? "ws-flv" : "http-flv";
    req.pause();
    ContextInternal context = (ContextInternal) Vertx.currentContext();
    policy.admitPlay(request).onComplete(ar -> context.runOnContext(v -> {
      if (ar.failed()) {
        open.decrementAndGet();
        req.resume();
        boolean refused = ar.cause() instanceof SessionPolicy.Refused;
        String reason = refused ? ((SessionPolicy.Refused) ar.cause()).reason() : "admission_error";
        reject(req, peer, refused ? 403 : 503, reason, String.valueOf(ar.cause().getMessage()));
        return;
      }
      if (policy.isRelay(request)) {
        policy.playEnded(request);
        open.decrementAndGet();
        req.resume();
        reject(req, peer, 400, "relay_over_http", "relays pull over RTMP");
        return;
      }
      if (upgrade) {
        req.toWebSocket().onComplete(ws -> {
          if (ws.failed()) {
            policy.playEnded(request);
            open.decrementAndGet();
            LOG.info("event=play.refused peer={} protocol={} reason=bad_upgrade detail=\"{}\"", peer, protocol, ws.cause());
            return;
          }
          session(new FlvTransport.WebSocket(ws.result()), context, request, protocol).start();
        });
      } else {
        req.resume();
        session(new FlvTransport.Http(req, channel), context, request, protocol).start();
      }
    }));
  }

  private FlvPlaySession session(FlvTransport transport, ContextInternal context, SessionPolicy.Request request,
      String protocol) {
    return new FlvPlaySession(transport, context.nettyEventLoop(), streams, policy, request, meters, protocol,
        maxBatchBytes, ByteBufAllocator.DEFAULT, open::decrementAndGet);
  }

  private boolean tryOpen() {
    while (true) {
      int n = open.get();
      if (n >= maxConnections) {
        return false;
      }
      if (open.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  /** The clear error on this connection, a log line naming peer and reason, a metric. */
  private void reject(HttpServerRequest req, String peer, int status, String reason, String detail) {
    LOG.info("event=play.refused peer={} path=\"{}\" status={} reason={} detail=\"{}\"", peer, truncate(req.path()),
        status, reason, truncate(detail));
    if (status == 403) {
      meters.rtmp().authFailure("play", reason);
    }
    meters.refused(reason);
    req.response().setStatusCode(status).putHeader("content-type", "text/plain; charset=utf-8").end(reason + "\n");
  }

  private static Map<String, String> query(HttpServerRequest req) {
    Map<String, String> out = new HashMap<>();
    for (Map.Entry<String, String> e : req.params()) {
      if (out.size() >= MAX_QUERY_PARAMS) {
        break;
      }
      out.putIfAbsent(e.getKey(), e.getValue());
    }
    return out;
  }

  private static String truncate(String s) {
    return s == null ? "" : s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
