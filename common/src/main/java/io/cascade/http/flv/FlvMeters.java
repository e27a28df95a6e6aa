package io.cascade.http.flv;

import io.cascade.metrics.CascadeMeter;
import io.cascade.metrics.RtmpMetrics;
import io.micrometer.core.instrument.Counter;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The node's play meters as HTTP-FLV uses them, plus its refusals and cuts by reason (a fixed set in code). */
final class FlvMeters {
  private final RtmpMetrics rtmp;
  private final Map<String, Counter> refused = new ConcurrentHashMap<>();

  /** Registered at start, so dashboards and alerts see 0 rather than no series. */
  private static final List<String> KNOWN_REASONS = List.of("bad_name", "method_not_allowed", "stream_not_found",
      "max_connections", "max_streams", "max_players_per_stream", "max_waiting_players", "slow_consumer");

  FlvMeters(RtmpMetrics rtmp) {
    this.rtmp = rtmp;
    KNOWN_REASONS.forEach(this::counter);
  }

  RtmpMetrics rtmp() {
    return rtmp;
  }

  void refused(String reason) {
    counter(reason).increment();
  }

  private Counter counter(String reason) {
    return refused.computeIfAbsent(reason, r -> rtmp.node().counter(CascadeMeter.HTTP_FLV_REFUSED, "reason", r));
  }
}
