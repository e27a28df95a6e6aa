package io.cascade.edge;

import java.time.Duration;

/**
 * When an ingest tries its upstream again: the {@link UpstreamBackoff} delays count failures
 * against one publish session, a different session starts from the shortest delay again (a new
 * owner owes nothing to the old one's failures), and only an upstream that delivered media counts
 * as a success, so one that plays and drops at once cannot turn reconnects into a tight loop.
 * Not thread-safe; an ingest uses it on its own scheduler.
 */
final class UpstreamRetry {
  private final UpstreamBackoff backoff;
  /** The session the failures so far were against; null when the last failure had none (registry). */
  private String failing;

  UpstreamRetry(UpstreamBackoff backoff) {
    this.backoff = backoff;
  }

  UpstreamRetry(EdgeSettings settings) {
    this(new UpstreamBackoff(settings.upstreamBackoffMin(), settings.upstreamBackoffMax()));
  }

  /** An attempt at {@code session} begins; a session other than the failing one starts afresh. */
  void attempt(String session) {
    if (!session.equals(failing)) {
      succeeded();
    }
  }

  /** An attempt at {@code session} (null: no session, e.g. a registry error) failed: the delay before the next. */
  Duration failed(String session) {
    failing = session;
    return Duration.ofMillis(backoff.nextDelayMillis());
  }

  /** Whether the last failure was against {@code session}: news of that same session is no reason to hurry. */
  boolean isFailing(String session) {
    return session.equals(failing);
  }

  /** The upstream delivered media. */
  void succeeded() {
    backoff.reset();
    failing = null;
  }

  /** Failures since the last success; the number of the next attempt is this plus one. */
  int failures() {
    return backoff.failures();
  }
}
