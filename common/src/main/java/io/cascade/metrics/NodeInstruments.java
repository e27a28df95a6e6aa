package io.cascade.metrics;

import static io.cascade.config.ConfigSchema.NODE_EVENT_LOOP_STALL_TIMEOUT;

import io.cascade.config.CascadeConfig;
import io.cascade.live.StreamManager;
import io.vertx.core.Vertx;
import java.util.function.BooleanSupplier;

/**
 * What every node measures, origin or edge: the RTMP server's and live layer's meters, the
 * event-loop heartbeat behind liveness, and the readiness and draining gauges.
 */
public final class NodeInstruments {
  private final NodeMetrics metrics;
  private final RtmpMetrics rtmp;
  private final LiveMetrics live;
  private final LoopHeartbeat heartbeat;

  public NodeInstruments(Vertx vertx, NodeMetrics metrics, StreamManager streams, CascadeConfig config,
      BooleanSupplier ready, BooleanSupplier draining) {
    this.metrics = metrics;
    this.rtmp = new RtmpMetrics(metrics);
    this.live = new LiveMetrics(metrics, streams).start(vertx);
    rtmp.attach(live);
    this.heartbeat = new LoopHeartbeat(vertx, config.get(NODE_EVENT_LOOP_STALL_TIMEOUT));
    metrics.gauge(CascadeMeter.NODE_READY, ready, r -> r.getAsBoolean() ? 1 : 0);
    metrics.gauge(CascadeMeter.NODE_DRAINING, draining, d -> d.getAsBoolean() ? 1 : 0);
    metrics.gauge(CascadeMeter.EVENT_LOOP_DELAY, heartbeat, h -> h.worstDelay().toNanos() / 1e9);
  }

  public NodeMetrics metrics() {
    return metrics;
  }

  public RtmpMetrics rtmp() {
    return rtmp;
  }

  public LoopHeartbeat heartbeat() {
    return heartbeat;
  }

  public void stop() {
    live.stop();
    heartbeat.stop();
  }
}
