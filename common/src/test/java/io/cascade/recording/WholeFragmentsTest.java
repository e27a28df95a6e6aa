package io.cascade.recording;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.testing.Payloads;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile files against {@link WholeFragments}: sizes that point past the file, past the bounds,
 * counts longer than their box, samples outside their {@code mdat}; and the defaults a writer other
 * than Cascade's uses (durations in {@code tfhd}). Each scan stops with its reason and keeps what
 * came before.
 */
class WholeFragmentsTest {
  /** One video track at 90 kHz. */
  private static final WholeFragments.Tracks VIDEO = new WholeFragments.Tracks(
      Map.of(1L, new WholeFragments.Track(90_000, true, 0, 0)));

  @TempDir
  Path tmp;

  @Test
  void wholeFragmentsAreCountedWithTheirDecodeTimesAndDurations() throws IOException {
    byte[] file = Payloads.bytes(fragment(180_000, 3, 3_000, 100, 0x000301), fragment(189_000, 3, 3_000, 100, 0x000301));
    WholeFragments.Scan scan = scan(file);
    assertThat(scan.fragments()).isEqualTo(2);
    assertThat(scan.bytes()).isEqualTo(file.length);
    assertThat(scan.startMillis()).isEqualTo(2_000);
    assertThat(scan.durationMillis()).as("2 x 3 samples of 1/30 s").isEqualTo(200);
    assertThat(scan.stop()).isNull();
  }

  @Test
  void durationsFromTheTfhdDefaultWhenTheTrunHasNone() throws IOException {
    byte[] file = fragmentWithTfhdDefault(0, 25, 3_600, 10);
    WholeFragments.Scan scan = scan(file);
    assertThat(scan.fragments()).isEqualTo(1);
    assertThat(scan.durationMillis()).isEqualTo(1_000);
  }

  @Test
  void aSizePastTheFileOrTheBoundStopsTheScanAfterWhatCameBefore() throws IOException {
    byte[] good = fragment(0, 3, 3_000, 100, 0x000301);
    byte[] hugeMoof = good.clone();
    ByteBuffer.wrap(hugeMoof).putInt(0, 0x7fff_fff0);
    WholeFragments.Scan scan = scan(Payloads.bytes(good, hugeMoof));
    assertThat(scan.fragments()).isEqualTo(1);
    assertThat(scan.bytes()).isEqualTo(good.length);
    assertThat(scan.stop()).contains("moof of 2147483632 bytes");

    byte[] longMdat = good.clone();
    int mdatAt = ByteBuffer.wrap(longMdat).getInt(0);
    ByteBuffer.wrap(longMdat).putInt(mdatAt, 1 << 30);
    assertThat(scan(Payloads.bytes(good, longMdat)).stop()).startsWith("torn mdat");
  }

  /** What a direct-write segment killed between two parts holds: its last block padded with zeros. */
  @Test
  void zerosPaddingTheLastBlockStopTheScanAfterTheWholeFragments() throws IOException {
    byte[] good = Payloads.bytes(fragment(0, 3, 3_000, 100, 0x000301), fragment(9_000, 3, 3_000, 100, 0x000301));
    byte[] padded = new byte[(good.length / 4096 + 1) * 4096];
    System.arraycopy(good, 0, padded, 0, good.length);
    WholeFragments.Scan scan = scan(padded);
    assertThat(scan.fragments()).isEqualTo(2);
    assertThat(scan.bytes()).isEqualTo(good.length);
    assertThat(scan.durationMillis()).isEqualTo(200);
    assertThat(scan.stop()).isNotNull();
  }

  @Test
  void aTrunCountLongerThanItsBoxOrSamplesOutsideTheMdatAreRefused() throws IOException {
    byte[] lying = fragment(0, 3, 3_000, 100, 0x000301);
    int trunCountAt = indexOf(lying, "trun") + 12;
    ByteBuffer.wrap(lying).putInt(trunCountAt, 1_000_000);
    WholeFragments.Scan scan = scan(lying);
    assertThat(scan.fragments()).isZero();
    assertThat(scan.stop()).contains("longer than its box");

    byte[] outside = fragment(0, 3, 3_000, 100_000, 0x000301);
    assertThat(scan(outside).stop()).contains("outside its mdat");
  }

  @Test
  void aFragmentOfATrackTheInitSegmentLacksIsRefused() throws IOException {
    WholeFragments.Tracks audioOnly = new WholeFragments.Tracks(
        Map.of(2L, new WholeFragments.Track(48_000, false, 1_024, 0)));
    Path file = write(fragment(0, 3, 3_000, 100, 0x000301));
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      assertThat(WholeFragments.scan(ch, ch.size(), audioOnly).stop()).contains("track 1 is not in the init segment");
    }
  }

  @Test
  void anInitSegmentWithoutMoovIsMalformed() throws IOException {
    Path file = write(box("ftyp", "iso6".getBytes(StandardCharsets.US_ASCII)));
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      assertThatThrownBy(() -> WholeFragments.tracks(ch)).isInstanceOf(WholeFragments.Malformed.class)
          .hasMessageContaining("no moov");
    }
  }

  private WholeFragments.Scan scan(byte[] bytes) throws IOException {
    Path file = write(bytes);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      return WholeFragments.scan(ch, ch.size(), VIDEO);
    }
  }

  private Path write(byte[] bytes) throws IOException {
    return Files.write(Files.createTempFile(tmp, "f", ".m4s"), bytes);
  }

  /** moof (mfhd, traf: tfhd default-base-is-moof, tfdt v1, trun with data offset, durations, sizes) + mdat. */
  private static byte[] fragment(long decode, int samples, int duration, int size, int trunFlags) {
    ByteBuffer trun = ByteBuffer.allocate(4 + 4 + 4 + samples * 8);
    trun.putInt(trunFlags).putInt(samples).putInt(0);
    for (int i = 0; i < samples; i++) {
      trun.putInt(duration).putInt(size);
    }
    byte[] trunBox = box("trun", trun.array());
    byte[] traf = box("traf", Payloads.bytes(box("tfhd", ByteBuffer.allocate(8).putInt(0x020000).putInt(1).array()),
        box("tfdt", ByteBuffer.allocate(12).putInt(0x01000000).putLong(decode).array()), trunBox));
    byte[] moof = box("moof", Payloads.bytes(box("mfhd", new byte[8]), traf));
    ByteBuffer.wrap(moof).putInt(indexOf(moof, "trun") + 16, moof.length + 8);
    byte[] mdat = box("mdat", new byte[samples * Math.min(size, 100)]);
    return Payloads.bytes(moof, mdat);
  }

  /** A fragment whose trun lists sizes only: durations come from the tfhd's default. */
  private static byte[] fragmentWithTfhdDefault(long decode, int samples, int duration, int size) {
    ByteBuffer trun = ByteBuffer.allocate(12 + samples * 4);
    trun.putInt(0x000201).putInt(samples).putInt(0);
    for (int i = 0; i < samples; i++) {
      trun.putInt(size);
    }
    byte[] tfhd = box("tfhd", ByteBuffer.allocate(12).putInt(0x020008).putInt(1).putInt(duration).array());
    byte[] traf = box("traf", Payloads.bytes(tfhd, box("tfdt", ByteBuffer.allocate(12).putInt(0x01000000).putLong(decode)
        .array()), box("trun", trun.array())));
    byte[] moof = box("moof", Payloads.bytes(box("mfhd", new byte[8]), traf));
    ByteBuffer.wrap(moof).putInt(indexOf(moof, "trun") + 16, moof.length + 8);
    return Payloads.bytes(moof, box("mdat", new byte[samples * size]));
  }

  private static byte[] box(String type, byte[] payload) {
    return Payloads.bytes(ByteBuffer.allocate(8).putInt(8 + payload.length).put(type.getBytes(StandardCharsets.US_ASCII))
        .array(), payload);
  }

  private static int indexOf(byte[] in, String type) {
    byte[] t = type.getBytes(StandardCharsets.US_ASCII);
    outer:
    for (int i = 0; i + 4 <= in.length; i++) {
      for (int j = 0; j < 4; j++) {
        if (in[i + j] != t[j]) {
          continue outer;
        }
      }
      return i - 4;
    }
    throw new AssertionError("no " + type);
  }

}
