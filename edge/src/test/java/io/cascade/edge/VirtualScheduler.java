package io.cascade.edge;

import java.time.Duration;
import java.util.PriorityQueue;

/**
 * A {@link Scheduler} in virtual time for tests: nothing runs until the test calls
 * {@link #runPending} or {@link #advance}, and time moves only when told to, so a test that waits
 * a grace period or a backoff takes no real time and cannot pass by being slow. Tasks may be queued
 * from any thread; they run on the thread that advances time.
 */
final class VirtualScheduler implements Scheduler {
  private final PriorityQueue<Task> queue = new PriorityQueue<>();
  private long now;
  private long seq;

  private final class Task implements Comparable<Task>, Timer {
    final long due;
    final long order = seq++;
    final Runnable body;
    boolean cancelled;

    Task(long due, Runnable body) {
      this.due = due;
      this.body = body;
    }

    @Override
    public int compareTo(Task o) {
      return due != o.due ? Long.compare(due, o.due) : Long.compare(order, o.order);
    }

    @Override
    public void cancel() {
      synchronized (VirtualScheduler.this) {
        cancelled = true;
        queue.remove(this);
      }
    }
  }

  @Override
  public synchronized long nanoTime() {
    return now;
  }

  @Override
  public synchronized void execute(Runnable task) {
    queue.add(new Task(now, task));
  }

  @Override
  public synchronized Timer schedule(Duration delay, Runnable task) {
    Task t = new Task(now + delay.toNanos(), task);
    queue.add(t);
    return t;
  }

  /** Runs every task due now, including those they queue. */
  void runPending() {
    advance(Duration.ZERO);
  }

  /** Moves time forward by {@code d}, running every task that falls due on the way, in order. */
  void advance(Duration d) {
    long until;
    synchronized (this) {
      until = now + d.toNanos();
    }
    while (true) {
      Task t;
      synchronized (this) {
        if (queue.isEmpty() || queue.peek().due > until) {
          now = until;
          return;
        }
        t = queue.poll();
        now = Math.max(now, t.due);
      }
      t.body.run();
    }
  }

  /** Time since the scheduler was made. */
  synchronized Duration elapsed() {
    return Duration.ofNanos(now);
  }

  /** Timers and tasks still queued. */
  synchronized int pending() {
    return queue.size();
  }
}
