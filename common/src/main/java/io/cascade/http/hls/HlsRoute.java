package io.cascade.http.hls;

import io.cascade.http.play.HttpPlay;

import io.cascade.live.StreamManager;
import io.cascade.metrics.NodeMetrics;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.server.SessionPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.buffer.BufferInternal;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code /{app}/{stream}/index.m3u8}, {@code media.m3u8} and the init segments, parts and
 * segments they list, on the node's HTTP port. Each request is checked (names, query), admitted by
 * the node's play admission once per viewer (a client address and the query it carries, the same
 * as an HTTP-FLV or RTMP play, so a signed key on the playlist URL authorises the parts it lists),
 * then handed to its stream's {@link HlsSession} on that session's event loop; the answer is written
 * back on the connection's own loop. A viewer ends ({@code playEnded}) after {@code hls.viewerIdle}
 * without a request.
 */
public final class HlsRoute {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.http.hls");
  private static final int MAX_QUERY_PARAMS = 32;
  private static final AtomicLong IDS = new AtomicLong();
  private static final AtomicLong TAGS = new AtomicLong();

  /** An admitted viewer: the play it stands for and when it last asked for anything. */
  private static final class Viewer {
    final SessionPolicy.Request request;
    volatile long lastSeenNanos;

    Viewer(SessionPolicy.Request request, long now) {
      this.request = request;
      this.lastSeenNanos = now;
    }
  }

  private final SessionPolicy policy;
  private final RtmpMetrics rtmp;
  private final HlsSettings settings;
  private final HlsNode node;
  private final Map<String, Viewer> viewers = new ConcurrentHashMap<>();
  private long sweepTimer = -1;

  public HlsRoute(StreamManager streams, SessionPolicy policy, RtmpMetrics metrics, HlsSettings settings) {
    this.policy = policy;
    this.rtmp = metrics;
    this.settings = settings;
    AtomicInteger blocked = new AtomicInteger();
    NodeMetrics nm = metrics.node();
    this.node = new HlsNode(settings, streams, new HlsMeters(nm, settings.partTarget(), viewers::size, blocked::get),
        ByteBufAllocator.DEFAULT, System::nanoTime, System::currentTimeMillis, blocked);
  }

  /** Whether {@code path} is an HLS path this route answers. */
  public static boolean matches(String path) {
    return HlsPath.matches(path);
  }

  /** Ends viewers idle for {@code hls.viewerIdle}, every half of it. */
  public HlsRoute start(Vertx vertx) {
    long period = Math.max(100, settings.viewerIdle().toMillis() / 2);
    sweepTimer = vertx.setPeriodic(period, id -> sweep());
    return this;
  }

  /** Ends every viewer and every packaging session (their windows are released on their loops). */
  public void stop(Vertx vertx) {
    if (sweepTimer >= 0) {
      vertx.cancelTimer(sweepTimer);
    }
    sweep(Long.MAX_VALUE);
    for (HlsSession session : node.sessions.values()) {
      session.eventLoop().execute(() -> session.close("stopping"));
    }
  }

  /** HLS viewers counted now. */
  public int viewers() {
    return viewers.size();
  }

  /** HLS viewers of {@code key} counted now (for the stream list). */
  public int viewers(String key) {
    return node.viewers(key);
  }

  private void sweep() {
    sweep(settings.viewerIdle().toNanos());
  }

  private void sweep(long idleNanos) {
    long now = node.nanoClock.getAsLong();
    viewers.entrySet().removeIf(e -> {
      Viewer v = e.getValue();
      if (idleNanos == Long.MAX_VALUE || now - v.lastSeenNanos >= idleNanos) {
        policy.playEnded(v.request);
        node.viewerLeft(v.request.key());
        LOG.info("event=play.end peer={} protocol=hls stream={} reason=idle", v.request.peer(), v.request.key());
        return true;
      }
      return false;
    });
  }

  public void handle(HttpServerRequest req) {
    HttpServerResponse resp = req.response();
    HttpPlay.cors(req, resp);
    String peer = String.valueOf(req.remoteAddress());
    if (req.method() == HttpMethod.OPTIONS) {
      resp.setStatusCode(204).putHeader("access-control-max-age", "600").end();
      node.meters.request("other", 204);
      return;
    }
    HlsPath path = HlsPath.parse(req.path());
    String kind = path == null ? "other" : path.kind().meterTag;
    if (req.method() != HttpMethod.GET) {
      reject(req, peer, kind, 405, "method_not_allowed", "");
      return;
    }
    if (path == null) {
      reject(req, peer, kind, 400, "bad_name", req.path());
      return;
    }
    ContextInternal context = (ContextInternal) Vertx.currentContext();
    HlsRequest.Responder responder = responder(req, context);
    HlsRequest request = HlsRequest.parse(path, req.query(), responder);
    if (request == null) {
      reject(req, peer, kind, 400, "bad_query", String.valueOf(req.query()));
      return;
    }
    String host = req.remoteAddress() == null ? "" : req.remoteAddress().hostAddress();
    String viewerKey = path.key() + '\n' + host + '\n' + request.carriedQuery();
    Viewer known = viewers.get(viewerKey);
    if (known != null) {
      known.lastSeenNanos = node.nanoClock.getAsLong();
      dispatch(request, context.nettyEventLoop());
      return;
    }
    if (viewers.size() >= settings.maxViewers()) {
      reject(req, peer, kind, 503, "max_viewers", "hls.maxViewers=" + settings.maxViewers());
      return;
    }
    SessionPolicy.Request play = new SessionPolicy.Request(path.app(), path.name(), path.key(), query(req), peer,
        IDS.incrementAndGet());
    policy.admitPlay(play).onComplete(ar -> context.runOnContext(v -> {
      if (ar.failed()) {
        boolean refused = ar.cause() instanceof SessionPolicy.Refused;
        String reason = refused ? ((SessionPolicy.Refused) ar.cause()).reason() : "admission_error";
        reject(req, peer, kind, refused ? 403 : 503, reason, String.valueOf(ar.cause().getMessage()));
        return;
      }
      if (policy.isRelay(play)) {
        policy.playEnded(play);
        reject(req, peer, kind, 400, "relay_over_http", "relays pull over RTMP");
        return;
      }
      Viewer v2 = new Viewer(play, node.nanoClock.getAsLong());
      if (viewers.putIfAbsent(viewerKey, v2) != null) {
        policy.playEnded(play); // admitted twice at once: one viewer
      } else {
        node.viewerJoined(path.key());
        LOG.info("event=play.start peer={} protocol=hls stream={}", peer, path.key());
      }
      dispatch(request, context.nettyEventLoop());
    }));
  }

  /** Hands the request to its stream's session, making one (on this loop) when there is none. */
  private void dispatch(HlsRequest request, EventLoop here) {
    String key = request.path().key();
    HlsSession session = node.sessions.computeIfAbsent(key,
        k -> new HlsSession(node, k, here, Long.toString(node.wallMillis.getAsLong() * 100 + TAGS.incrementAndGet() % 100, 36)));
    session.eventLoop().execute(() -> {
      if (!session.offer(request)) {
        dispatch(request, here);
      }
    });
  }

  private HlsRequest.Responder responder(HttpServerRequest req, ContextInternal context) {
    return (status, type, cache, body, reason) -> context.runOnContext(v -> write(req, status, type, cache, body, reason));
  }

  private static void write(HttpServerRequest req, int status, String type, String cache, ByteBuf body, String reason) {
    HttpServerResponse resp = req.response();
    if (resp.closed() || resp.ended()) {
      if (body != null) {
        body.release();
      }
      return;
    }
    resp.setStatusCode(status).putHeader("content-type", type).putHeader("cache-control", cache);
    if (body == null) {
      resp.end(reason + "\n");
    } else {
      resp.end(BufferInternal.buffer(body)).onComplete(ar -> body.release());
    }
  }

  /** The clear error on this request, a log line naming peer and reason, a metric. */
  private void reject(HttpServerRequest req, String peer, String kind, int status, String reason, String detail) {
    LOG.info("event=hls.refused peer={} path=\"{}\" status={} reason={} detail=\"{}\"", peer, truncate(req.path()),
        status, reason, truncate(detail));
    if (status == 403) {
      rtmp.authFailure("play", reason);
    }
    node.meters.request(kind, status);
    node.meters.refused(reason);
    req.response().setStatusCode(status).putHeader("content-type", "text/plain; charset=utf-8")
        .putHeader("cache-control", "no-cache").end(reason + "\n");
  }

  private static Map<String, String> query(HttpServerRequest req) {
    Map<String, String> out = new HashMap<>();
    try {
      for (Map.Entry<String, String> e : req.params()) {
        if (out.size() >= MAX_QUERY_PARAMS) {
          break;
        }
        out.putIfAbsent(e.getKey(), e.getValue());
      }
    } catch (RuntimeException malformed) {
      // Left empty: an auth rule that needs a key refuses the play.
    }
    return out;
  }

  private static String truncate(String s) {
    return s == null ? "" : s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }
}
