package io.cascade.http;

import io.cascade.live.StreamInfo;
import io.cascade.live.StreamManager;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.function.BooleanSupplier;

/**
 * The node's HTTP endpoints: liveness, readiness and the stream list. Metrics join in the
 * observability work; the cluster-wide view of {@code /api/v1/streams} with the registry.
 */
public final class HttpApi {
  private final StreamManager streams;
  private final String nodeId;
  private final String role;
  private final BooleanSupplier ready;
  private HttpServer server;

  public HttpApi(StreamManager streams, String nodeId, String role, BooleanSupplier ready) {
    this.streams = streams;
    this.nodeId = nodeId;
    this.role = role;
    this.ready = ready;
  }

  public Future<HttpApi> start(Vertx vertx, String host, int port) {
    server = vertx.createHttpServer(new HttpServerOptions().setHost(host).setPort(port));
    server.requestHandler(this::handle);
    return server.listen().map(s -> this);
  }

  public int actualPort() {
    return server.actualPort();
  }

  public Future<Void> stop() {
    return server == null ? Future.succeededFuture() : server.close();
  }

  private void handle(HttpServerRequest req) {
    String path = req.path();
    switch (path) {
      case "/health/live" -> reply(req, 200, new JsonObject().put("status", "UP"));
      case "/health/ready" -> {
        boolean ok = ready.getAsBoolean();
        reply(req, ok ? 200 : 503, new JsonObject().put("status", ok ? "UP" : "DOWN"));
      }
      case "/api/v1/streams" -> reply(req, 200, streams());
      default -> reply(req, 404, new JsonObject().put("error", "not found").put("path", path));
    }
  }

  private JsonObject streams() {
    JsonArray list = new JsonArray();
    for (StreamInfo s : streams.snapshot()) {
      list.add(new JsonObject()
          .put("key", s.key())
          .put("live", s.live())
          .put("owner", nodeId)
          .put("publishedAt", s.live() ? s.publishedAtMillis() : null)
          .put("players", s.subscribers())
          .put("videoCodec", s.videoCodec())
          .put("audioCodec", s.audioCodec())
          .put("framesIn", s.framesIn())
          .put("bytesIn", s.bytesIn())
          .put("gopCacheBytes", s.gopCacheBytes()));
    }
    return new JsonObject().put("node", nodeId).put("role", role).put("streams", list);
  }

  private static void reply(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }
}
