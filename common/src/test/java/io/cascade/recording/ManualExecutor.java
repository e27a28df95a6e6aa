package io.cascade.recording;

import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/** The recording writer's thread in a test: tasks wait until the test runs them, in order. */
final class ManualExecutor extends AbstractExecutorService {
  private final Queue<Runnable> tasks = new ArrayDeque<>();
  private boolean shutdown;

  @Override
  public void execute(Runnable task) {
    if (shutdown) {
      throw new RejectedExecutionException("shut down");
    }
    tasks.add(task);
  }

  /** Runs every queued task, and those they queue. */
  int runAll() {
    int n = 0;
    for (Runnable r; (r = tasks.poll()) != null; n++) {
      r.run();
    }
    return n;
  }

  int queued() {
    return tasks.size();
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  @Override
  public List<Runnable> shutdownNow() {
    shutdown = true;
    List<Runnable> left = List.copyOf(tasks);
    tasks.clear();
    return left;
  }

  @Override
  public boolean isShutdown() {
    return shutdown;
  }

  @Override
  public boolean isTerminated() {
    return shutdown && tasks.isEmpty();
  }

  @Override
  public boolean awaitTermination(long timeout, TimeUnit unit) {
    return isTerminated();
  }
}
