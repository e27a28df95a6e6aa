package io.cascade.recording.upload;

import java.time.Duration;
import java.util.function.DoubleSupplier;

/**
 * The delays between attempts of one request: exponential from {@code min}, capped at {@code max},
 * each drawn from [base/2, base] ("equal jitter") so that uploads that failed together, when the
 * store went away, do not all come back in the same instant. Stateless: the attempt number is the
 * request's own.
 */
final class RetryBackoff {
  private final long minNanos;
  private final long maxNanos;
  private final DoubleSupplier random;

  RetryBackoff(Duration min, Duration max, DoubleSupplier random) {
    this.minNanos = Math.max(1, min.toNanos());
    this.maxNanos = Math.max(minNanos, max.toNanos());
    this.random = random;
  }

  /** The delay after the {@code failures}-th failure of a request (1 for the first). */
  Duration delayAfter(int failures) {
    long base = minNanos;
    for (int i = 1; i < failures && base < maxNanos; i++) {
      base = base > maxNanos / 2 ? maxNanos : base * 2;
    }
    base = Math.min(base, maxNanos);
    long half = base / 2;
    return Duration.ofNanos(half + Math.round((base - half) * random.getAsDouble()));
  }
}
