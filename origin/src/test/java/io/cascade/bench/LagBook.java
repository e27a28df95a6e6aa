package io.cascade.bench;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Lag histograms, one per recording thread (event loop), so recording takes no lock; the bench
 * swaps in a fresh set when a measured window starts and merges the finished set when it ends.
 */
final class LagBook {
  private volatile Map<Thread, LatencyHistogram> current = new ConcurrentHashMap<>();

  /** Called on a client's event loop. */
  void record(long micros) {
    current.computeIfAbsent(Thread.currentThread(), t -> new LatencyHistogram()).record(micros);
  }

  /**
   * Starts a new set and returns everything recorded into the old one. A loop may be inside
   * {@link #record} of the old set for a moment after the swap; callers that need every value
   * wait a little before reading, as {@link FanoutBench} does.
   */
  Map<Thread, LatencyHistogram> swap() {
    Map<Thread, LatencyHistogram> old = current;
    current = new ConcurrentHashMap<>();
    return old;
  }

  /** Everything recorded since the last swap (merged copy). */
  LatencyHistogram snapshot() {
    return merge(current);
  }

  static LatencyHistogram merge(Map<Thread, LatencyHistogram> byLoop) {
    LatencyHistogram all = new LatencyHistogram();
    byLoop.values().forEach(all::add);
    return all;
  }
}
