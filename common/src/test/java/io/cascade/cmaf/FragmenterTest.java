package io.cascade.cmaf;

import static io.cascade.cmaf.Boxes.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.live.MediaFrame;
import io.cascade.testing.FlvFile;
import io.cascade.testing.Payloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The fragmenter on synthetic FLV-form frames: box layout of init segments and parts, times in each
 * track's timescale, FLV headers stripped, part and segment cuts.
 */
class FragmenterTest {
  private static final int AUDIO = 8;
  private static final int VIDEO = 9;
  private static final CmafSettings SETTINGS = new CmafSettings(Duration.ofMillis(500), Duration.ofSeconds(2),
      8 << 20);

  private final List<CmafPart> parts = new ArrayList<>();
  private int sampleCounter;

  @AfterEach
  void releaseParts() {
    parts.forEach(CmafPart::release);
  }

  // --- FLV-form bodies -------------------------------------------------------------------------


  private static byte[] si24(int value) {
    return new byte[] {(byte) (value >> 16), (byte) (value >> 8), (byte) value};
  }

  /** A unique fake sample: a 4-byte NAL length and a counter, so each one can be found in an mdat. */
  private byte[] nextSample(int length) {
    ByteBuffer b = ByteBuffer.allocate(length);
    b.putInt(length - 4).putInt(++sampleCounter);
    return b.array();
  }

  private static byte[] avcConfigBody() {
    return Payloads.bytes(hex("1700000000"), TrackFormatTest.AVC_HIGH_31);
  }

  private static byte[] avcBody(boolean key, int cts, byte[] sample) {
    return Payloads.bytes(new byte[] {(byte) (key ? 0x17 : 0x27), 1}, si24(cts), sample);
  }

  private static byte[] aacConfigBody() {
    return Payloads.bytes(hex("af00"), TrackFormatTest.AAC_LC_48K_STEREO);
  }

  private static byte[] aacBody(byte[] sample) {
    return Payloads.bytes(hex("af01"), sample);
  }

  private CmafPart feed(Fragmenter fragmenter, int type, long dts, byte[] body) {
    MediaFrame frame = FlvFile.frame(type, dts, body);
    try {
      CmafPart part = fragmenter.add(frame);
      if (part != null) {
        parts.add(part);
      }
      return part;
    } finally {
      frame.release();
    }
  }

  /**
   * Video at 25 fps with a keyframe every {@code gop} frames and AAC at 48 kHz from {@code start},
   * interleaved by dts (video first at equal times, as ffmpeg writes them).
   */
  private List<byte[]> feedAv(Fragmenter f, long start, int videoFrames, int gop) {
    List<byte[]> videoSamples = new ArrayList<>();
    feed(f, VIDEO, start, avcConfigBody());
    feed(f, AUDIO, start, aacConfigBody());
    int a = 0;
    for (int v = 0; v < videoFrames; v++) {
      long vts = start + v * 40L;
      byte[] sample = nextSample(100);
      videoSamples.add(sample);
      feed(f, VIDEO, vts, avcBody(v % gop == 0, 40, sample));
      while (start + Math.round(a * 1024 * 1000 / 48000.0) < vts + 40) {
        feed(f, AUDIO, start + Math.round(a * 1024 * 1000 / 48000.0), aacBody(nextSample(20)));
        a++;
      }
    }
    return videoSamples;
  }

  // --- tests -----------------------------------------------------------------------------------

  @Test
  void initSegmentHasATrackPerFormatAndAnnouncesFragments() {
    Fragmenter f = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    feedAv(f, 0, 1, 50);
    assertThat(f.started()).isTrue();
    assertThat(f.initVersion()).isEqualTo(1);
    ByteBuf init = f.initSegment();
    try {
      Boxes b = Boxes.of(init);
      assertThat(b.top()).extracting(Boxes.Box::type).containsExactly("ftyp", "moov");
      assertThat(b.children(b.one("moov"))).extracting(Boxes.Box::type)
          .containsExactly("mvhd", "trak", "trak", "mvex");
      List<Boxes.Box> trex = b.all("moov/mvex/trex");
      assertThat(trex).hasSize(2);
      assertThat(b.u32(trex.get(0).payload() + 4)).isEqualTo(1);
      assertThat(b.u32(trex.get(1).payload() + 4)).isEqualTo(2);
      List<Boxes.Box> mdhd = b.all("moov/trak/mdia/mdhd");
      assertThat(b.u32(mdhd.get(0).payload() + 12)).isEqualTo(90_000);
      assertThat(b.u32(mdhd.get(1).payload() + 12)).isEqualTo(48_000);
      List<Boxes.Box> hdlr = b.all("moov/trak/mdia/hdlr");
      assertThat(new String(b.data, hdlr.get(0).payload() + 8, 4)).isEqualTo("vide");
      assertThat(new String(b.data, hdlr.get(1).payload() + 8, 4)).isEqualTo("soun");
      List<Boxes.Box> tkhd = b.all("moov/trak/tkhd");
      assertThat(b.u32(tkhd.get(0).payload() + 76)).isEqualTo(640 << 16);
      assertThat(b.u32(tkhd.get(0).payload() + 80)).isEqualTo(360 << 16);
      List<Boxes.Box> stsd = b.all("moov/trak/mdia/minf/stbl/stsd");
      assertThat(new String(b.data, stsd.get(0).payload() + 12, 4)).isEqualTo("avc1");
      assertThat(new String(b.data, stsd.get(1).payload() + 12, 4)).isEqualTo("mp4a");
      assertThat(f.formats()).extracting(TrackFormat::codecString).containsExactly("avc1.64001f", "mp4a.40.2");
    } finally {
      init.release();
      f.close();
    }
  }

  @Test
  void partsAreMoofAndMdatWithOffsetsIntoTheMdatAndTimesThatFollowOn() {
    Fragmenter f = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    List<byte[]> video = feedAv(f, 1_000, 150, 50); // 6 s, keyframes every 2 s
    CmafPart last = f.flush();
    parts.add(last);
    assertThat(parts).hasSizeGreaterThan(10);
    long nextVideo = 1_000 * 90;
    long nextAudio = 1_000 * 48;
    int videoIndex = 0;
    for (int i = 0; i < parts.size(); i++) {
      CmafPart part = parts.get(i);
      assertThat(part.sequenceNumber()).isEqualTo(i + 1);
      Boxes b = Boxes.of(part.content());
      assertThat(b.top()).extracting(Boxes.Box::type).containsExactly("moof", "mdat");
      Boxes.Box moof = b.one("moof");
      Boxes.Box mdat = b.one("mdat");
      assertThat(b.u32(b.one("moof/mfhd").payload() + 4)).isEqualTo(i + 1);
      List<Boxes.Box> trafs = b.all("moof/traf");
      int mediaBytes = 0;
      int expectedOffset = moof.size() + 8;
      for (Boxes.Box traf : trafs) {
        List<Boxes.Box> children = b.children(traf);
        assertThat(children).extracting(Boxes.Box::type).containsExactly("tfhd", "tfdt", "trun");
        Boxes.Box tfhd = children.get(0);
        Boxes.Box tfdt = children.get(1);
        Boxes.Box trun = children.get(2);
        assertThat(b.flags(tfhd)).isEqualTo(0x020000); // default-base-is-moof, nothing else
        assertThat(b.version(tfdt)).isEqualTo(1);
        assertThat(b.version(trun)).isEqualTo(1);
        int trackId = b.u32(tfhd.payload() + 4);
        long decodeTime = b.u64(tfdt.payload() + 4);
        Boxes.Trun run = b.trun(trun);
        assertThat(run.dataOffset()).as("data offset of track %d in part %d", trackId, i).isEqualTo(expectedOffset);
        int at = moof.offset() + run.dataOffset();
        for (long[] s : run.samples()) {
          if (trackId == 1) {
            byte[] expected = video.get(videoIndex++);
            assertThat(Arrays.copyOfRange(b.data, at, at + (int) s[1])).isEqualTo(expected);
            assertThat(s[0]).isEqualTo(3600);
            assertThat(s[2]).isEqualTo(videoIndex % 50 == 1 ? 0x02000000L : 0x01010000L);
            assertThat(s[3]).isEqualTo(3600);
          } else {
            assertThat(s[0]).isEqualTo(1024);
            assertThat(s[1]).isEqualTo(20);
            assertThat(s[2]).isEqualTo(0x02000000L);
            assertThat(s[3]).isEqualTo(-1); // no composition offsets for audio
          }
          at += (int) s[1];
          mediaBytes += (int) s[1];
        }
        expectedOffset += at - (moof.offset() + run.dataOffset());
        if (trackId == 1) {
          assertThat(decodeTime).isEqualTo(nextVideo);
          nextVideo += 3600L * run.samples().size();
        } else {
          assertThat(decodeTime).isEqualTo(nextAudio);
          nextAudio += 1024L * run.samples().size();
        }
      }
      assertThat(mdat.size()).isEqualTo(8 + mediaBytes);
    }
    assertThat(videoIndex).isEqualTo(150);
  }

  @Test
  void gatheredPartsAreTheSameBytesMadeOfTheSamplesOwnBuffers() {
    Fragmenter contiguous = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    feedAv(contiguous, 0, 125, 50);
    parts.add(contiguous.flush());
    int made = parts.size();
    sampleCounter = 0; // the same samples again
    Fragmenter gathered = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT, 0, PartLayout.GATHERED);
    feedAv(gathered, 0, 125, 50);
    parts.add(gathered.flush());
    assertThat(parts).hasSize(2 * made);
    for (int i = 0; i < made; i++) {
      ByteBuf one = parts.get(i).content();
      ByteBuf other = parts.get(made + i).content();
      assertThat(ByteBufUtil.getBytes(other)).as("part %d", i).isEqualTo(ByteBufUtil.getBytes(one));
      assertThat(other).isInstanceOf(CompositeByteBuf.class);
      Boxes boxes = Boxes.of(one);
      int samples = boxes.all("moof/traf/trun").stream().mapToInt(t -> boxes.trun(t).samples().size()).sum();
      assertThat(((CompositeByteBuf) other).numComponents()).as("header + one per sample").isEqualTo(1 + samples);
    }
  }

  @Test
  void partsStayWithinTheTargetAndSegmentsStartAtKeyframes() {
    Fragmenter f = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    feedAv(f, 0, 250, 50); // 10 s, keyframes every 2 s
    f.close();
    List<CmafPart> segmentStarts = parts.stream().filter(CmafPart::startsSegment).toList();
    assertThat(parts.get(0).startsSegment()).isTrue();
    assertThat(segmentStarts).extracting(CmafPart::startMillis).containsExactly(0L, 2_000L, 4_000L, 6_000L, 8_000L);
    for (int i = 0; i < parts.size(); i++) {
      CmafPart part = parts.get(i);
      assertThat(part.durationMillis()).as("part %s", part).isBetween(1L, 500L);
      assertThat(part.independent()).isEqualTo(part.startMillis() % 2_000 == 0);
      if (i > 0) {
        CmafPart previous = parts.get(i - 1);
        assertThat(part.startMillis()).isEqualTo(previous.startMillis() + previous.durationMillis());
      }
    }
    // 480 ms parts (12 frames), then the rest of the 2 s segment
    assertThat(parts).extracting(CmafPart::durationMillis).startsWith(480L, 480L, 480L, 480L, 80L, 480L);
  }

  @Test
  void segmentsAreMeasuredBetweenKeyframePresentationTimes() {
    Fragmenter f = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    feed(f, VIDEO, 0, avcConfigBody());
    // with B-frames the second keyframe is decoded 80 ms before it is shown, 2 s after the first
    feed(f, VIDEO, 0, avcBody(true, 40, nextSample(10)));
    for (int v = 1; v <= 60; v++) {
      feed(f, VIDEO, v * 40L, avcBody(v == 48, v == 48 ? 120 : 40, nextSample(10)));
    }
    f.close();
    List<CmafPart> segments = parts.stream().filter(CmafPart::startsSegment).toList();
    // decode times are only 1920 ms apart, less than the 2 s target; presentation times are 2 s apart
    assertThat(segments).extracting(CmafPart::startMillis).containsExactly(0L, 1_920L);
    assertThat(f.droppedFrames()).isZero();
  }

  @Test
  void decodeTimesPast2To32MillisecondsNeedTheWholeSixtyFourBits() {
    Fragmenter f = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    long start = (1L << 32) + 5_000;
    feedAv(f, start, 20, 50);
    parts.add(f.flush());
    Boxes b = Boxes.of(parts.get(0).content());
    List<Boxes.Box> tfdt = b.all("moof/traf/tfdt");
    assertThat(b.version(tfdt.get(0))).isEqualTo(1);
    assertThat(tfdt.get(0).size()).isEqualTo(20);
    assertThat(b.u64(tfdt.get(0).payload() + 4)).isEqualTo(start * 90).isGreaterThan(1L << 32);
    assertThat(b.u64(tfdt.get(1).payload() + 4)).isEqualTo(start * 48);
    assertThat(parts.get(0).startMillis()).isEqualTo(start);
  }

  @Test
  void enhancedRtmpHeadersAreStrippedAndCompositionOffsetsAreSigned() {
    Fragmenter f = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    byte[] hvc1 = "hvc1".getBytes();
    byte[] opus = "Opus".getBytes();
    feed(f, VIDEO, 0, Payloads.bytes(hex("90"), hvc1, TrackFormatTest.HEVC_MAIN_31));
    feed(f, AUDIO, 0, Payloads.bytes(hex("90"), opus, TrackFormatTest.OPUS_HEAD_MONO));
    feed(f, AUDIO, 0, Payloads.bytes(hex("94"), opus, hex("0001 04"))); // multichannel config: not media
    byte[] key = nextSample(64);
    byte[] opusPacket = {(byte) (31 << 3), 7, 7, 7}; // CELT 20 ms
    byte[] bframe = nextSample(32);
    byte[] pframe = nextSample(48);
    feed(f, VIDEO, 0, Payloads.bytes(hex("91"), hvc1, si24(80), key)); // CodedFrames with composition time
    feed(f, AUDIO, 0, Payloads.bytes(hex("91"), opus, opusPacket));
    feed(f, VIDEO, 40, Payloads.bytes(hex("a1"), hvc1, si24(-40 & 0xFFFFFF), bframe));
    feed(f, VIDEO, 80, Payloads.bytes(hex("a3"), hvc1, pframe)); // CodedFramesX: no composition time
    parts.add(f.flush());
    assertThat(f.formats()).extracting(TrackFormat::codecString).containsExactly("hvc1.1.6.L93.90", "opus");
    Boxes b = Boxes.of(parts.get(0).content());
    Boxes.Box moof = b.one("moof");
    List<Boxes.Box> truns = b.all("moof/traf/trun");
    Boxes.Trun v = b.trun(truns.get(0));
    assertThat(v.samples()).extracting(s -> s[3]).containsExactly(80L * 90, -40L * 90, 0L);
    assertThat(v.samples()).extracting(s -> s[0]).containsExactly(3600L, 3600L, 3600L); // the last takes the previous
    int at = moof.offset() + v.dataOffset();
    assertThat(Arrays.copyOfRange(b.data, at, at + key.length + bframe.length + pframe.length))
        .isEqualTo(Payloads.bytes(key, bframe, pframe));
    Boxes.Trun a = b.trun(truns.get(1));
    assertThat(a.samples()).hasSize(1);
    assertThat(a.samples().get(0)[0]).isEqualTo(960);
    int audioAt = moof.offset() + a.dataOffset();
    assertThat(Arrays.copyOfRange(b.data, audioAt, audioAt + opusPacket.length)).isEqualTo(opusPacket);
  }

  @Test
  void aVideoSampleLastsUntilTheNextFrame() {
    Fragmenter f = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    feed(f, VIDEO, 0, avcConfigBody());
    long[] dts = {0, 40, 73, 123, 160};
    for (int i = 0; i < dts.length; i++) {
      feed(f, VIDEO, dts[i], avcBody(i == 0, 0, nextSample(10)));
    }
    parts.add(f.flush());
    Boxes b = Boxes.of(parts.get(0).content());
    assertThat(b.trun(b.one("moof/traf/trun")).samples()).extracting(s -> s[0])
        .containsExactly(40L * 90, 33L * 90, 50L * 90, 37L * 90, 37L * 90);
    assertThat(parts.get(0).durationMillis()).isEqualTo(197);
  }

  @Test
  void audioFollowsOnFromItsFrameLengthAndJumpsOnlyOverRealGaps() {
    Fragmenter f = new Fragmenter(new CmafSettings(Duration.ofSeconds(5), Duration.ofSeconds(10), 8 << 20),
        ByteBufAllocator.DEFAULT);
    feed(f, AUDIO, 0, aacConfigBody());
    long[] dts = {0, 21, 43, 64, 85, 300, 321};
    for (long t : dts) {
      feed(f, AUDIO, t, aacBody(nextSample(8)));
    }
    parts.add(f.flush());
    Boxes b = Boxes.of(parts.get(0).content());
    assertThat(b.trun(b.one("moof/traf/trun")).samples()).extracting(s -> s[0])
        .containsExactly(1024L, 1024L, 1024L, 1024L, 300L * 48 - 4 * 1024, 1024L, 1024L);
  }

  @Test
  void audioOnlyStreamsAreCutOnAudio() {
    Fragmenter f = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    feed(f, AUDIO, 0, aacConfigBody());
    for (int a = 0; a < 300; a++) {
      feed(f, AUDIO, Math.round(a * 1024 * 1000 / 48000.0), aacBody(nextSample(8)));
    }
    f.close();
    assertThat(parts).hasSizeGreaterThan(10);
    assertThat(parts).allSatisfy(p -> {
      assertThat(p.independent()).isTrue();
      assertThat(p.durationMillis()).isLessThanOrEqualTo(500);
    });
    assertThat(parts.stream().filter(CmafPart::startsSegment).count()).isEqualTo(3);
  }

  @Test
  void framesBeforeTheFirstKeyframeAreLeftOut() {
    Fragmenter f = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    feed(f, VIDEO, 0, avcConfigBody());
    feed(f, AUDIO, 0, aacConfigBody());
    feed(f, VIDEO, 0, avcBody(false, 0, nextSample(10)));
    feed(f, AUDIO, 10, aacBody(nextSample(8)));
    assertThat(f.started()).isFalse();
    assertThat(f.droppedFrames()).isEqualTo(2);
    feed(f, VIDEO, 40, avcBody(true, 0, nextSample(10)));
    assertThat(f.started()).isTrue();
    f.close();
  }

  @Test
  void aNewSequenceHeaderEndsThePartAndTheNextKeyframeStartsANewInit() {
    Fragmenter f = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    feedAv(f, 0, 10, 50);
    int before = parts.size();
    byte[] otherRecord = TrackFormatTest.AVC_HIGH_31.clone();
    otherRecord[3] = 0x28; // level 4
    CmafPart closed = feed(f, VIDEO, 400, Payloads.bytes(hex("1700000000"), otherRecord));
    assertThat(closed).isNotNull();
    assertThat(closed.initVersion()).isEqualTo(1);
    assertThat(f.started()).isFalse();
    feed(f, VIDEO, 400, avcBody(false, 0, nextSample(10)));
    assertThat(f.started()).isFalse();
    feed(f, VIDEO, 440, avcBody(true, 0, nextSample(10)));
    assertThat(f.initVersion()).isEqualTo(2);
    assertThat(f.formats()).extracting(TrackFormat::codecString).containsExactly("avc1.640028", "mp4a.40.2");
    // a repeated, identical sequence header changes nothing
    feed(f, VIDEO, 480, Payloads.bytes(hex("1700000000"), otherRecord));
    assertThat(f.started()).isTrue();
    CmafPart next = f.flush();
    parts.add(next);
    assertThat(next.initVersion()).isEqualTo(2);
    assertThat(next.startsSegment()).isTrue();
    assertThat(parts.size()).isGreaterThan(before);
  }

  @Test
  void thePartOpenWhenABadHeaderArrivesIsStillDelivered() {
    Fragmenter f = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    feedAv(f, 0, 5, 50);
    CmafPart closed = feed(f, AUDIO, 200, hex("af00 11"));
    assertThat(closed).isNotNull();
    assertThat(f.rejectedHeaders()).isEqualTo(1);
    feed(f, VIDEO, 200, avcBody(true, 0, nextSample(10)));
    assertThat(f.formats()).extracting(TrackFormat::codecString).containsExactly("avc1.64001f");
    assertThat(f.initVersion()).isEqualTo(2);
    f.close();
  }

  @Test
  void aPartThatReachesTheByteBoundIsClosedAtTheNextFrame() {
    Fragmenter f = new Fragmenter(new CmafSettings(Duration.ofSeconds(5), Duration.ofSeconds(10), 1_000),
        ByteBufAllocator.DEFAULT);
    feed(f, VIDEO, 0, avcConfigBody());
    for (int v = 0; v < 40; v++) {
      feed(f, VIDEO, v * 40L, avcBody(v == 0, 0, nextSample(300)));
    }
    f.close();
    assertThat(parts).hasSize(9); // 39 complete frames of 300 bytes, cut after each fourth
    assertThat(parts).allSatisfy(p -> assertThat(p.content().readableBytes()).isLessThan(1_000 + 300 + 200));
    assertThat(parts.get(0).independent()).isTrue();
    assertThat(parts.get(1).independent()).isFalse();
  }

  @Test
  void aMalformedSequenceHeaderIsRefusedAndItsTrackLeftOut() {
    Fragmenter f = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    feed(f, VIDEO, 0, hex("1700000000 0164001fffe1"));
    assertThat(f.rejectedHeaders()).isEqualTo(1);
    assertThat(f.lastRejection()).startsWith("avc1 sequence header: ");
    feed(f, VIDEO, 0, hex("1700000000 0164001fffe1"));
    assertThat(f.rejectedHeaders()).as("a repeated header is not read again").isEqualTo(1);
    feed(f, AUDIO, 0, aacConfigBody());
    feed(f, VIDEO, 0, avcBody(true, 0, nextSample(10)));
    feed(f, AUDIO, 0, aacBody(nextSample(8)));
    assertThat(f.started()).isTrue();
    assertThat(f.formats()).extracting(TrackFormat::codecString).containsExactly("mp4a.40.2");
    assertThat(f.droppedFrames()).isEqualTo(1);
    f.close();
  }

  /** An Enhanced-RTMP OneTrack multitrack avc1 body of track {@code track}: the sample after its composition time. */
  private static byte[] oneTrackAvc(boolean key, int track, int packetType, byte[] rest) {
    return Payloads.bytes(new byte[] {(byte) (key ? 0x96 : 0xa6), (byte) packetType}, "avc1".getBytes(),
        new byte[] {(byte) track}, rest);
  }

  @Test
  void aRenditionPackagesItsVideoTrackWithTheDefaultAudio() {
    Fragmenter track1 = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT, 1, PartLayout.CONTIGUOUS);
    Fragmenter track0 = new Fragmenter(SETTINGS, ByteBufAllocator.DEFAULT);
    byte[] key0 = nextSample(40);
    byte[] key1 = nextSample(24);
    byte[] next1 = nextSample(16);
    byte[] audio = nextSample(12);
    for (Fragmenter f : List.of(track0, track1)) {
      feed(f, VIDEO, 0, avcConfigBody());
      feed(f, VIDEO, 0, oneTrackAvc(true, 1, 0, TrackFormatTest.AVC_HIGH_31));
      feed(f, AUDIO, 0, aacConfigBody());
      feed(f, VIDEO, 0, avcBody(true, 40, key0));
      feed(f, VIDEO, 0, oneTrackAvc(true, 1, 1, Payloads.bytes(si24(80), key1)));
      feed(f, AUDIO, 0, aacBody(audio));
      feed(f, VIDEO, 40, oneTrackAvc(false, 1, 1, Payloads.bytes(si24(0), next1)));
      parts.add(f.flush());
    }
    Boxes b0 = Boxes.of(parts.get(0).content());
    Boxes b1 = Boxes.of(parts.get(1).content());
    assertThat(b0.trun(b0.all("moof/traf/trun").get(0)).samples()).extracting(s -> s[3]).containsExactly(40L * 90);
    List<Boxes.Box> truns = b1.all("moof/traf/trun");
    assertThat(truns).hasSize(2);
    Boxes.Trun v = b1.trun(truns.get(0));
    assertThat(v.samples()).extracting(s -> s[3]).containsExactly(80L * 90, 0L);
    int at = b1.one("moof").offset() + v.dataOffset();
    assertThat(Arrays.copyOfRange(b1.data, at, at + key1.length + next1.length)).isEqualTo(Payloads.bytes(key1, next1));
    Boxes.Trun a = b1.trun(truns.get(1));
    int audioAt = b1.one("moof").offset() + a.dataOffset();
    assertThat(Arrays.copyOfRange(b1.data, audioAt, audioAt + audio.length)).isEqualTo(audio);
    assertThat(track1.droppedFrames()).isZero();
  }
}
