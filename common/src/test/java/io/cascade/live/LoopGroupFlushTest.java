package io.cascade.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.FlushMode;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A loop group's flushes in adaptive mode on an embedded event loop with frozen time: the test
 * decides when queued delivery tasks run and how long they waited.
 */
class LoopGroupFlushTest {
  private static final LiveSettings ADAPTIVE = new LiveSettings(128, 1 << 20, Duration.ofSeconds(10), 1 << 20,
      Duration.ofSeconds(3), Duration.ofSeconds(15), Duration.ofMillis(10), Duration.ofSeconds(1),
      Duration.ofSeconds(1), 2, 3, LiveSettings.DEFAULT_MAX_WAITING_PLAYERS, 0).withFlushMode(FlushMode.ADAPTIVE)
      .withFlushAudioHold(Duration.ofMillis(40)).withFlushVideoHold(Duration.ZERO);

  private final EmbeddedChannel channel = new EmbeddedChannel();
  private LoopGroup group;
  private Player player;
  private Player relay;
  private long dts;

  @BeforeEach
  void setUp() {
    channel.freezeTime();
    EventLoop loop = channel.eventLoop();
    group = new LoopGroup(loop, ADAPTIVE);
    player = new Player(loop, true);
    relay = new Player(loop, false);
    group.add(player);
    group.add(relay);
  }

  @AfterEach
  void tearDown() {
    channel.finishAndReleaseAll();
  }

  private void publish() {
    group.deliver(new MediaFrame(MediaFrame.Kind.VIDEO, 0, dts, 0, 0, "avc", 0, 0,
        Unpooled.buffer(200).writeZero(200)));
    dts += 33;
  }

  private void publishAudio() {
    group.deliver(new MediaFrame(MediaFrame.Kind.AUDIO, 0, dts, 0, 0, "aac", 0, 0,
        Unpooled.buffer(20).writeZero(20)));
  }

  private void advance(long ms) {
    channel.advanceTimeBy(ms, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
  }

  @Test
  void audioGoesOutWithTheNextVideoFrame() {
    publish();
    channel.runPendingTasks();
    assertThat(player.flushes).isEqualTo(1);
    advance(10);
    publishAudio();
    channel.runPendingTasks();
    assertThat(player.frames).isEqualTo(2);
    assertThat(player.flushes).as("the audio waits").isEqualTo(1);
    assertThat(relay.flushes).as("relays are flushed after every frame").isEqualTo(2);
    advance(23);
    publish();
    channel.runPendingTasks();
    assertThat(player.flushes).as("one write for the audio and the video").isEqualTo(2);
    assertThat(channel.runScheduledPendingTasks()).as("the audio's timer is cancelled, not left to wake the loop")
        .isEqualTo(-1);
    advance(100);
    assertThat(player.flushes).isEqualTo(2);
  }

  @Test
  void aGroupWithoutPlayersArmsNoTimer() {
    LoopGroup relays = new LoopGroup(channel.eventLoop(), ADAPTIVE);
    Player recording = new Player(channel.eventLoop(), false);
    relays.add(recording);
    group = relays;
    publish();
    advance(10);
    publishAudio();
    channel.runPendingTasks();
    assertThat(recording.flushes).as("flushed after every frame").isEqualTo(2);
    assertThat(channel.runScheduledPendingTasks()).as("no hold, no timer").isEqualTo(-1);
  }

  @Test
  void audioWithNoVideoWithinTheHoldIsWrittenByTheTimer() {
    publish();
    channel.runPendingTasks();
    publishAudio();
    channel.runPendingTasks();
    advance(39);
    assertThat(player.flushes).as("held 39 ms").isEqualTo(1);
    advance(1);
    assertThat(player.flushes).as("written at the hold").isEqualTo(2);
  }

  @Test
  void aVideoFrameOnALoadedLoopArmsAnEarlierTimerThanTheAudios() {
    for (int i = 0; i < 8; i++) {
      publish();
      channel.advanceTimeBy(6, TimeUnit.MILLISECONDS);
      channel.runPendingTasks();
      advance(10);
    }
    int flushes = player.flushes;
    publishAudio();
    channel.advanceTimeBy(6, TimeUnit.MILLISECONDS);
    channel.runPendingTasks();
    publish();
    channel.advanceTimeBy(6, TimeUnit.MILLISECONDS);
    channel.runPendingTasks();
    assertThat(player.flushes).as("held: the loop is loaded").isEqualTo(flushes);
    advance(3);
    assertThat(player.flushes).as("9 ms after the audio's write").isEqualTo(flushes);
    advance(1);
    assertThat(player.flushes).as("an interval after the audio's write, not its 40 ms hold").isEqualTo(flushes + 1);
    advance(50);
    assertThat(player.flushes).as("the audio's own timer writes nothing more").isEqualTo(flushes + 1);
  }

  @Test
  void whileTheLoopKeepsUpEveryFrameIsFlushedAtOnce() {
    for (int i = 0; i < 5; i++) {
      publish();
      channel.runPendingTasks();
      assertThat(player.flushes).as("after frame %d", i).isEqualTo(i + 1);
    }
    assertThat(player.frames).isEqualTo(5);
  }

  @Test
  void framesAlreadyQueuedTogetherGoOutInOneFlush() {
    publish();
    publish();
    publish();
    channel.runPendingTasks();
    assertThat(player.frames).isEqualTo(3);
    assertThat(player.flushes).as("one flush for the three queued frames").isEqualTo(1);
    assertThat(relay.flushes).as("relays are flushed after every frame").isEqualTo(3);
  }

  @Test
  void aLoadedLoopHoldsWritesForTheIntervalThenFlushesThem() {
    // Every frame waits 6 ms in the loop's queue: above the 1 ms busy delay once the average says so (from the second).
    int atOnce = 0;
    for (int i = 0; i < 8; i++) {
      publish();
      channel.advanceTimeBy(6, TimeUnit.MILLISECONDS);
      int before = player.flushes;
      channel.runPendingTasks();
      if (player.flushes > before) {
        atOnce++;
      }
      channel.advanceTimeBy(10, TimeUnit.MILLISECONDS);
      channel.runScheduledPendingTasks();
      assertThat(player.flushes).as("every frame flushed within the interval").isEqualTo(i + 1);
    }
    assertThat(atOnce).as("flushed at once only until the loop counted as loaded").isEqualTo(1);
    int flushes = player.flushes;
    publish();
    channel.advanceTimeBy(6, TimeUnit.MILLISECONDS);
    channel.runPendingTasks();
    assertThat(player.flushes).as("held").isEqualTo(flushes);
    channel.advanceTimeBy(9, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    assertThat(player.flushes).as("still held 9 ms later").isEqualTo(flushes);
    channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    assertThat(player.flushes).as("flushed by the timer an interval after the write").isEqualTo(flushes + 1);
  }

  /** Counts frames and flushes; releases every frame. */
  private static final class Player implements Subscriber {
    private final EventLoop loop;
    private final boolean coalesce;
    int frames;
    int flushes;

    Player(EventLoop loop, boolean coalesce) {
      this.loop = loop;
      this.coalesce = coalesce;
    }

    @Override
    public EventLoop eventLoop() {
      return loop;
    }

    @Override
    public void onFrame(MediaFrame frame) {
      frames++;
      frame.release();
    }

    @Override
    public void onFlush() {
      flushes++;
    }

    @Override
    public boolean coalesceFlushes() {
      return coalesce;
    }

    @Override
    public void onPublish() {}

    @Override
    public void onUnpublish() {}
  }
}
