package io.cascade.cluster;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Bounded polling: every wait in the cluster tests ends, with a message saying what did not happen. */
final class Await {
  private static final long POLL_MILLIS = 50;

  private Await() {
  }

  /**
   * Polls {@code condition} until it holds; returns the milliseconds waited.
   *
   * @throws AssertionError after {@code timeout}, with {@code what} and {@code state}'s description
   */
  static long until(Duration timeout, String what, BooleanSupplier condition, Supplier<String> state) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what + "\n" + state.get());
      }
      sleep(POLL_MILLIS);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  static long until(Duration timeout, String what, BooleanSupplier condition) {
    return until(timeout, what, condition, () -> "");
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
