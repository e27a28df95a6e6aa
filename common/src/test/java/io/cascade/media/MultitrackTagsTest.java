package io.cascade.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Messages of several tracks become OneTrack messages, one per track, that MediaTags reads per track. */
class MultitrackTagsTest {

  private static ByteBuf hex(String s) {
    return Unpooled.wrappedBuffer(ByteBufUtil.decodeHexDump(s.replace(" ", "")));
  }

  private static String hex(ByteBuf b) {
    return ByteBufUtil.hexDump(b);
  }

  @Test
  void manyTracksOfOneCodecSplitIntoOneTrackMessages() {
    // key frame, Multitrack; ManyTracks|CodedFrames, "avc1"; track 1 (5 bytes), track 2 (4 bytes)
    ByteBuf many = hex("96 11 61766331 01 000005 000028 aabb 02 000004 00000a cc");
    assertThat(MultitrackTags.severalTracks(MessageType.VIDEO, many)).isTrue();
    List<ByteBuf> tracks = MultitrackTags.split(MessageType.VIDEO, many, ByteBufAllocator.DEFAULT);
    try {
      assertThat(tracks).extracting(MultitrackTagsTest::hex)
          .containsExactly("960161766331" + "01" + "000028aabb", "960161766331" + "02" + "00000acc");
      assertThat(MediaTags.trackId(MessageType.VIDEO, tracks.get(1))).isEqualTo(2);
      assertThat(MediaTags.compositionTime(tracks.get(0))).isEqualTo(0x28);
      assertThat(MediaTags.compositionTime(tracks.get(1))).isEqualTo(0x0a);
      assertThat(MediaTags.classify(MessageType.VIDEO, tracks.get(1)))
          .isEqualTo(MediaTags.ENHANCED | MediaTags.MULTITRACK | MediaTags.KEYFRAME);
      assertThat(MultitrackTags.severalTracks(MessageType.VIDEO, tracks.get(0))).isFalse();
      assertThat(many.readerIndex()).isZero();
    } finally {
      tracks.forEach(ByteBuf::release);
      many.release();
    }
  }

  @Test
  void manyCodecsKeepEachTracksFourCcAndModExPrefixes() {
    // ModEx (1 byte of data, then Multitrack); ManyTracksManyCodecs|SequenceStart; av01 track 0, vp09 track 3
    ByteBuf many = hex("97 00 2a 06 20 61763031 00 000002 8100 76703039 03 000001 01");
    List<ByteBuf> tracks = MultitrackTags.split(MessageType.VIDEO, many, ByteBufAllocator.DEFAULT);
    try {
      assertThat(tracks).extracting(MultitrackTagsTest::hex)
          .containsExactly("97002a06" + "00" + "61763031" + "00" + "8100", "97002a06" + "00" + "76703039" + "03" + "01");
      assertThat(MediaTags.codec(MessageType.VIDEO, tracks.get(1))).isEqualTo("vp09");
      assertThat(MediaTags.trackId(MessageType.VIDEO, tracks.get(1))).isEqualTo(3);
    } finally {
      tracks.forEach(ByteBuf::release);
      many.release();
    }
  }

  @Test
  void audioOfSeveralTracksSplitsToo() {
    // Enhanced audio, Multitrack; ManyTracks|CodedFrames, "Opus"; track 0 (1 byte), track 2 (2 bytes)
    ByteBuf many = hex("95 11 4f707573 00 000001 f8 02 000002 f8ff");
    assertThat(MultitrackTags.severalTracks(MessageType.AUDIO, many)).isTrue();
    assertThat(MultitrackTags.severalTracks(MessageType.VIDEO, many)).as("video reads the byte otherwise").isFalse();
    List<ByteBuf> tracks = MultitrackTags.split(MessageType.AUDIO, many, ByteBufAllocator.DEFAULT);
    try {
      assertThat(tracks).extracting(MultitrackTagsTest::hex)
          .containsExactly("95014f7075730" + "0" + "f8", "95014f707573" + "02" + "f8ff");
      assertThat(MediaTags.trackId(MessageType.AUDIO, tracks.get(1))).isEqualTo(2);
    } finally {
      tracks.forEach(ByteBuf::release);
      many.release();
    }
  }

  @Test
  void legacyAvcWhoseCodecIdLooksLikeModExIsNotMultitrack() {
    ByteBuf avc = hex("17 01 000000 00000001 65");
    try {
      assertThat(MultitrackTags.severalTracks(MessageType.VIDEO, avc)).isFalse();
    } finally {
      avc.release();
    }
  }

  @Test
  void oneTrackAndMalformedMessagesAreNotSplit() {
    ByteBuf one = hex("96 01 61766331 01 000028 aabb");
    ByteBuf cut = hex("96 11 61766331 01 000009 000028 aabb");
    try {
      assertThat(MultitrackTags.severalTracks(MessageType.VIDEO, one)).isFalse();
      assertThat(MultitrackTags.severalTracks(MessageType.VIDEO, cut)).isFalse();
      assertThat(MediaTags.compositionTime(one)).isEqualTo(0x28);
    } finally {
      one.release();
      cut.release();
    }
  }
}
