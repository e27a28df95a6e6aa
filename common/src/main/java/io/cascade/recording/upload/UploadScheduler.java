package io.cascade.recording.upload;

import java.time.Duration;

/**
 * The clock and timer of the uploader: when a retry is due and how long an upload took. Tests
 * drive it in virtual time; {@link ScheduledUploadScheduler} is the real one.
 */
interface UploadScheduler {
  /** Monotonic time, for durations only. */
  long nanoTime();

  /** Runs {@code task} once {@code delay} has passed; the task must not block. */
  void schedule(Duration delay, Runnable task);
}
