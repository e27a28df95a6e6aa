package io.cascade.edge;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Context;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * A {@link Scheduler} on one of Vert.x's event loops: tasks run on a Vert.x context bound to that
 * loop, so registry calls made from them answer on the same thread, and the ingest's upstream
 * client is created on the same loop ({@link #eventLoop}), so its media is handled inline.
 */
final class LoopScheduler implements Scheduler {
  private final EventLoop loop;
  private final Context context;

  private LoopScheduler(EventLoop loop, Context context) {
    this.loop = loop;
    this.context = context;
  }

  /** A scheduler on the next of {@code vertx}'s event loops. */
  static LoopScheduler next(VertxInternal vertx) {
    EventLoop loop = vertx.nettyEventLoopGroup().next();
    return new LoopScheduler(loop, vertx.contextBuilder().withEventLoop(loop).build());
  }

  EventLoop eventLoop() {
    return loop;
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public void execute(Runnable task) {
    try {
      context.runOnContext(v -> task.run());
    } catch (RejectedExecutionException e) {
      // The node is shutting down with its event loops; nothing left to pull for.
    }
  }

  @Override
  public Timer schedule(Duration delay, Runnable task) {
    try {
      ScheduledFuture<?> f = loop.schedule(() -> execute(task), delay.toNanos(), TimeUnit.NANOSECONDS);
      return () -> f.cancel(false);
    } catch (RejectedExecutionException e) {
      return () -> { };
    }
  }
}
