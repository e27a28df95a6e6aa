package io.cascade.http.flv;

import io.cascade.metrics.CascadeMeter;
import io.cascade.metrics.RtmpMetrics;
import io.micrometer.core.instrument.Counter;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The node's play meters as HTTP-FLV uses them, plus its refusals and cuts by reason (a fixed set in code). */
final class FlvMeters {
  private final RtmpMetrics rtmp;
  private final Map<String, Counter> refused = new ConcurrentHashMap<>();

  FlvMeters(RtmpMetrics rtmp) {
    this.rtmp = rtmp;
  }

  RtmpMetrics rtmp() {
    return rtmp;
  }

  void refused(String reason) {
    refused.computeIfAbsent(reason, r -> rtmp.node().counter(CascadeMeter.HTTP_FLV_REFUSED, "reason", r)).increment();
  }
}
