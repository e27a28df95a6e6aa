package io.cascade.edge;

import static io.cascade.config.ConfigSchema.CLUSTER_SECRET;
import static io.cascade.config.ConfigSchema.NODE_ID;

import io.cascade.cluster.ClusterNode;
import io.cascade.cluster.HazelcastViewerDirectory;
import io.cascade.cluster.ParentDirectory;
import io.cascade.cluster.ParentEdge;
import io.cascade.cluster.StreamRegistry;
import io.cascade.cluster.ViewerDirectory;
import io.cascade.cluster.ViewerReporter;
import io.cascade.config.CascadeConfig;
import io.cascade.config.EdgeTier;
import io.cascade.http.StreamsView;
import io.cascade.live.LiveSettings;
import io.cascade.live.StreamManager;
import io.cascade.metrics.ClusterMetrics;
import io.cascade.metrics.MetricsSettings;
import io.cascade.metrics.NodeMetrics;
import io.cascade.metrics.TimedStreamRegistry;
import io.cascade.node.CascadeNode;
import io.cascade.node.NodeListeners;
import io.cascade.server.RtmpServerSettings;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * An edge node: serves players on its RTMP port and pulls each stream they ask for from the
 * origin that owns it (one upstream per stream), with the HTTP API beside it. A leaf edge pulls
 * through the parent edge its stream key hashes to when parents are alive; a parent edge
 * ({@code edge.tier: parent}) announces its RTMP address to the cluster once its listeners are up
 * and takes the announcement back when it drains or stops.
 */
public final class EdgeNode implements CascadeNode {
  /** How often the edge tells the cluster its players per stream (for the API's viewers per edge). */
  static final Duration VIEWER_REPORT_INTERVAL = Duration.ofSeconds(2);

  private final CascadeConfig config;
  private final EdgeIngests ingests;
  private final NodeMetrics metrics;
  private final ParentDirectory parents;
  private final EdgeTier tier;
  private NodeListeners listeners;
  private ClusterMetrics clusterMetrics;
  private ViewerReporter reporter;

  private EdgeNode(Vertx vertx, StreamRegistry registry, ParentDirectory parents, CascadeConfig config,
      EdgeSettings settings, NodeMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
    this.parents = parents;
    this.tier = settings.tier();
    RtmpServerSettings rtmpSettings = RtmpServerSettings.from(config);
    EdgeStats stats = new EdgeStats();
    EdgeMetrics.bind(metrics, stats);
    this.ingests = new EdgeIngests(vertx, registry, parents, settings,
        EdgeIngests.clientOptions(settings).chunkLimits(rtmpSettings.chunkLimits()).amfLimits(rtmpSettings.amfLimits()),
        stats,
        demand -> new StreamManager(LiveSettings.from(config), PooledByteBufAllocator.DEFAULT, demand));
  }

  /** An edge in the cluster {@code cluster} has joined: registry, viewer reports and the cluster-wide API. */
  public static Future<EdgeNode> start(ClusterNode cluster, CascadeConfig config) {
    return start(cluster, config, metrics(config));
  }

  /** As {@link #start(ClusterNode, CascadeConfig)}, measured into {@code metrics}. */
  public static Future<EdgeNode> start(ClusterNode cluster, CascadeConfig config, NodeMetrics metrics) {
    Vertx vertx = cluster.vertx();
    ViewerDirectory viewers = new HazelcastViewerDirectory(vertx,
        cluster.hazelcast().getMap(HazelcastViewerDirectory.MAP_NAME), VIEWER_REPORT_INTERVAL);
    StreamRegistry registry = new TimedStreamRegistry(cluster.registry(), metrics);
    EdgeSettings settings = EdgeSettings.from(config);
    return start(vertx, registry, cluster.parents(), viewers, config, settings, metrics)
        .compose(node -> {
          node.clusterMetrics = new ClusterMetrics(metrics, cluster).start();
          if (settings.tier() != EdgeTier.PARENT) {
            return Future.succeededFuture(node);
          }
          ParentEdge self = new ParentEdge(cluster.memberId(), config.get(NODE_ID), cluster.advertisedHost(),
              node.rtmpPort());
          return cluster.parents().announce(self).map(node);
        });
  }

  /** An edge on {@code registry} without viewer reports; its API lists only its own streams. */
  public static Future<EdgeNode> start(Vertx vertx, StreamRegistry registry, CascadeConfig config,
      EdgeSettings settings) {
    return start(vertx, registry, ParentDirectory.NONE, null, config, settings, metrics(config));
  }

  /** The edge's metrics, tagged with its tier. */
  private static NodeMetrics metrics(CascadeConfig config) {
    return new NodeMetrics("edge", EdgeSettings.from(config).tier().name().toLowerCase(), config.get(NODE_ID),
        MetricsSettings.from(config));
  }

  private static Future<EdgeNode> start(Vertx vertx, StreamRegistry registry, ParentDirectory parents,
      ViewerDirectory viewers, CascadeConfig config, EdgeSettings settings, NodeMetrics metrics) {
    EdgeNode node = new EdgeNode(vertx, registry, parents, config, settings, metrics);
    String nodeId = config.get(NODE_ID);
    node.listeners = new NodeListeners("edge", config, metrics, node.streams(),
        viewers == null ? null : new StreamsView(registry, viewers));
    if (viewers != null) {
      node.reporter = ViewerReporter.edge(vertx, viewers, node.streams(), nodeId, settings.tier().name().toLowerCase(),
          node.ingests::upstreams);
    }
    return node.listeners.start(vertx, new EdgePolicy(config.get(CLUSTER_SECRET))).map(v -> {
      if (node.reporter != null) {
        node.reporter.start(VIEWER_REPORT_INTERVAL);
      }
      return node;
    });
  }

  @Override
  public int rtmpPort() {
    return listeners.rtmpPort();
  }

  @Override
  public int rtmpsPort() {
    return listeners.rtmpsPort();
  }

  @Override
  public int httpPort() {
    return listeners.httpPort();
  }

  @Override
  public int httpsPort() {
    return listeners.httpsPort();
  }

  public StreamManager streams() {
    return ingests.streams();
  }

  public EdgeStats stats() {
    return ingests.stats();
  }

  public NodeMetrics metrics() {
    return metrics;
  }

  /** The upstream pulls, for diagnostics and tests. */
  public EdgeIngests ingests() {
    return ingests;
  }

  public CascadeConfig config() {
    return config;
  }

  /**
   * Not ready, no new players; the connected ones keep their upstreams for the grace. A parent
   * withdraws first, so its leaves move to the next parent while it still serves them.
   */
  @Override
  public Future<Void> drain(Duration grace) {
    return withdraw().transform(ar -> listeners.drain(grace, Future::succeededFuture));
  }

  private Future<Void> withdraw() {
    return tier == EdgeTier.PARENT ? parents.withdraw() : Future.succeededFuture();
  }

  /** Stops taking players, closes every upstream, then the listeners; the cluster membership stays. */
  @Override
  public Future<Void> stop() {
    if (reporter != null) {
      reporter.stop();
    }
    if (clusterMetrics != null) {
      clusterMetrics.stop();
    }
    Future<Void> w = withdraw();
    Future<Void> l = w.transform(ar -> listeners == null ? Future.succeededFuture() : listeners.stop());
    return l.compose(v -> ingests.close());
  }
}
