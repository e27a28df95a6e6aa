package io.cascade.edge;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/**
 * Delays between failed upstream connects: exponential from {@code min}, capped at {@code max},
 * each drawn from [base/2, base] so that edges that lost the same origin do not retry in step.
 * Not thread-safe; an ingest uses it on its own event loop.
 */
final class UpstreamBackoff {
  private final long minMillis;
  private final long maxMillis;
  private final DoubleSupplier random;
  private int failures;

  UpstreamBackoff(Duration min, Duration max) {
    this(min, max, () -> ThreadLocalRandom.current().nextDouble());
  }

  UpstreamBackoff(Duration min, Duration max, DoubleSupplier random) {
    this.minMillis = Math.max(1, min.toMillis());
    this.maxMillis = Math.max(minMillis, max.toMillis());
    this.random = random;
  }

  /** Counts a failure and returns how long to wait before the next attempt. */
  long nextDelayMillis() {
    failures++;
    long base = minMillis;
    for (int i = 1; i < failures && base < maxMillis; i++) {
      base *= 2;
    }
    base = Math.min(base, maxMillis);
    long half = base / 2;
    return half + Math.round((base - half) * random.getAsDouble());
  }

  /** Consecutive failures since the last success. */
  int failures() {
    return failures;
  }

  void reset() {
    failures = 0;
  }
}
