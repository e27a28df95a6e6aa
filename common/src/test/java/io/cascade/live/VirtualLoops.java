package io.cascade.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Event loops in virtual time, one embedded channel each, and the subscribers on them. A
 * subscriber called while no loop is running was called from the wrong thread in production.
 */
final class VirtualLoops {
  private final List<EmbeddedChannel> channels = new ArrayList<>();
  private final List<RecordingSubscriber> subscribers = new ArrayList<>();
  private boolean running;

  /** A new loop with frozen time. */
  EventLoop next() {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.freezeTime();
    channels.add(channel);
    return channel.eventLoop();
  }

  RecordingSubscriber subscriber(EventLoop loop) {
    return subscriber(loop, true);
  }

  RecordingSubscriber subscriber(EventLoop loop, boolean coalesce) {
    RecordingSubscriber s = new RecordingSubscriber(this, loop, coalesce);
    subscribers.add(s);
    return s;
  }

  /** Runs every task submitted to the loops and every timer that is due. */
  void run() {
    running = true;
    try {
      channels.forEach(EmbeddedChannel::runPendingTasks);
    } finally {
      running = false;
    }
  }

  /** Moves every loop's clock on by {@code d}, then runs what is due. */
  void advance(Duration d) {
    channels.forEach(c -> c.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS));
    run();
  }

  boolean running() {
    return running;
  }

  /** Runs what is left, releases what the subscribers still hold, closes the loops. */
  void close() {
    run();
    for (RecordingSubscriber s : subscribers) {
      s.releaseAll();
      assertThat(s.offLoop).as("callbacks outside the subscriber's loop").isZero();
    }
    channels.forEach(EmbeddedChannel::finishAndReleaseAll);
  }
}
