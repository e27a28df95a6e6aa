package io.cascade.edge;

import io.cascade.metrics.CascadeMeter;
import io.cascade.metrics.NodeMetrics;
import io.micrometer.core.instrument.Timer;
import java.util.concurrent.TimeUnit;

/** The edge's upstream meters, read from {@link EdgeStats}. */
final class EdgeMetrics {
  private EdgeMetrics() {
  }

  static void bind(NodeMetrics metrics, EdgeStats stats) {
    metrics.gauge(CascadeMeter.PULLS_ACTIVE, stats, EdgeStats::pullsActive);
    metrics.functionCounter(CascadeMeter.PULLS_STARTED, stats, EdgeStats::pullsStarted);
    metrics.functionCounter(CascadeMeter.PULLS_FAILED, stats, EdgeStats::pullsFailed);
    metrics.functionCounter(CascadeMeter.UPSTREAMS_LOST, stats, EdgeStats::upstreamsLost);
    metrics.functionCounter(CascadeMeter.RECONNECTS, stats, EdgeStats::reconnects);
    metrics.gauge(CascadeMeter.INGESTS_ACTIVE, stats, EdgeStats::ingestsActive);
    metrics.gauge(CascadeMeter.UPSTREAM_SOURCES, stats, EdgeStats::playingFromOrigin, "source", "origin");
    metrics.gauge(CascadeMeter.UPSTREAM_SOURCES, stats, EdgeStats::playingFromParent, "source", "parent");
    metrics.functionCounter(CascadeMeter.REHOMES, stats, EdgeStats::rehomes);
    Timer failover = metrics.timer(CascadeMeter.FAILOVER);
    stats.onFailover(ms -> failover.record(ms, TimeUnit.MILLISECONDS));
  }
}
