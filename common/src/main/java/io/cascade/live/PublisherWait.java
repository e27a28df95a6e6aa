package io.cascade.live;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A player's bounded wait for a publisher, whatever its protocol: it counts the player among the
 * node's waiting players ({@code live.maxWaitingPlayers}) until the stream goes live, and runs the
 * player's own ending when a wait ({@code live.playerWaitTimeout} before the first publish,
 * {@code live.republishWaitTimeout} after the publisher left) runs out. Confined to the player's
 * event loop.
 */
public final class PublisherWait {
  private final StreamManager streams;
  private final EventLoop loop;
  private boolean counted;
  private ScheduledFuture<?> timer;

  public PublisherWait(StreamManager streams, EventLoop loop) {
    this.streams = streams;
    this.loop = loop;
  }

  /** Counts the player as waiting; false when the node has as many waiting players as it allows. */
  public boolean startCounting() {
    if (!counted) {
      if (!streams.startWaiting()) {
        return false;
      }
      counted = true;
    }
    return true;
  }

  /** Runs {@code onTimeout} on the loop after {@code timeout}, unless ended or armed again first. */
  public void arm(Duration timeout, Runnable onTimeout) {
    cancelTimer();
    timer = loop.schedule(onTimeout, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Whether a wait was armed since the last {@link #end()}. */
  public boolean isArmed() {
    return timer != null;
  }

  /** The wait is over (the publisher came, or the play ended): no longer counted, no timer. */
  public void end() {
    cancelTimer();
    if (counted) {
      counted = false;
      streams.stopWaiting();
    }
  }

  private void cancelTimer() {
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }
}
