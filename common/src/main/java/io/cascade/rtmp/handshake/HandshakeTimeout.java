package io.cascade.rtmp.handshake;

import io.netty.channel.ChannelHandlerContext;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** The one-shot deadline a handshake handler arms when the connection starts. Event loop only. */
final class HandshakeTimeout {
  private final Duration timeout;
  private ScheduledFuture<?> task;

  HandshakeTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout");
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("handshake timeout must be positive: " + timeout);
    }
    this.timeout = timeout;
  }

  /**
   * Arms the deadline unless it was armed before, so handlerAdded and channelActive may both call
   * it; returns whether this call armed it.
   */
  boolean start(ChannelHandlerContext ctx, Runnable onExpiry) {
    if (task != null) {
      return false;
    }
    task = ctx.executor().schedule(onExpiry, timeout.toNanos(), TimeUnit.NANOSECONDS);
    return true;
  }

  void cancel() {
    if (task != null) {
      task.cancel(false);
    }
  }

  long millis() {
    return timeout.toMillis();
  }
}
