package io.cascade.origin;

import io.cascade.config.CascadeConfig;
import io.cascade.http.HttpApi;
import io.cascade.live.LiveSettings;
import io.cascade.live.StreamManager;
import io.cascade.server.RtmpServer;
import io.cascade.server.RtmpServerSettings;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * An origin node: accepts publishes and serves players on one RTMP port, with the HTTP API beside
 * it. Alone it is a complete single-node server.
 */
public final class OriginNode {
  private final CascadeConfig config;
  private final StreamManager streams;
  private RtmpServer rtmp;
  private HttpApi http;
  private volatile boolean ready;

  private OriginNode(CascadeConfig config) {
    this.config = config;
    this.streams = new StreamManager(LiveSettings.from(config), PooledByteBufAllocator.DEFAULT);
  }

  public static Future<OriginNode> start(Vertx vertx, CascadeConfig config) {
    OriginNode node = new OriginNode(config);
    node.http = new HttpApi(node.streams, config.node().id(), "origin", () -> node.ready, null);
    return RtmpServer.start(vertx, RtmpServerSettings.from(config), node.streams)
        .compose(server -> {
          node.rtmp = server;
          return node.http.start(vertx, config.http().host(), config.http().port());
        })
        .map(h -> {
          node.ready = true;
          return node;
        });
  }

  public int rtmpPort() {
    return rtmp.actualPort();
  }

  public int httpPort() {
    return http.actualPort();
  }

  public StreamManager streams() {
    return streams;
  }

  public CascadeConfig config() {
    return config;
  }

  public Future<Void> stop() {
    ready = false;
    Future<Void> h = http == null ? Future.succeededFuture() : http.stop();
    return h.compose(v -> rtmp == null ? Future.succeededFuture() : rtmp.stop());
  }
}
