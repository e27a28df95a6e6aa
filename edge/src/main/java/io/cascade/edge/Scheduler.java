package io.cascade.edge;

import java.time.Duration;

/**
 * The one thread and clock an ingest lives on: tasks run in order, one at a time, so the ingest's
 * state needs no locks, and time is read from here so tests can run it virtually.
 * {@link LoopScheduler} is the real one (a Vert.x context on a Netty event loop).
 */
interface Scheduler {
  /** A pending {@link #schedule} task. */
  interface Timer {
    /** The task will not run; a no-op once it has run. */
    void cancel();
  }

  /** Monotonic time, for durations only. */
  long nanoTime();

  /** Runs {@code task} later on this scheduler's thread, after the tasks already queued. */
  void execute(Runnable task);

  /** Runs {@code task} on this scheduler's thread once {@code delay} has passed. */
  Timer schedule(Duration delay, Runnable task);
}
