package io.cascade.origin;

import io.cascade.cluster.ClusterNode;
import io.cascade.cluster.HazelcastViewerDirectory;
import io.cascade.cluster.ViewerReporter;
import io.cascade.config.CascadeConfig;
import io.cascade.http.HttpApi;
import io.cascade.http.StreamsView;
import io.cascade.live.LiveSettings;
import io.cascade.live.StreamManager;
import io.cascade.server.RtmpServer;
import io.cascade.server.RtmpServerSettings;
import io.cascade.server.SessionPolicy;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * An origin node: accepts publishes and serves players on one RTMP port, with the HTTP API beside
 * it. In a cluster (the default, even alone: an embedded single-member Hazelcast) every publish
 * claims its key in the registry and edges pull from here; {@link #start(Vertx, CascadeConfig)}
 * runs the same node without a registry, for tests of the RTMP and live layers.
 */
public final class OriginNode {
  /** How often each node reports its players per stream to the cluster. */
  static final Duration VIEWER_REPORT_INTERVAL = Duration.ofSeconds(2);

  private final CascadeConfig config;
  private final StreamManager streams;
  private RtmpServer rtmp;
  private HttpApi http;
  private ClusteredOriginPolicy policy;
  private ViewerReporter reporter;
  private volatile boolean ready;

  private OriginNode(CascadeConfig config) {
    this.config = config;
    this.streams = new StreamManager(LiveSettings.from(config), PooledByteBufAllocator.DEFAULT);
  }

  /** A standalone origin without a registry (publish admission is local only). */
  public static Future<OriginNode> start(Vertx vertx, CascadeConfig config) {
    OriginNode node = new OriginNode(config);
    node.http = new HttpApi(node.streams, config.node().id(), "origin", () -> node.ready, null);
    return node.listen(vertx, SessionPolicy.ALLOW_ALL);
  }

  /** An origin that is a data member of {@code cluster}. */
  public static Future<OriginNode> start(ClusterNode cluster, CascadeConfig config) {
    OriginNode node = new OriginNode(config);
    Vertx vertx = cluster.vertx();
    String nodeId = config.node().id();
    node.policy = new ClusteredOriginPolicy(vertx, cluster.registry(), node.streams, nodeId, cluster.advertisedHost(),
        () -> node.rtmp.actualPort(), config.cluster().secret(),
        config.origin().localPlayback());
    HazelcastViewerDirectory directory = new HazelcastViewerDirectory(vertx,
        cluster.hazelcast().getMap(HazelcastViewerDirectory.MAP_NAME), VIEWER_REPORT_INTERVAL);
    node.http = new HttpApi(node.streams, nodeId, "origin", () -> node.ready,
        new StreamsView(cluster.registry(), directory));
    node.reporter = new ViewerReporter(vertx, directory, node.streams, nodeId, "origin", true);
    return node.listen(vertx, node.policy).map(n -> {
      n.policy.start(config.cluster().claimCheckInterval());
      n.reporter.start(VIEWER_REPORT_INTERVAL);
      return n;
    });
  }

  private Future<OriginNode> listen(Vertx vertx, SessionPolicy sessionPolicy) {
    return RtmpServer.start(vertx, RtmpServerSettings.from(config), streams, sessionPolicy)
        .compose(server -> {
          rtmp = server;
          return http.start(vertx, config.http().host(), config.http().port());
        })
        .map(h -> {
          ready = true;
          return this;
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
    if (policy != null) {
      policy.stop();
    }
    if (reporter != null) {
      reporter.stop();
    }
    Future<Void> h = http == null ? Future.succeededFuture() : http.stop();
    return h.compose(v -> rtmp == null ? Future.succeededFuture() : rtmp.stop());
  }
}
