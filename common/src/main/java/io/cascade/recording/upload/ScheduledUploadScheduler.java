package io.cascade.recording.upload;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The real {@link UploadScheduler}: one daemon timer thread. Its tasks only hand the next request
 * of an upload to the upload threads, so it never waits on the network; it holds at most one timer
 * per upload in progress (recording.s3.maxConcurrentUploads).
 */
final class ScheduledUploadScheduler implements UploadScheduler, AutoCloseable {
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "cascade-s3-upload-timer");
        t.setDaemon(true);
        return t;
      });

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public void schedule(Duration delay, Runnable task) {
    timer.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
