package io.cascade.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The bounded wait for a publisher, in virtual time (an embedded event loop with frozen time). */
class PublisherWaitTest {
  /** At most one waiting player on the node. */
  private static final LiveSettings ONE_WAITING = new LiveSettings(128, 1 << 20, Duration.ofSeconds(10), 1 << 20,
      Duration.ofSeconds(3), Duration.ofSeconds(15), Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3,
      1, 0);

  private final EmbeddedChannel channel = new EmbeddedChannel();
  private final EventLoop loop = channel.eventLoop();
  private final StreamManager streams = new StreamManager(ONE_WAITING, UnpooledByteBufAllocator.DEFAULT);
  private final AtomicInteger timeouts = new AtomicInteger();

  PublisherWaitTest() {
    channel.freezeTime();
  }

  @AfterEach
  void close() {
    channel.finishAndReleaseAll();
  }

  @Test
  void runsOutExactlyAtItsTimeoutNotBefore() {
    PublisherWait wait = new PublisherWait(streams, loop);
    wait.arm(Duration.ofMillis(500), timeouts::incrementAndGet);
    assertThat(wait.isArmed()).isTrue();
    channel.advanceTimeBy(499, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    assertThat(timeouts).hasValue(0);
    channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    assertThat(timeouts).hasValue(1);
  }

  @Test
  void endedOrReArmedWaitsDoNotFire() {
    PublisherWait wait = new PublisherWait(streams, loop);
    wait.arm(Duration.ofMillis(100), timeouts::incrementAndGet);
    wait.arm(Duration.ofMillis(300), () -> timeouts.addAndGet(10));
    channel.advanceTimeBy(200, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    assertThat(timeouts).as("the first wait was replaced").hasValue(0);
    channel.advanceTimeBy(100, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    assertThat(timeouts).hasValue(10);

    wait.arm(Duration.ofMillis(100), timeouts::incrementAndGet);
    wait.end();
    assertThat(wait.isArmed()).isFalse();
    channel.advanceTimeBy(1, TimeUnit.SECONDS);
    channel.runScheduledPendingTasks();
    assertThat(timeouts).as("an ended wait never fires").hasValue(10);
  }

  @Test
  void countsAgainstTheNodesWaitingPlayersUntilEnded() {
    PublisherWait first = new PublisherWait(streams, loop);
    PublisherWait second = new PublisherWait(streams, loop);
    assertThat(first.startCounting()).isTrue();
    assertThat(first.startCounting()).as("counted once however often asked").isTrue();
    assertThat(second.startCounting()).as("live.maxWaitingPlayers = 1").isFalse();
    first.end();
    first.end();
    assertThat(second.startCounting()).as("the place is free again, once").isTrue();
    assertThat(first.startCounting()).isFalse();
    second.end();
  }
}
