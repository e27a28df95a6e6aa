package io.cascade.metrics;

import io.netty.channel.EventLoopGroup;
import io.netty.util.concurrent.EventExecutor;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Liveness of the event loops: each loop runs a heartbeat task every second; a loop whose task
 * has waited longer than the stall timeout is stuck (a blocking call, an endless loop) and the
 * node is not live. The worst wait is also a gauge (event-loop delay).
 */
public final class LoopHeartbeat {
  private static final long PERIOD_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final List<Beat> beats = new ArrayList<>();
  private final List<ScheduledFuture<?>> tasks = new ArrayList<>();
  private final long stallNanos;

  public LoopHeartbeat(Vertx vertx, Duration stallTimeout) {
    this.stallNanos = stallTimeout.toNanos();
    EventLoopGroup group = ((VertxInternal) vertx).nettyEventLoopGroup();
    for (EventExecutor loop : group) {
      Beat beat = new Beat();
      beats.add(beat);
      tasks.add(loop.scheduleAtFixedRate(beat, 0, PERIOD_NANOS, TimeUnit.NANOSECONDS));
    }
  }

  /** The longest time any loop's heartbeat is overdue (0 when all ran on time). */
  public Duration worstDelay() {
    long now = System.nanoTime();
    long worst = 0;
    for (Beat b : beats) {
      worst = Math.max(worst, Math.max(b.delayNanos, now - b.lastNanos - PERIOD_NANOS));
    }
    return Duration.ofNanos(Math.max(0, worst));
  }

  /** False once a loop has not run its heartbeat for the stall timeout. */
  public boolean live() {
    long now = System.nanoTime();
    for (Beat b : beats) {
      if (now - b.lastNanos > stallNanos) {
        return false;
      }
    }
    return true;
  }

  public void stop() {
    tasks.forEach(t -> t.cancel(false));
  }

  private static final class Beat implements Runnable {
    volatile long lastNanos = System.nanoTime();
    volatile long delayNanos;

    @Override
    public void run() {
      long now = System.nanoTime();
      delayNanos = Math.max(0, now - lastNanos - PERIOD_NANOS);
      lastNanos = now;
    }
  }
}
