package io.cascade.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.FlushMode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The flush decisions, on a clock the test moves (nanoseconds). */
class FlushPolicyTest {
  private static final long MS = 1_000_000;
  private static final int SMALL = 400;

  private static final MediaFrame.Kind AUDIO = MediaFrame.Kind.AUDIO;
  private static final MediaFrame.Kind VIDEO = MediaFrame.Kind.VIDEO;

  private static FlushPolicy policy(FlushMode mode, int flushBytes) {
    LiveSettings base = new LiveSettings(128, 1 << 20, Duration.ofSeconds(10), 1 << 20, Duration.ofSeconds(3),
        Duration.ofSeconds(15), Duration.ofMillis(10), Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3,
        LiveSettings.DEFAULT_MAX_WAITING_PLAYERS, flushBytes);
    assertThat(base.flushBusyDelay()).isEqualTo(Duration.ofMillis(1));
    return new FlushPolicy(base.withFlushMode(mode).withFlushAudioHold(Duration.ofMillis(40))
        .withFlushVideoHold(Duration.ZERO));
  }

  @Test
  void aLoopThatKeepsUpFlushesEveryFrameAtOnce() {
    FlushPolicy p = policy(FlushMode.ADAPTIVE, 0);
    for (long t = 0; t < 200 * MS; t += 13 * MS) {
      assertThat(p.afterDelivery(t, 100_000, 0, SMALL)).isEqualTo(FlushPolicy.NOW);
    }
    assertThat(p.loaded()).isFalse();
  }

  @Test
  void aFrameAlreadyQueuedBehindHoldsTheFlushForItsDelivery() {
    FlushPolicy p = policy(FlushMode.ADAPTIVE, 0);
    assertThat(p.afterDelivery(0, 0, 1, SMALL)).isEqualTo(FlushPolicy.NEXT_TASK);
    assertThat(p.afterDelivery(MS / 2, 0, 0, SMALL)).isEqualTo(FlushPolicy.NOW);
    assertThat(p.timerFired()).as("nothing left held").isFalse();
  }

  @Test
  void aStandingBacklogStillFlushesWithinTheInterval() {
    FlushPolicy p = policy(FlushMode.ADAPTIVE, 0);
    long t = 0;
    assertThat(p.afterDelivery(t, 0, 5, SMALL)).isEqualTo(FlushPolicy.NEXT_TASK);
    for (t = MS; t < 10 * MS; t += MS) {
      assertThat(p.afterDelivery(t, 0, 5, SMALL)).as("held at %d ms", t / MS).isEqualTo(FlushPolicy.NEXT_TASK);
    }
    assertThat(p.afterDelivery(10 * MS, 0, 5, SMALL)).as("the first held write is an interval old").isEqualTo(FlushPolicy.NOW);
    assertThat(p.afterDelivery(11 * MS, 0, 5, SMALL)).as("a new hold starts").isEqualTo(FlushPolicy.NEXT_TASK);
  }

  @Test
  void aLoadedLoopCoalescesByTimerAndStopsWhenTheLoadGoes() {
    FlushPolicy p = policy(FlushMode.ADAPTIVE, 0);
    long t = 0;
    long decision = FlushPolicy.NOW;
    // Frames that waited 6 ms in the loop's queue: the average passes the 1 ms busy delay after two of them.
    int flushedAtOnce = 0;
    for (int i = 0; i < 8; i++, t += 13 * MS) {
      decision = p.afterDelivery(t, 6 * MS, 0, SMALL);
      if (decision == FlushPolicy.NOW) {
        flushedAtOnce++;
      } else {
        assertThat(p.timerFired()).isTrue();
      }
    }
    assertThat(p.loaded()).isTrue();
    assertThat(flushedAtOnce).as("at once only until the average passed the busy delay").isBetween(1, 4);
    assertThat(p.afterDelivery(t, 6 * MS, 0, SMALL)).as("a full interval").isEqualTo(10 * MS);
    assertThat(p.afterDelivery(t + 4 * MS, 6 * MS, 0, SMALL)).as("counted from the first held write").isEqualTo(6 * MS);
    assertThat(p.timerFired()).isTrue();
    assertThat(p.timerFired()).as("one flush per hold").isFalse();
    // The load goes: tasks run as soon as they are queued.
    t += 20 * MS;
    for (int i = 0; i < 30 && p.loaded(); i++, t += 13 * MS) {
      p.afterDelivery(t, 0, 0, SMALL);
      p.timerFired();
    }
    assertThat(p.loaded()).isFalse();
    assertThat(p.afterDelivery(t, 0, 0, SMALL)).isEqualTo(FlushPolicy.NOW);
  }

  @Test
  void intervalModeAlwaysHoldsForTheIntervalFromTheFirstHeldWrite() {
    FlushPolicy p = policy(FlushMode.INTERVAL, 0);
    assertThat(p.afterDelivery(0, 0, 0, SMALL)).isEqualTo(10 * MS);
    assertThat(p.afterDelivery(3 * MS, 0, 0, SMALL)).isEqualTo(7 * MS);
    assertThat(p.afterDelivery(4 * MS, 0, 3, SMALL)).as("a backlog changes nothing").isEqualTo(6 * MS);
    assertThat(p.timerFired()).isTrue();
    assertThat(p.afterDelivery(12 * MS, 0, 0, SMALL)).isEqualTo(10 * MS);
  }

  @Test
  void aLargeFrameGoesAtOnceInEitherMode() {
    for (FlushMode mode : FlushMode.values()) {
      FlushPolicy p = policy(mode, 8192);
      assertThat(p.afterDelivery(0, 6 * MS, 2, SMALL)).as(mode.name()).isNotEqualTo(FlushPolicy.NOW);
      assertThat(p.afterDelivery(MS, 6 * MS, 2, 9000)).as(mode.name()).isEqualTo(FlushPolicy.NOW);
    }
  }

  @Test
  void aZeroIntervalFlushesEveryFrame() {
    LiveSettings zero = new LiveSettings(128, 1 << 20, Duration.ofSeconds(10), 1 << 20, Duration.ofSeconds(3),
        Duration.ofSeconds(15), Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3,
        LiveSettings.DEFAULT_MAX_WAITING_PLAYERS, 0);
    for (FlushMode mode : FlushMode.values()) {
      FlushPolicy p = new FlushPolicy(zero.withFlushMode(mode));
      assertThat(p.afterDelivery(0, 6 * MS, 3, SMALL)).isEqualTo(FlushPolicy.NOW);
    }
  }
  @Test
  void audioWaitsForTheNextVideoFrameForUpToTheAudioHold() {
    FlushPolicy p = policy(FlushMode.ADAPTIVE, 0);
    assertThat(p.afterDelivery(0, 0, 0, 16_000, VIDEO)).isEqualTo(FlushPolicy.NOW);
    assertThat(p.afterDelivery(5 * MS, 0, 0, SMALL, AUDIO)).as("audio waits for video").isEqualTo(40 * MS);
    assertThat(p.afterDelivery(28 * MS, 0, 0, SMALL, AUDIO)).as("more audio, same hold").isEqualTo(17 * MS);
    assertThat(p.afterDelivery(33 * MS, 0, 0, 16_000, VIDEO)).as("the video frame takes the audio along")
        .isEqualTo(FlushPolicy.NOW);
    assertThat(p.timerFired()).as("nothing left for the hold's timer").isFalse();
    assertThat(p.afterDelivery(51 * MS, 0, 0, SMALL, AUDIO)).isEqualTo(40 * MS);
    assertThat(p.timerFired()).as("no video within the hold: the timer writes the audio").isTrue();
  }

  @Test
  void audioIsHeldOnlyWhenTheNextVideoFrameIsDueWithinTheHold() {
    LiveSettings hold20 = LiveSettings.DEFAULTS.withFlushMode(FlushMode.ADAPTIVE)
        .withFlushAudioHold(Duration.ofMillis(20)).withFlushVideoHold(Duration.ZERO);
    FlushPolicy p = new FlushPolicy(hold20);
    for (long t = 0; t <= 99 * MS; t += 33 * MS) {
      assertThat(p.afterDelivery(t, 0, 0, 16_000, VIDEO)).isEqualTo(FlushPolicy.NOW);
    }
    assertThat(p.afterDelivery(103 * MS, 0, 0, SMALL, AUDIO))
        .as("next video due at 132 ms, after the hold's 123 ms: waiting saves no write").isEqualTo(FlushPolicy.NOW);
    assertThat(p.afterDelivery(118 * MS, 0, 0, SMALL, AUDIO)).as("next video due within the hold")
        .isEqualTo(20 * MS);
    assertThat(p.afterDelivery(132 * MS, 0, 0, 16_000, VIDEO)).as("the video frame takes the audio along")
        .isEqualTo(FlushPolicy.NOW);
    assertThat(p.timerFired()).isFalse();
    assertThat(p.afterDelivery(170 * MS, 0, 0, SMALL, AUDIO)).as("video late (due at 165 ms): it may come any moment")
        .isEqualTo(20 * MS);
    assertThat(p.timerFired()).as("it did not: the timer writes the audio").isTrue();
  }

  @Test
  void audioWithoutVideoIsWrittenAtOnce() {
    FlushPolicy p = policy(FlushMode.ADAPTIVE, 0);
    for (long t = 0; t < 200 * MS; t += 21 * MS) {
      assertThat(p.afterDelivery(t, 0, 0, SMALL, AUDIO)).as("audio-only stream at %d ms", t / MS)
          .isEqualTo(FlushPolicy.NOW);
    }
    assertThat(p.afterDelivery(300 * MS, 0, 0, 16_000, VIDEO)).isEqualTo(FlushPolicy.NOW);
    assertThat(p.afterDelivery(310 * MS, 0, 0, SMALL, AUDIO)).isEqualTo(40 * MS);
    p.timerFired();
    assertThat(p.afterDelivery(1_400 * MS, 0, 0, SMALL, AUDIO)).as("the video stopped over a second ago")
        .isEqualTo(FlushPolicy.NOW);
  }

  @Test
  void aVideoFrameOnALoadedLoopEndsAnAudioHoldWithinTheInterval() {
    FlushPolicy p = policy(FlushMode.ADAPTIVE, 0);
    long t = 0;
    for (int i = 0; i < 8; i++, t += 13 * MS) {
      if (p.afterDelivery(t, 6 * MS, 0, 16_000, VIDEO) != FlushPolicy.NOW) {
        p.timerFired();
      }
    }
    assertThat(p.loaded()).isTrue();
    assertThat(p.afterDelivery(t, 6 * MS, 0, SMALL, AUDIO)).isEqualTo(40 * MS);
    assertThat(p.afterDelivery(t + 4 * MS, 6 * MS, 0, 16_000, VIDEO))
        .as("held with video now: the interval from the first held write").isEqualTo(6 * MS);
    assertThat(p.afterDelivery(t + 12 * MS, 6 * MS, 0, SMALL, AUDIO)).as("an interval old").isEqualTo(FlushPolicy.NOW);
  }

  @Test
  void audioIsNotHeldWhenTheHoldIsOffOrInIntervalMode() {
    LiveSettings noHold = LiveSettings.DEFAULTS.withFlushMode(FlushMode.ADAPTIVE).withFlushAudioHold(Duration.ZERO)
        .withFlushVideoHold(Duration.ZERO);
    FlushPolicy p = new FlushPolicy(noHold);
    assertThat(p.afterDelivery(0, 0, 0, 16_000, VIDEO)).isEqualTo(FlushPolicy.NOW);
    assertThat(p.afterDelivery(5 * MS, 0, 0, SMALL, AUDIO)).isEqualTo(FlushPolicy.NOW);
    FlushPolicy interval = policy(FlushMode.INTERVAL, 0);
    assertThat(interval.afterDelivery(0, 0, 0, 16_000, VIDEO)).isEqualTo(10 * MS);
    assertThat(interval.timerFired()).isTrue();
    assertThat(interval.afterDelivery(5 * MS, 0, 0, SMALL, AUDIO)).as("the interval, not the audio hold")
        .isEqualTo(10 * MS);
  }

  @Test
  void videoWaitsForTheNextAudioFrameForUpToTheVideoHold() {
    FlushPolicy p = new FlushPolicy(LiveSettings.DEFAULTS.withFlushMode(FlushMode.ADAPTIVE)
        .withFlushAudioHold(Duration.ofMillis(12)).withFlushVideoHold(Duration.ofMillis(12)));
    assertThat(p.afterDelivery(0, 0, 0, 16_000, VIDEO)).as("no audio yet").isEqualTo(FlushPolicy.NOW);
    assertThat(p.afterDelivery(33 * MS, 0, 0, 16_000, VIDEO)).isEqualTo(FlushPolicy.NOW);
    assertThat(p.afterDelivery(40 * MS, 0, 0, SMALL, AUDIO)).as("next video due at 66 ms, after the hold")
        .isEqualTo(FlushPolicy.NOW);
    assertThat(p.afterDelivery(63 * MS, 0, 0, SMALL, AUDIO)).as("next video due within the hold").isEqualTo(12 * MS);
    assertThat(p.afterDelivery(66 * MS, 0, 0, 16_000, VIDEO)).as("the video frame takes the audio along")
        .isEqualTo(FlushPolicy.NOW);
    assertThat(p.afterDelivery(86 * MS, 0, 0, SMALL, AUDIO)).as("next video due at 99 ms, after the hold")
        .isEqualTo(FlushPolicy.NOW);
    assertThat(p.afterDelivery(99 * MS, 0, 0, 16_000, VIDEO)).as("next audio due at 109 ms, within the hold")
        .isEqualTo(12 * MS);
    assertThat(p.afterDelivery(109 * MS, 0, 0, SMALL, AUDIO)).as("the audio frame takes the video along")
        .isEqualTo(FlushPolicy.NOW);
    assertThat(p.timerFired()).as("nothing left for the hold's timer").isFalse();
    assertThat(p.afterDelivery(132 * MS, 0, 0, 16_000, VIDEO)).as("next audio due at 132 ms: it may come any moment")
        .isEqualTo(12 * MS);
    assertThat(p.timerFired()).as("it did not: the timer writes the video").isTrue();
    assertThat(p.afterDelivery(1_300 * MS, 0, 0, 16_000, VIDEO)).as("the audio stopped over a second ago")
        .isEqualTo(FlushPolicy.NOW);
  }

  @Test
  void shortHoldsBothWaysPairTheTracksWithLessLagThanALongAudioHold() {
    LiveSettings adaptive = LiveSettings.DEFAULTS.withFlushMode(FlushMode.ADAPTIVE);
    assertThat(adaptive.flushAudioHold()).as("the defaults").isEqualTo(Duration.ofMillis(12));
    assertThat(adaptive.flushVideoHold()).isEqualTo(Duration.ofMillis(12));
    Paced none = Paced.run(adaptive.withFlushAudioHold(Duration.ZERO).withFlushVideoHold(Duration.ZERO));
    Paced audioHold = Paced.run(adaptive.withFlushAudioHold(Duration.ofMillis(40)).withFlushVideoHold(Duration.ZERO));
    Paced bothWays = Paced.run(adaptive);
    // 3 s of 30 fps video and 44.1 kHz AAC (a frame every 23.2 ms): 90 + 130 frames.
    assertThat(none.writes).isEqualTo(220);
    assertThat(none.longestWait).isZero();
    assertThat(audioHold.writes).as("one write per video frame").isBetween(90, 92);
    assertThat(audioHold.longestWait).as("audio waits up to a video frame interval").isGreaterThan(30 * MS);
    assertThat(bothWays.writes).as("about one write per audio frame").isBetween(128, 135);
    assertThat(bothWays.longestWait).as("nothing waits longer than the hold").isBetween(8 * MS, 12 * MS);
  }

  /** A policy driven by 3 s of paced audio and video on a loop that keeps up, its timer run like LoopGroup's. */
  private static final class Paced {
    int writes;
    long longestWait;
    private final java.util.List<Long> held = new java.util.ArrayList<>();

    static Paced run(LiveSettings settings) {
      Paced r = new Paced();
      FlushPolicy p = new FlushPolicy(settings);
      long timer = -1;
      long videoNext = 0;
      long audioNext = 7 * MS;
      for (int frames = 0; frames < 220; frames++) {
        boolean video = videoNext <= audioNext;
        long t = video ? videoNext : audioNext;
        if (timer >= 0 && timer <= t) {
          if (p.timerFired()) {
            r.flushAt(timer);
          }
          timer = -1;
        }
        if (video) {
          videoNext += 33_333_333;
        } else {
          audioNext += 23_219_955;
        }
        r.held.add(t);
        long decision = p.afterDelivery(t, 0, 0, video ? 16_000 : SMALL, video ? VIDEO : AUDIO);
        if (decision == FlushPolicy.NOW) {
          timer = -1;
          r.flushAt(t);
        } else if (decision > 0 && (timer < 0 || t + decision < timer)) {
          timer = t + decision;
        }
      }
      if (timer >= 0 && p.timerFired()) {
        r.flushAt(timer);
      }
      return r;
    }

    private void flushAt(long t) {
      writes++;
      for (long arrived : held) {
        longestWait = Math.max(longestWait, t - arrived);
      }
      held.clear();
    }
  }
}
