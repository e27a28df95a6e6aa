package io.cascade.testing;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * The one bounded poll of the integration tests (origin and edge reach it through common's
 * test-jar). A wait here is always for something observable that must happen; a test never sleeps
 * and then asserts that nothing happened, since that passes however slow the machine is.
 */
public final class Await {
  private static final long POLL_MILLIS = 20;

  private Await() {
  }

  /** A check that may throw; an exception fails the wait at once, it is not retried. */
  @FunctionalInterface
  public interface Condition {
    boolean holds() throws Exception;
  }

  /**
   * Polls {@code condition} until it holds; returns the milliseconds waited.
   *
   * @throws AssertionError after {@code timeout}, naming {@code what} and adding {@code state}
   */
  public static long until(Duration timeout, String what, Condition condition, Supplier<String> state) {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    while (!check(condition, what)) {
      if (System.nanoTime() - deadline > 0) {
        String detail = state.get();
        throw new AssertionError("not within " + timeout.toMillis() + " ms: " + what
            + (detail.isEmpty() ? "" : "\n" + detail));
      }
      pause(POLL_MILLIS);
    }
    return (System.nanoTime() - start) / 1_000_000;
  }

  public static long until(Duration timeout, String what, Condition condition) {
    return until(timeout, what, condition, () -> "");
  }

  /**
   * Calls {@code sample} every poll interval for {@code span}: for measuring what holds over a
   * span (the fewest upstreams seen during a grace), never as the wait before an assertion that
   * nothing happened. The caller asserts a positive event afterwards.
   */
  public static void sampling(Duration span, Runnable sample) {
    long end = System.nanoTime() + span.toNanos();
    do {
      sample.run();
      pause(POLL_MILLIS);
    } while (System.nanoTime() - end < 0);
  }

  private static boolean check(Condition condition, String what) {
    try {
      return condition.holds();
    } catch (RuntimeException | Error e) {
      throw e;
    } catch (Exception e) {
      throw new AssertionError("while waiting for: " + what, e);
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
