package io.cascade.metrics;

import io.cascade.cluster.ClusterNode;
import io.vertx.core.Vertx;

/**
 * Cluster meters: members as this node sees them, and the registry's size, sampled every
 * {@link #SAMPLE_MILLIS} ms off the event loop (counting a distributed map is a remote call).
 */
public final class ClusterMetrics {
  static final long SAMPLE_MILLIS = 10_000;

  private final Vertx vertx;
  private final ClusterNode cluster;
  private volatile int registrySize;
  private long timer = -1;

  public ClusterMetrics(NodeMetrics metrics, ClusterNode cluster) {
    this.vertx = cluster.vertx();
    this.cluster = cluster;
    metrics.gauge(CascadeMeter.CLUSTER_MEMBERS, cluster, ClusterNode::memberCount);
    metrics.gauge(CascadeMeter.REGISTRY_SIZE, this, m -> m.registrySize);
  }

  public ClusterMetrics start() {
    sample();
    timer = vertx.setPeriodic(SAMPLE_MILLIS, id -> sample());
    return this;
  }

  private void sample() {
    vertx.<Integer>executeBlocking(() -> cluster.registry().size(), false)
        .onSuccess(n -> registrySize = n);
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
