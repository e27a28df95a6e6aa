package io.cascade.origin;

import io.cascade.auth.AuthPolicy;
import io.cascade.cluster.ClusterNode;
import io.cascade.cluster.HazelcastViewerDirectory;
import io.cascade.cluster.StreamRegistry;
import io.cascade.cluster.ViewerReporter;
import io.cascade.config.CascadeConfig;
import io.cascade.http.HttpApi;
import io.cascade.http.StreamsView;
import io.cascade.live.LiveSettings;
import io.cascade.live.StreamManager;
import io.cascade.metrics.ClusterMetrics;
import io.cascade.metrics.NodeInstruments;
import io.cascade.metrics.NodeMetrics;
import io.cascade.metrics.TimedStreamRegistry;
import io.cascade.node.CascadeNode;
import io.cascade.server.RtmpServer;
import io.cascade.server.RtmpServerSettings;
import io.cascade.server.SessionPolicy;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An origin node: accepts publishes and serves players on one RTMP port, with the HTTP API beside
 * it. In a cluster (the default, even alone: an embedded single-member Hazelcast) every publish
 * claims its key in the registry and edges pull from here; {@link #start(Vertx, CascadeConfig)}
 * runs the same node without a registry, for tests of the RTMP and live layers.
 */
public final class OriginNode implements CascadeNode {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.origin");
  /** How often each node reports its players per stream to the cluster. */
  static final Duration VIEWER_REPORT_INTERVAL = Duration.ofSeconds(2);

  private final CascadeConfig config;
  private final StreamManager streams;
  private final NodeMetrics metrics;
  private NodeInstruments instruments;
  private ClusterMetrics clusterMetrics;
  private RtmpServer rtmp;
  private HttpApi http;
  private ClusteredOriginPolicy policy;
  private ViewerReporter reporter;
  private volatile boolean ready;
  private volatile boolean draining;

  private OriginNode(CascadeConfig config, NodeMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
    this.streams = new StreamManager(LiveSettings.from(config), PooledByteBufAllocator.DEFAULT);
  }

  /** A standalone origin without a registry (publish admission is local only). */
  public static Future<OriginNode> start(Vertx vertx, CascadeConfig config) {
    OriginNode node = new OriginNode(config, new NodeMetrics("origin", config.node().id(), config.metrics()));
    node.http = new HttpApi(node.streams, config.node().id(), "origin", node::isReady, null);
    return node.listen(vertx, SessionPolicy.ALLOW_ALL);
  }

  /** An origin that is a data member of {@code cluster}. */
  public static Future<OriginNode> start(ClusterNode cluster, CascadeConfig config) {
    return start(cluster, config, new NodeMetrics("origin", config.node().id(), config.metrics()));
  }

  /** An origin that is a data member of {@code cluster}, measured into {@code metrics}. */
  public static Future<OriginNode> start(ClusterNode cluster, CascadeConfig config, NodeMetrics metrics) {
    OriginNode node = new OriginNode(config, metrics);
    Vertx vertx = cluster.vertx();
    String nodeId = config.node().id();
    StreamRegistry registry = new TimedStreamRegistry(cluster.registry(), metrics);
    node.policy = new ClusteredOriginPolicy(vertx, registry, node.streams, nodeId, cluster.advertisedHost(),
        () -> node.rtmp.actualPort(), config.cluster().secret(),
        config.origin().localPlayback());
    HazelcastViewerDirectory directory = new HazelcastViewerDirectory(vertx,
        cluster.hazelcast().getMap(HazelcastViewerDirectory.MAP_NAME), VIEWER_REPORT_INTERVAL);
    node.http = new HttpApi(node.streams, nodeId, "origin", node::isReady, new StreamsView(registry, directory));
    node.reporter = new ViewerReporter(vertx, directory, node.streams, nodeId, "origin", true);
    node.clusterMetrics = new ClusterMetrics(metrics, cluster).start();
    return node.listen(vertx, node.policy).map(n -> {
      n.policy.start(config.cluster().claimCheckInterval());
      n.reporter.start(VIEWER_REPORT_INTERVAL);
      return n;
    });
  }

  private Future<OriginNode> listen(Vertx vertx, SessionPolicy sessionPolicy) {
    instruments = new NodeInstruments(vertx, metrics, streams, config, this::isReady, () -> draining);
    http.metrics(metrics).liveness(instruments.heartbeat());
    SessionPolicy admission = AuthPolicy.wrap(vertx, config.auth(), config.node().id(), sessionPolicy);
    return RtmpServer.start(vertx, RtmpServerSettings.from(config), streams, admission, instruments.rtmp())
        .compose(server -> {
          rtmp = server;
          return http.start(vertx, config.http().host(), config.http().port());
        })
        .map(h -> {
          ready = true;
          return this;
        });
  }

  private boolean isReady() {
    return ready && !draining;
  }

  @Override
  public int rtmpPort() {
    return rtmp.actualPort();
  }

  @Override
  public int rtmpsPort() {
    return rtmp.tlsPort();
  }

  @Override
  public int httpPort() {
    return http.actualPort();
  }

  public StreamManager streams() {
    return streams;
  }

  public NodeMetrics metrics() {
    return metrics;
  }

  public CascadeConfig config() {
    return config;
  }

  @Override
  public Future<Void> drain(Duration grace) {
    draining = true;
    String id = config.node().id();
    LOG.info("event=drain.not_ready role=origin node={} connections={}", id, rtmp.connections());
    long start = System.nanoTime();
    return rtmp.drain(grace)
        .compose(v -> {
          LOG.info("event=drain.connections_done role=origin node={} ms={} still_open={}", id,
              (System.nanoTime() - start) / 1_000_000, rtmp.connections());
          return policy == null ? Future.succeededFuture(0) : policy.releaseAll();
        })
        .compose(released -> {
          LOG.info("event=drain.claims_released role=origin node={} released={}", id, released);
          return rtmp.closeAll("draining", "node drained after " + grace.toMillis() + " ms");
        });
  }

  @Override
  public Future<Void> stop() {
    ready = false;
    if (policy != null) {
      policy.stop();
    }
    if (reporter != null) {
      reporter.stop();
    }
    if (clusterMetrics != null) {
      clusterMetrics.stop();
    }
    if (instruments != null) {
      instruments.stop();
    }
    Future<Void> h = http == null ? Future.succeededFuture() : http.stop();
    return h.compose(v -> rtmp == null ? Future.succeededFuture() : rtmp.stop());
  }
}
