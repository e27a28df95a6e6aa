package io.cascade.http.hls;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Part availability in virtual time: frames are handed over with the arrival and media times a
 * test chooses, and a part is listed when a test says the segmenter cut it, as HlsSession does.
 * Times in ms; the clock is whatever the test passes.
 */
class PartAvailabilityTest {
  private static final Duration TARGET = Duration.ofMillis(250);
  private final PartAvailability parts = new PartAvailability(TARGET);

  /** A media frame that does not cut a part. */
  private void frame(long arrivedMs, long dts) {
    parts.arriving(true, ms(arrivedMs), dts);
    parts.arrived();
  }

  /** A media frame that cuts the open part, listed {@code listedMs}: its latency (ms), or -1. */
  private long cut(long arrivedMs, long dts, long listedMs) {
    parts.arriving(true, ms(arrivedMs), dts);
    PartAvailability.Listed listed = parts.listed(ms(listedMs));
    parts.arrived();
    if (listed == null) {
      return -1;
    }
    assertThat(listed.delayNanos()).as("the node's share: the cutting frame's arrival to the listing")
        .isEqualTo(ms(listedMs - arrivedMs));
    return listed.latencyNanos() / 1_000_000L;
  }

  private static long ms(long millis) {
    return millis * 1_000_000L;
  }

  @Test
  void aLivePartCountsFromItsFirstFrameToItsListing() {
    parts.joined(ms(1_000));
    frame(1_000, 0);
    for (long t = 40; t < 240; t += 40) {
      frame(1_000 + t, t);
    }
    // The frame at 240 ms cuts the 6-frame part; the node lists it 3 ms after that frame arrived.
    assertThat(cut(1_240, 240, 1_243)).isEqualTo(243);
    // The next part began with that frame.
    assertThat(cut(1_480, 480, 1_481)).isEqualTo(241);
  }

  @Test
  void aPartOfABurstCountsItsDurationPlusTheNodesDelayNotTheBurstsFewMilliseconds() {
    // An edge's pull starts: the origin's GOP cache (media 0..2000 ms) arrives within 10 ms.
    parts.joined(ms(5_000));
    frame(5_001, 0);
    for (long t = 40; t < 240; t += 40) {
      frame(5_001 + t / 40, t);
    }
    // Cut by the frame at media 240 ms, which arrived at 5 007 ms; listed at 5 009 ms. Counted from its
    // first frame's arrival it would read 8 ms; its media is 240 ms long, the node took 2 ms.
    assertThat(cut(5_007, 240, 5_009)).isEqualTo(242);
    assertThat(cut(5_009, 480, 5_012)).isEqualTo(243);
  }

  @Test
  void aLateFirstFrameDoesNotShortenItsPartAndALateLastFrameLengthensIt() {
    parts.joined(0);
    frame(0, 0);
    // The frame at media 240 ms comes 30 ms late: the part it completes could not be listed sooner.
    assertThat(cut(270, 240, 271)).isEqualTo(271);
    // It is also the first frame of the next part, which the frame at media 480 ms completes on time:
    // 242 ms (its duration and the node's 2 ms), not the 212 ms since its late first frame.
    assertThat(cut(480, 480, 482)).isEqualTo(242);
  }

  @Test
  void partsOfTheGopCacheASessionJoinsWithAreNotMeasured() {
    parts.joined(ms(10_000));
    // The stream's GOP cache: frames that reached the node live before the session joined.
    frame(8_000, 0);
    assertThat(cut(8_240, 240, 10_000)).isEqualTo(-1);
    assertThat(cut(8_480, 480, 10_000)).isEqualTo(-1);
    // The first part made of frames that arrived after the join is measured.
    assertThat(cut(10_030, 10_030 - 8_000, 10_031)).isEqualTo(-1);
    assertThat(cut(10_270, 10_270 - 8_000, 10_271)).isEqualTo(241);
  }

  @Test
  void aJumpInTheMediaTimelineLeavesTheFirstFramesArrival() {
    parts.joined(0);
    frame(0, 0);
    assertThat(cut(240, 240, 240)).isEqualTo(240);
    // The timeline jumps ahead by a minute in one part: not a duration the part could have taken.
    assertThat(cut(480, 60_000, 481)).isEqualTo(241);
    assertThat(cut(720, 60_240, 720)).isEqualTo(240);
  }

  @Test
  void afterAPublishEndsTheNextMediaFrameOpensAPartAndDataFramesDoNot() {
    parts.joined(0);
    frame(0, 0);
    assertThat(cut(240, 240, 240)).isEqualTo(240);
    frame(245, 245);
    // The publisher leaves: the open part is flushed and listed with no frame after it.
    assertThat(parts.listed(ms(251))).isEqualTo(new PartAvailability.Listed(ms(11), ms(6)));
    parts.ended();
    // Metadata of the next publish, then its first media frame 5 s later.
    parts.arriving(false, ms(5_000), 0);
    parts.arrived();
    frame(5_100, 0);
    assertThat(cut(5_340, 240, 5_341)).isEqualTo(241);
  }
}
