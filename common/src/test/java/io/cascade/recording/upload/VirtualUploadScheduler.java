package io.cascade.recording.upload;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * An {@link UploadScheduler} in virtual time: timers run only when the test advances time, in due
 * order, on the test's thread, so a backoff of minutes takes no real time and cannot pass by being
 * slow.
 */
final class VirtualUploadScheduler implements UploadScheduler {
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private long now;
  private long seq;

  private record Timer(long due, long order, Runnable task) implements Comparable<Timer> {
    @Override
    public int compareTo(Timer o) {
      return due != o.due ? Long.compare(due, o.due) : Long.compare(order, o.order);
    }
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized void schedule(Duration delay, Runnable task) {
    timers.add(new Timer(now + delay.toNanos(), seq++, task));
  }

  /** Moves time forward by {@code d}, running every timer that falls due on the way. */
  void advance(Duration d) {
    long until;
    synchronized (this) {
      until = now + d.toNanos();
    }
    while (true) {
      Timer t;
      synchronized (this) {
        if (timers.isEmpty() || timers.peek().due() > until) {
          now = until;
          return;
        }
        t = timers.poll();
        now = t.due();
      }
      t.task().run();
    }
  }

  synchronized int pending() {
    return timers.size();
  }
}
