package io.cascade.recording;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one thread of a node that touches recording files, and the bound in front of it. Event loops
 * hand it tasks and never wait: a media task is refused once {@code recording.maxPendingBytes} are
 * waiting (the caller drops it and counts it). Control tasks (an init segment, the end of a segment
 * or of a recording) are always taken; there are at most a few per segment the loop did hand over,
 * so their number is bounded by the media bound. Tasks run in the order they were given.
 */
final class RecordingWriter {
  /** Work for the writer thread; {@link #discard()} frees what it holds when it will never run. */
  interface Task extends Runnable {
    default void discard() {
    }
  }

  private final ExecutorService executor;
  private final long maxPendingBytes;
  private final AtomicLong pending = new AtomicLong();

  RecordingWriter(ExecutorService executor, long maxPendingBytes) {
    this.executor = executor;
    this.maxPendingBytes = maxPendingBytes;
  }

  /** A writer with its own daemon thread, {@code cascade-recording-writer}. */
  static RecordingWriter onOwnThread(long maxPendingBytes) {
    return new RecordingWriter(Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cascade-recording-writer");
      t.setDaemon(true);
      return t;
    }), maxPendingBytes);
  }

  /**
   * Queues {@code task} of {@code bytes} media bytes; past the bound (or once stopped) the task is
   * discarded instead and the answer is false.
   */
  boolean offerMedia(long bytes, Task task) {
    while (true) {
      long now = pending.get();
      if (now + bytes > maxPendingBytes) {
        task.discard();
        return false;
      }
      if (pending.compareAndSet(now, now + bytes)) {
        break;
      }
    }
    return submit(new Task() {
      @Override
      public void run() {
        try {
          task.run();
        } finally {
          pending.addAndGet(-bytes);
        }
      }

      @Override
      public void discard() {
        pending.addAndGet(-bytes);
        task.discard();
      }
    });
  }

  /** Queues a task that is never dropped (it holds little: an init segment or nothing). */
  void offerControl(Task task) {
    submit(task);
  }

  private boolean submit(Task task) {
    try {
      executor.execute(task);
      return true;
    } catch (RejectedExecutionException e) {
      task.discard(); // stopped
      return false;
    }
  }

  long pendingBytes() {
    return pending.get();
  }

  /** Stops taking tasks; those queued still run (a node that stops writes its recordings' ends). */
  void shutdown() {
    executor.shutdown();
  }
}
