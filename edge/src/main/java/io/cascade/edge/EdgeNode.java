package io.cascade.edge;

import io.cascade.cluster.ClusterNode;
import io.cascade.cluster.HazelcastViewerDirectory;
import io.cascade.cluster.StreamRegistry;
import io.cascade.cluster.ViewerDirectory;
import io.cascade.cluster.ViewerReporter;
import io.cascade.config.CascadeConfig;
import io.cascade.http.HttpApi;
import io.cascade.http.StreamsView;
import io.cascade.live.LiveSettings;
import io.cascade.live.StreamManager;
import io.cascade.server.RtmpServer;
import io.cascade.server.RtmpServerSettings;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * An edge node: serves players on its RTMP port and pulls each stream they ask for from the
 * origin that owns it (one upstream per stream), with the HTTP API beside it.
 */
public final class EdgeNode {
  /** How often the edge tells the cluster its players per stream (for the API's viewers per edge). */
  static final Duration VIEWER_REPORT_INTERVAL = Duration.ofSeconds(2);

  private final CascadeConfig config;
  private final EdgeIngests ingests;
  private RtmpServer rtmp;
  private HttpApi http;
  private ViewerReporter reporter;
  private volatile boolean ready;

  private EdgeNode(Vertx vertx, StreamRegistry registry, CascadeConfig config, EdgeSettings settings) {
    this.config = config;
    RtmpServerSettings rtmpSettings = RtmpServerSettings.from(config);
    this.ingests = new EdgeIngests(vertx, registry, settings,
        EdgeIngests.clientOptions(settings).chunkLimits(rtmpSettings.chunkLimits()).amfLimits(rtmpSettings.amfLimits()),
        new EdgeStats(),
        demand -> new StreamManager(LiveSettings.from(config), PooledByteBufAllocator.DEFAULT, demand));
  }

  /** An edge in the cluster {@code cluster} has joined: registry, viewer reports and the cluster-wide API. */
  public static Future<EdgeNode> start(ClusterNode cluster, CascadeConfig config) {
    Vertx vertx = cluster.vertx();
    ViewerDirectory viewers = new HazelcastViewerDirectory(vertx,
        cluster.hazelcast().getMap(HazelcastViewerDirectory.MAP_NAME), VIEWER_REPORT_INTERVAL);
    return start(vertx, cluster.registry(), viewers, config, EdgeSettings.from(config));
  }

  /** An edge on {@code registry} without viewer reports; its API lists only its own streams. */
  public static Future<EdgeNode> start(Vertx vertx, StreamRegistry registry, CascadeConfig config,
      EdgeSettings settings) {
    return start(vertx, registry, null, config, settings);
  }

  private static Future<EdgeNode> start(Vertx vertx, StreamRegistry registry, ViewerDirectory viewers,
      CascadeConfig config, EdgeSettings settings) {
    EdgeNode node = new EdgeNode(vertx, registry, config, settings);
    String nodeId = config.node().id();
    node.http = new HttpApi(node.streams(), nodeId, "edge", () -> node.ready,
        viewers == null ? null : new StreamsView(registry, viewers));
    if (viewers != null) {
      node.reporter = new ViewerReporter(vertx, viewers, node.streams(), nodeId, "edge", false);
    }
    return RtmpServer.start(vertx, RtmpServerSettings.from(config), node.streams(), new EdgePolicy())
        .compose(server -> {
          node.rtmp = server;
          return node.http.start(vertx, config.http().host(), config.http().port());
        })
        .map(h -> {
          if (node.reporter != null) {
            node.reporter.start(VIEWER_REPORT_INTERVAL);
          }
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
    return ingests.streams();
  }

  public EdgeStats stats() {
    return ingests.stats();
  }

  /** The upstream pulls, for diagnostics and tests. */
  public EdgeIngests ingests() {
    return ingests;
  }

  public CascadeConfig config() {
    return config;
  }

  /** Stops taking players, closes every upstream, then the listeners; the cluster membership stays. */
  public Future<Void> stop() {
    ready = false;
    if (reporter != null) {
      reporter.stop();
    }
    Future<Void> h = http == null ? Future.succeededFuture() : http.stop();
    return h.compose(v -> rtmp == null ? Future.<Void>succeededFuture() : rtmp.stop())
        .compose(v -> Future.fromCompletionStage(ingests.close()));
  }
}
