package io.cascade.media;

import static io.cascade.media.MediaTags.CHANNEL_CONFIG;
import static io.cascade.media.MediaTags.COMMAND_FRAME;
import static io.cascade.media.MediaTags.EMPTY;
import static io.cascade.media.MediaTags.ENHANCED;
import static io.cascade.media.MediaTags.KEYFRAME;
import static io.cascade.media.MediaTags.MALFORMED;
import static io.cascade.media.MediaTags.METADATA;
import static io.cascade.media.MediaTags.MULTITRACK;
import static io.cascade.media.MediaTags.SEQUENCE_END;
import static io.cascade.media.MediaTags.SEQUENCE_HEADER;
import static io.cascade.media.MediaTags.UNKNOWN;
import static io.cascade.testing.Payloads.bytes;
import static io.cascade.testing.Payloads.filled;
import static io.cascade.testing.Payloads.u16;
import static io.cascade.testing.Payloads.u24;
import static io.cascade.testing.Payloads.u32;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.rtmp.message.MessageType;
import io.cascade.testing.Payloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class MediaTagsTest {
  private static final int VIDEO = MessageType.VIDEO;
  private static final int AUDIO = MessageType.AUDIO;

  // Enhanced video frame types and packet types (Enhanced RTMP v2)
  private static final int KEY = 1;
  private static final int INTER = 2;
  private static final int COMMAND = 5;
  private static final int SEQUENCE_START = 0;
  private static final int CODED_FRAMES = 1;
  private static final int SEQUENCE_END_PACKET = 2;
  private static final int CODED_FRAMES_X = 3;
  private static final int METADATA_PACKET = 4;
  private static final int MPEG2TS_SEQUENCE_START = 5;
  private static final int VIDEO_MULTITRACK = 6;
  private static final int MOD_EX = 7;
  private static final int AUDIO_MULTICHANNEL_CONFIG = 4;
  private static final int AUDIO_MULTITRACK = 5;
  private static final int ONE_TRACK = 0;
  private static final int MANY_TRACKS = 1;
  private static final int MANY_TRACKS_MANY_CODECS = 2;

  private static final byte[] AVC_RECORD = bytes(0x01, 0x64, 0x00, 0x1F, 0xFF, 0xE1, 0x00, 0x04, 0x67, 0x64, 0x00, 0x1F);
  private static final byte[] NALU = bytes(0x00, 0x00, 0x00, 0x02, 0x65, 0x88);
  private static final byte[] AMF_COLOR_INFO = bytes(0x02, 0x00, 0x09, "colorInfo", 0x03, 0x00, 0x00, 0x09);

  /** What the three readers say about one payload. */
  record Tags(int flags, String codec, int trackId) {
    @Override
    public String toString() {
      return "Tags{" + names(flags) + ", codec=" + codec + ", trackId=" + trackId + '}';
    }
  }

  private static String names(int flags) {
    String[] names = {"KEYFRAME", "SEQUENCE_HEADER", "SEQUENCE_END", "COMMAND_FRAME", "METADATA",
        "ENHANCED", "MULTITRACK", "EMPTY", "MALFORMED", "CHANNEL_CONFIG"};
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < names.length; i++) {
      if ((flags & 1 << i) != 0) {
        sb.append(sb.length() == 0 ? "" : "|").append(names[i]);
      }
    }
    return sb.length() == 0 ? "0" : sb.toString();
  }

  /** Runs all readers on a framed buffer and checks that none of them moved its indices. */
  private static Tags inspect(int typeId, Object... parts) {
    ByteBuf payload = Payloads.framed(bytes(parts));
    try {
      int reader = payload.readerIndex();
      int writer = payload.writerIndex();
      Tags tags = new Tags(MediaTags.classify(typeId, payload), MediaTags.codec(typeId, payload),
          MediaTags.trackId(typeId, payload));
      assertThat(payload.readerIndex()).isEqualTo(reader);
      assertThat(payload.writerIndex()).isEqualTo(writer);
      return tags;
    } finally {
      payload.release();
    }
  }

  private static Tags video(Object... parts) {
    return inspect(VIDEO, parts);
  }

  private static Tags audio(Object... parts) {
    return inspect(AUDIO, parts);
  }

  private static int exVideo(int frameType, int packetType) {
    return 0x80 | frameType << 4 | packetType;
  }

  private static int exAudio(int packetType) {
    return 0x90 | packetType;
  }

  // Legacy video (FLV 10.1 E.4.3.1)

  @Test
  void legacyAvcSequenceHeader() {
    assertThat(video(0x17, 0x00, u24(0), AVC_RECORD)).isEqualTo(new Tags(SEQUENCE_HEADER, "avc1", 0));
  }

  @Test
  void legacyAvcKeyframe() {
    assertThat(video(0x17, 0x01, u24(0), NALU)).isEqualTo(new Tags(KEYFRAME, "avc1", 0));
  }

  @Test
  void legacyAvcInterFrame() {
    assertThat(video(0x27, 0x01, u24(66), NALU)).isEqualTo(new Tags(0, "avc1", 0));
  }

  @Test
  void legacyAvcEndOfSequence() {
    assertThat(video(0x17, 0x02, u24(0))).isEqualTo(new Tags(SEQUENCE_END, "avc1", 0));
  }

  @Test
  void generatedKeyframeCountsAsKeyframe() {
    assertThat(video(0x47, 0x01, u24(0), NALU).flags()).isEqualTo(KEYFRAME);
  }

  @Test
  void legacyHevcCodecIdTwelveIsLaidOutLikeAvc() {
    assertThat(video(0x1C, 0x00, u24(0), AVC_RECORD)).isEqualTo(new Tags(SEQUENCE_HEADER, "hvc1", 0));
    assertThat(video(0x1C, 0x01, u24(0), NALU)).isEqualTo(new Tags(KEYFRAME, "hvc1", 0));
    assertThat(video(0x2C, 0x01, u24(0), NALU)).isEqualTo(new Tags(0, "hvc1", 0));
  }

  @Test
  void legacyAvcWithoutCompositionTimeIsMalformed() {
    assertThat(video(0x17, 0x00, 0x00)).isEqualTo(new Tags(MALFORMED, "avc1", 0));
    assertThat(video(0x17)).isEqualTo(new Tags(MALFORMED, "avc1", 0));
  }

  @ParameterizedTest
  @CsvSource({"0x12, h263, 1", "0x22, h263, 0", "0x32, h263, 0", "0x13, screen, 1", "0x14, vp6, 1",
      "0x25, vp6a, 0", "0x16, screen2, 1", "0x18, unknown, 1", "0x10, unknown, 1"})
  void legacyVideoCodecs(String header, String codec, int keyframe) {
    Tags tags = video(Integer.decode(header), 0x00, 0x01, 0x02);
    assertThat(tags).isEqualTo(new Tags(keyframe == 1 ? KEYFRAME : 0, codec, 0));
  }

  @Test
  void legacyCommandFrame() {
    assertThat(video(0x57, 0x00)).isEqualTo(new Tags(COMMAND_FRAME, "avc1", 0));
    assertThat(video(0x52, 0x01)).isEqualTo(new Tags(COMMAND_FRAME, "h263", 0));
    assertThat(video(0x57).flags()).isEqualTo(MALFORMED);
  }

  // Legacy audio (FLV 10.1 E.4.2.1)

  @Test
  void aacSequenceHeader() {
    assertThat(audio(0xAF, 0x00, 0x12, 0x10)).isEqualTo(new Tags(SEQUENCE_HEADER, "aac", 0));
  }

  @Test
  void aacRaw() {
    assertThat(audio(0xAF, 0x01, 0x21, 0x10, 0x04)).isEqualTo(new Tags(0, "aac", 0));
  }

  @Test
  void aacWithoutPacketTypeIsMalformed() {
    assertThat(audio(0xAF)).isEqualTo(new Tags(MALFORMED, "aac", 0));
  }

  @Test
  void mp3() {
    assertThat(audio(0x2F, 0xFF, 0xFB, 0x90, 0x64)).isEqualTo(new Tags(0, "mp3", 0));
  }

  @Test
  void speex() {
    assertThat(audio(0xB2, 0x1E, 0x4B)).isEqualTo(new Tags(0, "speex", 0));
  }

  @ParameterizedTest
  @CsvSource({"0x0E, pcm", "0x1E, adpcm", "0x3E, pcm", "0x42, nellymoser", "0x52, nellymoser",
      "0x6E, nellymoser", "0x72, g711a", "0x82, g711u", "0xE2, mp3", "0xC2, unknown", "0xD2, unknown",
      "0xF2, unknown"})
  void legacyAudioCodecs(String header, String codec) {
    assertThat(audio(Integer.decode(header), 0x00, 0x00)).isEqualTo(new Tags(0, codec, 0));
  }

  // Enhanced video (ExVideoTagHeader)

  @ParameterizedTest
  @ValueSource(strings = {"avc1", "hvc1", "av01", "vp09", "vp08", "vvc1"})
  void enhancedVideoPacketTypes(String fourCc) {
    assertThat(video(exVideo(KEY, SEQUENCE_START), fourCc, AVC_RECORD))
        .isEqualTo(new Tags(ENHANCED | SEQUENCE_HEADER, fourCc, 0));
    assertThat(video(exVideo(KEY, CODED_FRAMES), fourCc, u24(0), NALU))
        .isEqualTo(new Tags(ENHANCED | KEYFRAME, fourCc, 0));
    assertThat(video(exVideo(INTER, CODED_FRAMES), fourCc, u24(33), NALU))
        .isEqualTo(new Tags(ENHANCED, fourCc, 0));
    assertThat(video(exVideo(KEY, CODED_FRAMES_X), fourCc, NALU))
        .isEqualTo(new Tags(ENHANCED | KEYFRAME, fourCc, 0));
    assertThat(video(exVideo(INTER, CODED_FRAMES_X), fourCc, NALU))
        .isEqualTo(new Tags(ENHANCED, fourCc, 0));
    assertThat(video(exVideo(KEY, SEQUENCE_END_PACKET), fourCc))
        .isEqualTo(new Tags(ENHANCED | SEQUENCE_END, fourCc, 0));
  }

  @Test
  void metadataIgnoresFrameType() {
    assertThat(video(exVideo(KEY, METADATA_PACKET), "hvc1", AMF_COLOR_INFO))
        .isEqualTo(new Tags(ENHANCED | METADATA, "hvc1", 0));
    // Metadata with the command frame type is still metadata: the frame type is ignored.
    assertThat(video(exVideo(COMMAND, METADATA_PACKET), "av01", AMF_COLOR_INFO))
        .isEqualTo(new Tags(ENHANCED | METADATA, "av01", 0));
  }

  @Test
  void mpeg2TsSequenceStartIsASequenceHeader() {
    assertThat(video(exVideo(KEY, MPEG2TS_SEQUENCE_START), "av01", 0x80, 0x04, 0x81, 0x00))
        .isEqualTo(new Tags(ENHANCED | SEQUENCE_HEADER, "av01", 0));
  }

  @Test
  void compositionTimeIsRequiredOnlyForNalCodecs() {
    assertThat(video(exVideo(KEY, CODED_FRAMES), "avc1", 0x00, 0x00))
        .isEqualTo(new Tags(ENHANCED | MALFORMED, "avc1", 0));
    assertThat(video(exVideo(KEY, CODED_FRAMES), "hvc1"))
        .isEqualTo(new Tags(ENHANCED | MALFORMED, "hvc1", 0));
    assertThat(video(exVideo(KEY, CODED_FRAMES), "av01", 0x12, 0x00))
        .isEqualTo(new Tags(ENHANCED | KEYFRAME, "av01", 0));
    assertThat(video(exVideo(KEY, CODED_FRAMES_X), "avc1"))
        .isEqualTo(new Tags(ENHANCED | KEYFRAME, "avc1", 0));
  }

  @Test
  void enhancedVideoWithoutFourCcIsMalformed() {
    assertThat(video(exVideo(KEY, CODED_FRAMES), "av0")).isEqualTo(new Tags(ENHANCED | MALFORMED, UNKNOWN, 0));
    assertThat(video(exVideo(KEY, SEQUENCE_START))).isEqualTo(new Tags(ENHANCED | MALFORMED, UNKNOWN, 0));
  }

  @Test
  void unknownFourCcAndPacketTypePassThrough() {
    assertThat(video(exVideo(KEY, CODED_FRAMES), "xyz1", 0x00)).isEqualTo(new Tags(ENHANCED | KEYFRAME, UNKNOWN, 0));
    assertThat(video(exVideo(KEY, 9), "av01", 0x00)).isEqualTo(new Tags(ENHANCED, "av01", 0));
  }

  @Test
  void enhancedCommandFrameCarriesOnlyACommandByte() {
    assertThat(video(exVideo(COMMAND, CODED_FRAMES), 0x00)).isEqualTo(new Tags(ENHANCED | COMMAND_FRAME, UNKNOWN, 0));
    // Command takes precedence over the multitrack packet type, so no tracks follow.
    assertThat(video(exVideo(COMMAND, VIDEO_MULTITRACK), 0x01))
        .isEqualTo(new Tags(ENHANCED | COMMAND_FRAME, UNKNOWN, 0));
    assertThat(video(exVideo(COMMAND, CODED_FRAMES))).isEqualTo(new Tags(ENHANCED | MALFORMED, UNKNOWN, 0));
  }

  // ModEx (v2)

  @Test
  void modExPrefixIsSkipped() {
    // 3 bytes of TimestampOffsetNano, then ModExType 0 in the high nibble and the real packet type.
    assertThat(video(exVideo(KEY, MOD_EX), 0x02, u24(500_000), 0x00 | CODED_FRAMES, "avc1", u24(0), NALU))
        .isEqualTo(new Tags(ENHANCED | KEYFRAME, "avc1", 0));
    assertThat(audio(exAudio(MOD_EX), 0x02, u24(250_000), 0x00 | CODED_FRAMES, "Opus", 0xFC, 0xFF))
        .isEqualTo(new Tags(ENHANCED, "Opus", 0));
  }

  @Test
  void modExWithSixteenBitSizeAndChaining() {
    // UI8 255 means "size is UI16 + 1": 300 bytes of ModEx data.
    assertThat(video(exVideo(KEY, MOD_EX), 0xFF, u16(299), filled(300, 0x07), 0x00 | MOD_EX,
        0x00, 0x55, 0x00 | SEQUENCE_START, "hvc1", AVC_RECORD))
        .isEqualTo(new Tags(ENHANCED | SEQUENCE_HEADER, "hvc1", 0));
  }

  @Test
  void truncatedModExIsMalformed() {
    assertThat(video(exVideo(KEY, MOD_EX), 0x05, 0x01, 0x02)).isEqualTo(new Tags(ENHANCED | MALFORMED, UNKNOWN, 0));
    assertThat(video(exVideo(KEY, MOD_EX), 0xFF, 0x00)).isEqualTo(new Tags(ENHANCED | MALFORMED, UNKNOWN, 0));
    // ModEx data present but nothing after it.
    assertThat(video(exVideo(KEY, MOD_EX), 0x00, 0x07)).isEqualTo(new Tags(ENHANCED | MALFORMED, UNKNOWN, 0));
  }

  // Multitrack

  @Test
  void oneTrack() {
    assertThat(video(exVideo(KEY, VIDEO_MULTITRACK), ONE_TRACK << 4 | CODED_FRAMES, "av01", 3, 0x12, 0x00, 0x0A))
        .isEqualTo(new Tags(ENHANCED | MULTITRACK | KEYFRAME, "av01", 3));
  }

  @Test
  void manyTracksSequenceStart() {
    assertThat(video(exVideo(KEY, VIDEO_MULTITRACK), MANY_TRACKS << 4 | SEQUENCE_START, "hvc1",
        0, u24(AVC_RECORD.length), AVC_RECORD,
        1, u24(AVC_RECORD.length), AVC_RECORD))
        .isEqualTo(new Tags(ENHANCED | MULTITRACK | SEQUENCE_HEADER, "hvc1", 0));
  }

  @Test
  void manyTracksManyCodecsKeyframeReportsFirstTrack() {
    assertThat(video(exVideo(KEY, VIDEO_MULTITRACK), MANY_TRACKS_MANY_CODECS << 4 | CODED_FRAMES,
        "av01", 4, u24(2), 0x12, 0x00,
        "avc1", 5, u24(3 + NALU.length), u24(0), NALU,
        "vp09", 6, u24(1), 0x83))
        .isEqualTo(new Tags(ENHANCED | MULTITRACK | KEYFRAME, "av01", 4));
  }

  @Test
  void frameTypeIsSharedSoALaterTrackCannotChangeIt() {
    // The frame type sits once in the first byte: an inter-frame message is inter for every track,
    // even when a later track's bitstream is a keyframe.
    assertThat(video(exVideo(INTER, VIDEO_MULTITRACK), MANY_TRACKS_MANY_CODECS << 4 | CODED_FRAMES,
        "vp09", 0, u24(1), 0x86,
        "avc1", 1, u24(3 + NALU.length), u24(0), NALU))
        .isEqualTo(new Tags(ENHANCED | MULTITRACK, "vp09", 0));
  }

  @Test
  void laterTrackIsValidated() {
    // Second track lacks the composition time its avc1 CodedFrames header claims.
    assertThat(video(exVideo(KEY, VIDEO_MULTITRACK), MANY_TRACKS_MANY_CODECS << 4 | CODED_FRAMES,
        "av01", 0, u24(1), 0x12,
        "avc1", 1, u24(2), 0x00, 0x00).flags())
        .isEqualTo(ENHANCED | MULTITRACK | MALFORMED);
    // Second track's size runs past the payload.
    assertThat(video(exVideo(KEY, VIDEO_MULTITRACK), MANY_TRACKS << 4 | CODED_FRAMES_X, "av01",
        0, u24(1), 0x12,
        1, u24(9), 0x12, 0x00).flags())
        .isEqualTo(ENHANCED | MULTITRACK | MALFORMED);
    // Second track cut off inside its size field.
    assertThat(video(exVideo(KEY, VIDEO_MULTITRACK), MANY_TRACKS << 4 | CODED_FRAMES_X, "av01",
        0, u24(1), 0x12,
        1, 0x00).flags())
        .isEqualTo(ENHANCED | MULTITRACK | MALFORMED);
  }

  @Test
  void undefinedMultitrackLayoutsAreMalformed() {
    assertThat(video(exVideo(KEY, VIDEO_MULTITRACK), 3 << 4 | CODED_FRAMES, "av01", 0, 0x12).flags())
        .isEqualTo(ENHANCED | MULTITRACK | MALFORMED);
    assertThat(video(exVideo(KEY, VIDEO_MULTITRACK), ONE_TRACK << 4 | VIDEO_MULTITRACK, "av01", 0, 0x12).flags())
        .isEqualTo(ENHANCED | MULTITRACK | MALFORMED);
    assertThat(video(exVideo(KEY, VIDEO_MULTITRACK), ONE_TRACK << 4 | CODED_FRAMES, "av01").flags())
        .isEqualTo(ENHANCED | MULTITRACK | MALFORMED);
    assertThat(video(exVideo(KEY, VIDEO_MULTITRACK)).flags()).isEqualTo(ENHANCED | MULTITRACK | MALFORMED);
  }

  @Test
  void modExBeforeMultitrack() {
    assertThat(video(exVideo(KEY, MOD_EX), 0x02, u24(1), 0x00 | VIDEO_MULTITRACK,
        ONE_TRACK << 4 | CODED_FRAMES_X, "hvc1", 7, NALU))
        .isEqualTo(new Tags(ENHANCED | MULTITRACK | KEYFRAME, "hvc1", 7));
  }

  // Enhanced audio (ExAudioTagHeader)

  @ParameterizedTest
  @ValueSource(strings = {"Opus", "fLaC", "ac-3", "ec-3", "mp4a", ".mp3"})
  void enhancedAudioPacketTypes(String fourCc) {
    assertThat(audio(exAudio(SEQUENCE_START), fourCc, 0x12, 0x10))
        .isEqualTo(new Tags(ENHANCED | SEQUENCE_HEADER, fourCc, 0));
    assertThat(audio(exAudio(CODED_FRAMES), fourCc, 0xFC, 0xFF, 0xFE))
        .isEqualTo(new Tags(ENHANCED, fourCc, 0));
    assertThat(audio(exAudio(SEQUENCE_END_PACKET), fourCc))
        .isEqualTo(new Tags(ENHANCED | SEQUENCE_END, fourCc, 0));
    // Native order: channel count then a UI32 channel mask (5.1 here).
    assertThat(audio(exAudio(AUDIO_MULTICHANNEL_CONFIG), fourCc, 1, 6, u32(0x3F)))
        .isEqualTo(new Tags(ENHANCED | SEQUENCE_HEADER | CHANNEL_CONFIG, fourCc, 0));
  }

  @Test
  void emptyOpusSequenceStartIsAllowed() {
    assertThat(audio(exAudio(SEQUENCE_START), "Opus")).isEqualTo(new Tags(ENHANCED | SEQUENCE_HEADER, "Opus", 0));
  }

  @Test
  void multichannelConfigLayouts() {
    assertThat(audio(exAudio(AUDIO_MULTICHANNEL_CONFIG), "Opus", 0, 2).flags())
        .isEqualTo(ENHANCED | SEQUENCE_HEADER | CHANNEL_CONFIG);
    assertThat(audio(exAudio(AUDIO_MULTICHANNEL_CONFIG), "Opus", 2, 3, 0, 1, 3).flags())
        .isEqualTo(ENHANCED | SEQUENCE_HEADER | CHANNEL_CONFIG);
    assertThat(audio(exAudio(AUDIO_MULTICHANNEL_CONFIG), "Opus", 2, 3, 0, 1).flags()).isEqualTo(ENHANCED | MALFORMED);
    assertThat(audio(exAudio(AUDIO_MULTICHANNEL_CONFIG), "ac-3", 1, 6, 0x00, 0x3F).flags())
        .isEqualTo(ENHANCED | MALFORMED);
    assertThat(audio(exAudio(AUDIO_MULTICHANNEL_CONFIG), "ac-3", 1).flags()).isEqualTo(ENHANCED | MALFORMED);
  }

  @Test
  void audioMultitrack() {
    assertThat(audio(exAudio(AUDIO_MULTITRACK), MANY_TRACKS << 4 | SEQUENCE_START, "Opus",
        0, u24(2), 0x4F, 0x70,
        1, u24(0)))
        .isEqualTo(new Tags(ENHANCED | MULTITRACK | SEQUENCE_HEADER, "Opus", 0));
    assertThat(audio(exAudio(AUDIO_MULTITRACK), MANY_TRACKS_MANY_CODECS << 4 | CODED_FRAMES,
        "mp4a", 2, u24(2), 0x21, 0x10,
        "Opus", 3, u24(1), 0xFC))
        .isEqualTo(new Tags(ENHANCED | MULTITRACK, "mp4a", 2));
    assertThat(audio(exAudio(AUDIO_MULTITRACK), ONE_TRACK << 4 | AUDIO_MULTICHANNEL_CONFIG, "ac-3", 9, 0, 6))
        .isEqualTo(new Tags(ENHANCED | MULTITRACK | SEQUENCE_HEADER | CHANNEL_CONFIG, "ac-3", 9));
  }

  // Empty, truncated, other types

  @Test
  void emptyPayloads() {
    assertThat(video()).isEqualTo(new Tags(EMPTY, UNKNOWN, 0));
    assertThat(audio()).isEqualTo(new Tags(EMPTY, UNKNOWN, 0));
  }

  @Test
  void otherMessageTypesAreNotClassified() {
    assertThat(inspect(MessageType.DATA_AMF0, 0x17, 0x00)).isEqualTo(new Tags(0, UNKNOWN, 0));
    assertThat(inspect(MessageType.AGGREGATE)).isEqualTo(new Tags(0, UNKNOWN, 0));
  }

  @Test
  void everyPrefixOfEveryShapeIsReadWithoutException() {
    List<Object[]> shapes = List.of(
        new Object[] {VIDEO, bytes(0x17, 0x00, u24(0), AVC_RECORD)},
        new Object[] {AUDIO, bytes(0xAF, 0x00, 0x12, 0x10)},
        new Object[] {VIDEO, bytes(exVideo(KEY, MOD_EX), 0xFF, u16(2), filled(3, 1), CODED_FRAMES, "avc1", u24(0), NALU)},
        new Object[] {VIDEO, bytes(exVideo(KEY, VIDEO_MULTITRACK), MANY_TRACKS_MANY_CODECS << 4 | CODED_FRAMES,
            "av01", 4, u24(2), 0x12, 0x00, "avc1", 5, u24(3 + NALU.length), u24(0), NALU)},
        new Object[] {VIDEO, bytes(exVideo(KEY, VIDEO_MULTITRACK), ONE_TRACK << 4 | CODED_FRAMES, "hvc1", 1, u24(0), NALU)},
        new Object[] {AUDIO, bytes(exAudio(AUDIO_MULTITRACK), MANY_TRACKS << 4 | AUDIO_MULTICHANNEL_CONFIG, "Opus",
            0, u24(3), 2, 1, 0, 1, u24(6), 1, 2, u32(3))},
        new Object[] {AUDIO, bytes(exAudio(MOD_EX), 0x00, 0x01, AUDIO_MULTICHANNEL_CONFIG, "fLaC", 2, 2, 0, 1)});
    for (Object[] shape : shapes) {
      int typeId = (Integer) shape[0];
      byte[] full = (byte[]) shape[1];
      for (int length = 0; length <= full.length; length++) {
        // An exact-capacity buffer: any read past the readable bytes throws.
        ByteBuf prefix = Unpooled.wrappedBuffer(full, 0, length);
        int flags = MediaTags.classify(typeId, prefix);
        MediaTags.codec(typeId, prefix);
        MediaTags.trackId(typeId, prefix);
        prefix.release();
        if (length == 0) {
          assertThat(flags).isEqualTo(EMPTY);
        } else if (length == full.length) {
          assertThat(flags & MALFORMED).as("complete payload").isZero();
        }
      }
    }
  }

  @Test
  void randomPayloadsNeverThrow() {
    Random random = new Random(20240601);
    int[] firstBytes = {0x17, 0x27, 0x57, 0x1C, 0xAF, 0x90, 0x91, 0x94, 0x95, 0x96, 0x97, 0x9F, 0xD1, 0xB6};
    for (int i = 0; i < 50_000; i++) {
      byte[] bytes = new byte[random.nextInt(40)];
      random.nextBytes(bytes);
      if (bytes.length > 0 && random.nextBoolean()) {
        bytes[0] = (byte) firstBytes[random.nextInt(firstBytes.length)];
      }
      if (bytes.length > 1 && random.nextBoolean()) {
        bytes[1] = (byte) (random.nextInt(3) << 4 | random.nextInt(8));
      }
      ByteBuf payload = Unpooled.wrappedBuffer(bytes);
      int typeId = random.nextBoolean() ? VIDEO : AUDIO;
      int flags = MediaTags.classify(typeId, payload);
      assertThat(MediaTags.codec(typeId, payload)).isNotNull();
      assertThat(MediaTags.trackId(typeId, payload)).isBetween(0, 255);
      if ((flags & MALFORMED) != 0) {
        assertThat(flags & ~(MALFORMED | ENHANCED | MULTITRACK)).isZero();
      }
      payload.release();
    }
  }

  @Test
  void codecNamesAreConstants() {
    ByteBuf a = Payloads.framed(bytes(exVideo(KEY, SEQUENCE_START), "av01"));
    ByteBuf b = Payloads.framed(bytes(exVideo(INTER, CODED_FRAMES), "av01", 0x00));
    try {
      assertThat(MediaTags.codec(VIDEO, a)).isSameAs(MediaTags.codec(VIDEO, b));
    } finally {
      a.release();
      b.release();
    }
  }

  @Test
  void hasChecksEveryBit() {
    int flags = ENHANCED | KEYFRAME;
    assertThat(MediaTags.has(flags, KEYFRAME)).isTrue();
    assertThat(MediaTags.has(flags, KEYFRAME | SEQUENCE_HEADER)).isFalse();
  }
}
