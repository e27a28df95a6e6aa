package io.cascade.live;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StreamTimelineTest {

  @Test
  void firstSessionKeepsEncoderTimestamps() {
    StreamTimeline t = new StreamTimeline();
    assertThat(t.map(1000)).isEqualTo(1000);
    assertThat(t.map(1033)).isEqualTo(1033);
  }

  @Test
  void pastExtendedTimestampThresholdIsPlainArithmetic() {
    StreamTimeline t = new StreamTimeline();
    long start = 0xFFFFFFL - 100;
    for (int i = 0; i < 10; i++) {
      assertThat(t.map(start + i * 33L)).isEqualTo(start + i * 33L);
    }
  }

  @Test
  void unwrapsAcross32BitWrapAround() {
    StreamTimeline t = new StreamTimeline();
    long start = 0xFFFFFFFFL - 50;
    long previous = -1;
    for (int i = 0; i < 10; i++) {
      long ts32 = (start + i * 20L) & 0xFFFFFFFFL;
      long mapped = t.map(ts32);
      assertThat(mapped).isEqualTo(start + i * 20L);
      assertThat(mapped).isGreaterThan(previous);
      assertThat(StreamTimeline.toRtmp(mapped)).isEqualTo(ts32);
      previous = mapped;
    }
  }

  @Test
  void lateFrameFromBeforeTheWrapStaysInItsEpoch() {
    StreamTimeline t = new StreamTimeline();
    t.map(0xFFFFFFF0L);
    assertThat(t.map(0x10)).isEqualTo(0x1_0000_0010L);
    // Audio stamped just before the wrap arriving after video stamped just after it.
    assertThat(t.map(0xFFFFFFF8L)).isEqualTo(0xFFFFFFF8L);
    assertThat(t.map(0x20)).isEqualTo(0x1_0000_0020L);
  }

  @Test
  void republishContinuesAfterTheLastInstantEvenWhenTheEncoderRestartsAtZero() {
    StreamTimeline t = new StreamTimeline();
    t.map(0);
    long last = t.map(50_000);
    t.newSession();
    long first = t.map(0);
    assertThat(first).isEqualTo(last + StreamTimeline.REPUBLISH_GAP_MS);
    assertThat(t.map(40)).isEqualTo(first + 40);
  }

  @Test
  void republishWithHigherTimestampsIsRebasedToo() {
    StreamTimeline t = new StreamTimeline();
    long last = t.map(1000);
    t.newSession();
    assertThat(t.map(9_000_000)).isEqualTo(last + StreamTimeline.REPUBLISH_GAP_MS);
  }

  @Test
  void framesJustBelowTheWrapAfterMetadataAtZeroKeepTheirTimestamps() {
    StreamTimeline t = new StreamTimeline();
    assertThat(t.map(0)).as("metadata").isEqualTo(0);
    long start = 0x1_0000_0000L - 2500;
    long previous = Long.MIN_VALUE;
    for (int i = 0; i < 150; i++) {
      long ts32 = (start + i * 33L) & 0xFFFFFFFFL;
      long mapped = t.map(ts32);
      assertThat(StreamTimeline.toRtmp(mapped)).as("frame %d on the wire", i).isEqualTo(ts32);
      assertThat(mapped).as("frame %d", i).isGreaterThan(previous);
      previous = mapped;
    }
    assertThat(previous).isEqualTo(149 * 33L - 2500);
  }

  @Test
  void republishAfterASessionThatStayedBeforeZeroStillMovesForward() {
    StreamTimeline t = new StreamTimeline();
    t.map(0);
    long last = t.map(0xFFFFFFFFL - 999);
    assertThat(last).isEqualTo(-1000);
    t.newSession();
    assertThat(t.map(0)).isEqualTo(StreamTimeline.REPUBLISH_GAP_MS);
  }
}
