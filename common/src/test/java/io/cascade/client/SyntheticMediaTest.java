package io.cascade.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.cascade.media.MediaTags;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SyntheticMediaTest {
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

  @ParameterizedTest
  @CsvSource({"true, 0, 1700000000123456, 40000", "false, 59, 1, 51", "false, 9223372036854775807, 0, 8000"})
  void videoFrameCarriesItsStampAndRoutesAsAvc(boolean keyframe, long seq, long micros, int size) {
    ByteBuf frame = SyntheticMedia.videoFrame(ALLOC, keyframe, seq, micros, size);
    try {
      assertThat(frame.readableBytes()).isEqualTo(size);
      int readerIndex = frame.readerIndex();
      assertThat(SyntheticMedia.parse(MessageType.VIDEO, frame)).isEqualTo(new SyntheticMedia.Stamp(seq, micros));
      assertThat(frame.readerIndex()).isEqualTo(readerIndex);

      int tags = MediaTags.classify(MessageType.VIDEO, frame);
      assertThat(MediaTags.has(tags, MediaTags.KEYFRAME)).isEqualTo(keyframe);
      assertThat(tags & (MediaTags.SEQUENCE_HEADER | MediaTags.MALFORMED)).isZero();
      assertThat(MediaTags.codec(MessageType.VIDEO, frame)).isEqualTo("avc1");
      // The NAL lengths add up to the payload, as a demuxer would check.
      int sei = frame.getInt(5);
      int slice = frame.getInt(5 + 4 + sei);
      assertThat(5 + 4 + sei + 4 + slice).isEqualTo(size);
      assertThat(frame.getByte(5 + 4 + sei + 4) & 0x1F).isEqualTo(keyframe ? 5 : 1);
    } finally {
      frame.release();
    }
  }

  @Test
  void audioFrameCarriesItsStampAndRoutesAsAac() {
    ByteBuf frame = SyntheticMedia.audioFrame(ALLOC, 42, 1_700_000_000_000_001L, 341);
    try {
      assertThat(frame.readableBytes()).isEqualTo(341);
      assertThat(SyntheticMedia.parse(MessageType.AUDIO, frame)).isEqualTo(new SyntheticMedia.Stamp(42, 1_700_000_000_000_001L));
      assertThat(MediaTags.classify(MessageType.AUDIO, frame)).isZero();
      assertThat(MediaTags.codec(MessageType.AUDIO, frame)).isEqualTo("aac");
    } finally {
      frame.release();
    }
  }

  @Test
  void stampSurvivesASliceOfALargerBuffer() {
    ByteBuf frame = SyntheticMedia.videoFrame(ALLOC, false, 7, 99, 200);
    ByteBuf wrapped = Unpooled.buffer(300).writeZero(50).writeBytes(frame).writeZero(50);
    try {
      assertThat(SyntheticMedia.parse(MessageType.VIDEO, wrapped.slice(50, 200))).isEqualTo(new SyntheticMedia.Stamp(7, 99));
    } finally {
      frame.release();
      wrapped.release();
    }
  }

  @Test
  void sequenceHeadersAreConfigurationWithoutStamp() {
    ByteBuf avc = SyntheticMedia.avcSequenceHeader(ALLOC);
    ByteBuf aac = SyntheticMedia.aacSequenceHeader(ALLOC);
    try {
      assertThat(MediaTags.classify(MessageType.VIDEO, avc)).isEqualTo(MediaTags.SEQUENCE_HEADER);
      assertThat(MediaTags.classify(MessageType.AUDIO, aac)).isEqualTo(MediaTags.SEQUENCE_HEADER);
      assertThat(SyntheticMedia.parse(MessageType.VIDEO, avc)).isNull();
      assertThat(SyntheticMedia.parse(MessageType.AUDIO, aac)).isNull();
    } finally {
      avc.release();
      aac.release();
    }
  }

  @Test
  void foreignPayloadsHaveNoStamp() {
    byte[] noise = new byte[500];
    new Random(1).nextBytes(noise);
    ByteBuf random = Unpooled.wrappedBuffer(noise);
    ByteBuf frame = SyntheticMedia.videoFrame(ALLOC, true, 1, 2, 100);
    ByteBuf audio = SyntheticMedia.audioFrame(ALLOC, 1, 2, 100);
    try {
      assertThat(SyntheticMedia.parse(MessageType.VIDEO, random)).isNull();
      assertThat(SyntheticMedia.parse(MessageType.AUDIO, random)).isNull();
      assertThat(SyntheticMedia.parse(MessageType.VIDEO, frame.slice(0, 40))).isNull();
      assertThat(SyntheticMedia.parse(MessageType.AUDIO, frame)).isNull();
      assertThat(SyntheticMedia.parse(MessageType.VIDEO, audio)).isNull();
      assertThat(SyntheticMedia.parse(MessageType.DATA_AMF0, frame)).isNull();
      frame.setByte(20, frame.getByte(20) ^ 1);
      assertThat(SyntheticMedia.parse(MessageType.VIDEO, frame)).isNull();
    } finally {
      random.release();
      frame.release();
      audio.release();
    }
  }

  @Test
  void framesBelowTheStampSizeAreRefused() {
    assertThatThrownBy(() -> SyntheticMedia.videoFrame(ALLOC, true, 0, 0, SyntheticMedia.minVideoFrameSize() - 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> SyntheticMedia.audioFrame(ALLOC, 0, 0, SyntheticMedia.minAudioFrameSize() - 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void profileSpreadsTheBitrateOverTheGop() {
    SyntheticMedia.Profile p = SyntheticMedia.Profile.of(2000, 30, 2, true);
    assertThat(p.gopFrames()).isEqualTo(60);
    assertThat(p.isKeyframe(0)).isTrue();
    assertThat(p.isKeyframe(59)).isFalse();
    assertThat(p.isKeyframe(60)).isTrue();
    assertThat(p.videoFrameSize(0)).isCloseTo(4 * p.videoFrameSize(1), within(4));
    long videoBitsPerGop = 8L * (p.videoFrameSize(0) + 59L * p.videoFrameSize(1));
    assertThat(videoBitsPerGop / 2.0).isCloseTo(2_000_000, within(2_000.0));
    assertThat(p.audioFrameSize()).isEqualTo(341);
    assertThat(p.bitsPerSecond()).isCloseTo(2_128_000L, within(3_000L));
    assertThat(p.videoTimestamp(30)).isEqualTo(1000);
    assertThat(p.videoTimestamp(1)).isEqualTo(33);
    assertThat(p.audioTimestamp(3)).isEqualTo(64);
    assertThat(p.metadata()).containsEntry("framerate", 30.0).containsEntry("audiocodecid", 10.0);
  }

  @Test
  void tinyBitratesStillFitTheStamp() {
    SyntheticMedia.Profile p = SyntheticMedia.Profile.of(1, 60, 1, false);
    assertThat(p.videoFrameSize(1)).isEqualTo(SyntheticMedia.minVideoFrameSize());
    assertThat(p.metadata()).doesNotContainKey("audiocodecid");
  }

  @Test
  void epochMicrosIsWallClock() {
    long before = System.currentTimeMillis();
    long micros = SyntheticMedia.epochMicros();
    long after = System.currentTimeMillis();
    assertThat(micros / 1000).isBetween(before, after);
  }
}
