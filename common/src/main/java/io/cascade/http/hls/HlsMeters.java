package io.cascade.http.hls;

import io.cascade.metrics.CascadeMeter;
import io.cascade.metrics.NodeMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntSupplier;

/** The node's HLS meters; kinds, statuses and reasons are fixed sets in code (auth reasons are the policy's). */
final class HlsMeters {
  private static final List<String> KINDS = List.of("multivariant", "media", "part", "segment", "init", "other");
  private static final List<String> STATUSES = List.of("200", "204", "400", "403", "404", "405", "503");
  private static final List<String> KNOWN_REASONS = List.of("bad_name", "bad_query", "method_not_allowed",
      "stream_not_found", "not_found", "too_far_ahead", "block_timeout", "max_blocked_requests", "max_blocked_per_stream",
      "max_viewers", "max_streams", "max_players_per_stream", "publisher_gone", "max_renditions");

  private final NodeMetrics node;
  private final Map<String, Counter> requests = new ConcurrentHashMap<>();
  private final Map<String, Counter> refused = new ConcurrentHashMap<>();
  private final Counter droppedByCount;
  private final Counter droppedByBytes;
  private final Timer partLatency;
  private final Timer partDelay;
  private final Timer waitedServed;
  private final Timer waitedTimeout;
  private final LongAdder bytesOut = new LongAdder();

  /** {@code partTarget}: {@code hls.partTarget}, around which the part latency's buckets lie. */
  HlsMeters(NodeMetrics node, Duration partTarget, IntSupplier viewers, IntSupplier blocked) {
    this.node = node;
    for (String k : KINDS) {
      for (String s : STATUSES) {
        requests.put(k + s, node.counter(CascadeMeter.HLS_REQUESTS, "kind", k, "status", s));
      }
    }
    KNOWN_REASONS.forEach(this::refusedCounter);
    droppedByCount = node.counter(CascadeMeter.HLS_WINDOW_DROPPED, "reason", "window");
    droppedByBytes = node.counter(CascadeMeter.HLS_WINDOW_DROPPED, "reason", "bytes");
    partLatency = node.timer(CascadeMeter.HLS_PART_LATENCY, CascadeMeter.partLatencyBuckets(partTarget));
    partDelay = node.timer(CascadeMeter.HLS_PART_DELAY, CascadeMeter.PART_DELAY_BUCKETS);
    waitedServed = node.timer(CascadeMeter.HLS_BLOCK_WAIT, "outcome", "served");
    waitedTimeout = node.timer(CascadeMeter.HLS_BLOCK_WAIT, "outcome", "timeout");
    node.functionCounter(CascadeMeter.SENT_BYTES, bytesOut, LongAdder::sum, "protocol", "hls");
    node.gauge(CascadeMeter.HLS_VIEWERS, viewers, IntSupplier::getAsInt);
    node.gauge(CascadeMeter.HLS_BLOCKED, blocked, IntSupplier::getAsInt);
  }

  void request(String kind, int status) {
    Counter c = requests.get(kind + status);
    if (c != null) {
      c.increment();
    }
  }

  void refused(String reason) {
    refusedCounter(reason).increment();
  }

  private Counter refusedCounter(String reason) {
    return refused.computeIfAbsent(reason, r -> node.counter(CascadeMeter.HLS_REFUSED, "reason", r));
  }

  void dropped(long byCount, long byBytes) {
    if (byCount > 0) {
      droppedByCount.increment(byCount);
    }
    if (byBytes > 0) {
      droppedByBytes.increment(byBytes);
    }
  }

  /** A part listed: its availability latency and the node's share of it. */
  void partListed(PartAvailability.Listed part) {
    partLatency.record(part.latencyNanos(), TimeUnit.NANOSECONDS);
    partDelay.record(part.delayNanos(), TimeUnit.NANOSECONDS);
  }

  /** A waiting request answered ({@code served}) or given up on after {@code nanos}. */
  void waited(long nanos, boolean served) {
    (served ? waitedServed : waitedTimeout).record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
  }

  /** Bytes of an HLS answer's body. */
  void bytesOut(long n) {
    bytesOut.add(n);
  }

  long waitedCount(boolean served) {
    return (served ? waitedServed : waitedTimeout).count();
  }

  double refusedCount(String reason) {
    Counter c = refused.get(reason);
    return c == null ? 0 : c.count();
  }

  double requestCount(String kind, int status) {
    Counter c = requests.get(kind + status);
    return c == null ? 0 : c.count();
  }

  long partLatencyCount() {
    return partLatency.count();
  }

  Duration partLatencyMax() {
    return Duration.ofNanos((long) partLatency.max(TimeUnit.NANOSECONDS));
  }

  Duration partDelayMax() {
    return Duration.ofNanos((long) partDelay.max(TimeUnit.NANOSECONDS));
  }
}
