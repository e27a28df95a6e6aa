package io.cascade.origin;

import static org.assertj.core.api.Assertions.fail;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Waiting on futures in tests. */
final class Futures {
  private Futures() {
  }

  /** The cause {@code f} fails with within 10 s; fails the test if it succeeds (or times out). */
  static Throwable failure(CompletableFuture<?> f) throws Exception {
    try {
      f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    }
    return fail("expected a failure");
  }
}
