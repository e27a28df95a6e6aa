package io.cascade.cmaf;

import static io.cascade.cmaf.Boxes.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/**
 * Codec configuration records as ffmpeg 8 writes them into (Enhanced) FLV, read into sample
 * entries and RFC 6381 codec strings.
 */
class TrackFormatTest {
  /** libx264 -profile:v high -level 3.1, 640x360: avcC with one SPS and one PPS. */
  static final byte[] AVC_HIGH_31 = hex("0164001fffe1001a6764001facd940a02ff970110000030001000003003c0f183196"
      + "01000668ebe3cb22c0");
  /** libx265 -profile:v main level-idc=31, 640x360: hvcC with VPS, SPS, PPS (the x265 SEI array left out). */
  static final byte[] HEVC_MAIN_31 = hex("0101600000009000000000005df000fcfdf8f800000f03"
      + "200001001840010c01ffff01600000030090000003000003005d959809"
      + "210001002a42010101600000030090000003000003005da00502016965959a4932bc05a020000003002000000303c1"
      + "22000100074401c172b46240");
  /** libsvtav1 1280x720: av1C with its sequence header OBU. */
  static final byte[] AV1_720 = hex("81050c000a0c0200002d2a67fd9e017c0020");
  /** AAC LC, 48 kHz, stereo. */
  static final byte[] AAC_LC_48K_STEREO = hex("1190");
  /** OpusHead from ffmpeg's libopus, mono, pre-skip 312. */
  static final byte[] OPUS_HEAD_MONO = hex("4f707573486561640101380180bb0000000000");

  @Test
  void avcHighAtLevel31() {
    TrackFormat f = TrackFormat.fromConfig("avc1", AVC_HIGH_31);
    assertThat(f.codecString()).isEqualTo("avc1.64001f");
    assertThat(f.width()).isEqualTo(640);
    assertThat(f.height()).isEqualTo(360); // 368 coded rows, cropped
    assertThat(f.timescale()).isEqualTo(90_000);
    assertThat(f.isVideo()).isTrue();
  }

  @Test
  void hevcMainAtLevel31() {
    TrackFormat x265 = TrackFormat.fromConfig("hvc1", HEVC_MAIN_31);
    assertThat(x265.codecString()).isEqualTo("hvc1.1.6.L93.90");
    assertThat(x265.width()).isEqualTo(640);
    assertThat(x265.height()).isEqualTo(360);
    byte[] nonPacked = HEVC_MAIN_31.clone();
    nonPacked[6] = (byte) 0xB0; // progressive, non-packed and frame-only constraints, as Apple's examples
    assertThat(TrackFormat.fromConfig("hvc1", nonPacked).codecString()).isEqualTo("hvc1.1.6.L93.B0");
  }

  @Test
  void hevcCodecStringSpellsSpaceTierAndEveryConstraintByteUpToTheLastNonZero() {
    byte[] record = HEVC_MAIN_31.clone();
    record[1] = (byte) (0x40 | 0x20 | 2); // profile space 1, high tier, Main 10
    record[2] = 0x20; // compatibility flag 2 only
    record[3] = 0;
    record[8] = 0x01;
    record[12] = (byte) 120;
    assertThat(TrackFormat.fromConfig("hvc1", record).codecString()).isEqualTo("hvc1.A2.4.H120.90.00.01");
  }

  @Test
  void av1() {
    TrackFormat f = TrackFormat.fromConfig("av01", AV1_720);
    assertThat(f.codecString()).isEqualTo("av01.0.05M.08");
    assertThat(f.width()).isEqualTo(1280);
    assertThat(f.height()).isEqualTo(720);
    byte[] level4 = AV1_720.clone();
    level4[1] = 0x04;
    assertThat(TrackFormat.fromConfig("av01", level4).codecString()).isEqualTo("av01.0.04M.08");
    byte[] high10 = AV1_720.clone();
    high10[1] = (byte) (1 << 5 | 13);
    high10[2] = (byte) (0x80 | 0x40 | 0x0c);
    assertThat(TrackFormat.fromConfig("av01", high10).codecString()).isEqualTo("av01.1.13H.10");
  }

  @Test
  void aac() {
    TrackFormat lc = TrackFormat.fromConfig("aac", AAC_LC_48K_STEREO);
    assertThat(lc.codecString()).isEqualTo("mp4a.40.2");
    assertThat(lc.sampleRate()).isEqualTo(48_000);
    assertThat(lc.timescale()).isEqualTo(48_000);
    assertThat(lc.channels()).isEqualTo(2);
    assertThat(lc.sampleDuration(Unpooled.EMPTY_BUFFER)).isEqualTo(1024);
    // HE-AAC, explicit: SBR object type, 24 kHz core, stereo, 48 kHz extension, then AAC LC
    TrackFormat he = TrackFormat.fromConfig("mp4a", hex("2b1188"));
    assertThat(he.codecString()).isEqualTo("mp4a.40.5");
    assertThat(he.sampleRate()).isEqualTo(24_000);
    assertThat(he.channels()).isEqualTo(2);
    assertThat(he.sampleDuration(Unpooled.EMPTY_BUFFER)).isEqualTo(1024);
  }

  @Test
  void opus() {
    TrackFormat f = TrackFormat.fromConfig("Opus", OPUS_HEAD_MONO);
    assertThat(f.codecString()).isEqualTo("opus");
    assertThat(f.timescale()).isEqualTo(48_000);
    assertThat(f.channels()).isEqualTo(1);
    ByteBuf twentyMsCelt = Unpooled.wrappedBuffer(new byte[] {(byte) (31 << 3), 1, 2});
    ByteBuf threeTenMsSilk = Unpooled.wrappedBuffer(new byte[] {(byte) (1 << 3 | 3), 3, 9});
    assertThat(f.sampleDuration(twentyMsCelt)).isEqualTo(960);
    assertThat(f.sampleDuration(threeTenMsSilk)).isEqualTo(3 * 960);
  }

  @Test
  void unknownCodecsHaveNoFormatAndBadRecordsAreRefused() {
    assertThat(TrackFormat.fromConfig("vp09", new byte[] {1, 2, 3})).isNull();
    assertThatThrownBy(() -> TrackFormat.fromConfig("avc1", hex("0164001fffe1")))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] cut = java.util.Arrays.copyOf(HEVC_MAIN_31, 40);
    assertThatThrownBy(() -> TrackFormat.fromConfig("hvc1", cut)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TrackFormat.fromConfig("av01", hex("81050c00"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TrackFormat.fromConfig("aac", hex("11"))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TrackFormat.fromConfig("Opus", hex("4f7075734865616401"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void sampleEntriesCarryTheRecordsAndTheirSizesAddUp() {
    ByteBuf buf = Unpooled.buffer();
    try {
      TrackFormat.fromConfig("avc1", AVC_HIGH_31).writeSampleEntry(new BoxWriter(buf));
      Boxes avc1 = Boxes.of(buf);
      Boxes.Box entry = avc1.one("avc1");
      assertThat(avc1.u16(entry.payload() + 24)).isEqualTo(640);
      assertThat(avc1.u16(entry.payload() + 26)).isEqualTo(360);
      Boxes.Box avcC = avc1.children(entry.payload() + 78, entry.end()).get(0);
      assertThat(avcC.type()).isEqualTo("avcC");
      assertThat(java.util.Arrays.copyOfRange(avc1.data, avcC.payload(), avcC.end())).isEqualTo(AVC_HIGH_31);

      buf.clear();
      TrackFormat.fromConfig("aac", AAC_LC_48K_STEREO).writeSampleEntry(new BoxWriter(buf));
      Boxes mp4a = Boxes.of(buf);
      Boxes.Box audio = mp4a.one("mp4a");
      assertThat(mp4a.u16(audio.payload() + 16)).isEqualTo(2);
      assertThat(mp4a.u32(audio.payload() + 24)).isEqualTo(48_000 << 16);
      Boxes.Box esds = mp4a.children(audio.payload() + 28, audio.end()).get(0);
      assertThat(esds.type()).isEqualTo("esds");
      int es = esds.payload() + 4;
      assertThat(mp4a.u8(es)).isEqualTo(3); // ES_Descriptor
      assertThat(es + 2 + mp4a.u8(es + 1)).isEqualTo(esds.end());
      int decoderConfig = es + 5;
      assertThat(mp4a.u8(decoderConfig)).isEqualTo(4);
      assertThat(mp4a.u8(decoderConfig + 2)).isEqualTo(0x40);
      int specific = decoderConfig + 15;
      assertThat(mp4a.u8(specific)).isEqualTo(5);
      assertThat(mp4a.u8(specific + 1)).isEqualTo(2);
      assertThat(mp4a.u16(specific + 2)).isEqualTo(0x1190);
      assertThat(mp4a.u8(specific + 4)).isEqualTo(6); // SLConfigDescriptor
      assertThat(specific + 4 + 3).isEqualTo(esds.end());

      buf.clear();
      TrackFormat.fromConfig("Opus", OPUS_HEAD_MONO).writeSampleEntry(new BoxWriter(buf));
      Boxes opus = Boxes.of(buf);
      Boxes.Box entryOpus = opus.one("Opus");
      Boxes.Box dOps = opus.children(entryOpus.payload() + 28, entryOpus.end()).get(0);
      assertThat(dOps.type()).isEqualTo("dOps");
      assertThat(java.util.Arrays.copyOfRange(opus.data, dOps.payload(), dOps.end()))
          .isEqualTo(hex("00 01 0138 0000bb80 0000 00"));
    } finally {
      buf.release();
    }
  }
}
