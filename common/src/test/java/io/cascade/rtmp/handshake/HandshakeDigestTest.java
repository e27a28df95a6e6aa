package io.cascade.rtmp.handshake;

import static io.cascade.rtmp.handshake.FlashReference.DIGEST_FIRST_BASE;
import static io.cascade.rtmp.handshake.FlashReference.FMS_FULL;
import static io.cascade.rtmp.handshake.FlashReference.FMS_TEXT;
import static io.cascade.rtmp.handshake.FlashReference.FP_FULL;
import static io.cascade.rtmp.handshake.FlashReference.FP_TEXT;
import static io.cascade.rtmp.handshake.FlashReference.KEY_FIRST_BASE;
import static io.cascade.rtmp.handshake.FlashReference.SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.rtmp.handshake.HandshakeDigest.Layout;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class HandshakeDigestTest {
  private final Random random = new Random(42);

  private static int base(Layout layout) {
    return layout == Layout.DIGEST_FIRST ? DIGEST_FIRST_BASE : KEY_FIRST_BASE;
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void findsFlashClientDigestInEachLayout(Layout layout) {
    byte[] c1 = FlashReference.flashC1(random, base(layout));

    assertThat(HandshakeDigest.findClientDigest(c1)).isEqualTo(layout);
    assertThat(HandshakeDigest.digest(c1, layout))
        .isEqualTo(FlashReference.digestAt(c1, base(layout)));
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void findsServerDigestInEachLayout(Layout layout) {
    byte[] s1 = FlashReference.fmsS1(random, base(layout));

    assertThat(HandshakeDigest.findServerDigest(s1)).isEqualTo(layout);
    assertThat(HandshakeDigest.findClientDigest(s1)).isNull();
  }

  @Test
  void offsetIsSumOfFourBytesModulo728PlusBlockStartPlusFour() {
    byte[] packet = new byte[SIZE];
    packet[8] = (byte) 0xFF;
    packet[9] = (byte) 0xFF;
    packet[10] = (byte) 0xFF;
    packet[11] = (byte) 0x04;
    packet[772] = 1;
    packet[775] = 2;

    assertThat(Layout.DIGEST_FIRST.digestOffset(packet)).isEqualTo((255 * 3 + 4) % 728 + 12);
    assertThat(Layout.KEY_FIRST.digestOffset(packet)).isEqualTo(3 + 776);
  }

  @Test
  void largestOffsetsEndTheDigestInsideItsBlock() {
    byte[] packet = new byte[SIZE];
    // Byte sum 727 is the largest remainder: digests end at 771 and 1535, inside their blocks.
    packet[8] = (byte) 255;
    packet[9] = (byte) 255;
    packet[10] = (byte) 217;
    assertThat(Layout.DIGEST_FIRST.digestOffset(packet)).isEqualTo(739);

    packet[772] = (byte) 255;
    packet[773] = (byte) 255;
    packet[774] = (byte) 217;
    assertThat(Layout.KEY_FIRST.digestOffset(packet)).isEqualTo(1503);
  }

  @Test
  void randomOrTamperedPacketHasNoDigest() {
    byte[] c1 = FlashReference.randomBytes(random, SIZE);
    assertThat(HandshakeDigest.findClientDigest(c1)).isNull();

    byte[] signed = FlashReference.flashC1(random, DIGEST_FIRST_BASE);
    signed[SIZE - 1] ^= 1;
    assertThat(HandshakeDigest.findClientDigest(signed)).isNull();
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void writtenDigestsMatchTheReference(Layout layout) {
    byte[] c1 = FlashReference.randomBytes(random, SIZE);
    HandshakeDigest.writeClientDigest(c1, layout);
    assertThat(FlashReference.hasDigest(c1, FP_TEXT, base(layout))).isTrue();

    byte[] s1 = FlashReference.randomBytes(random, SIZE);
    HandshakeDigest.writeServerDigest(s1, layout);
    assertThat(FlashReference.hasDigest(s1, FMS_TEXT, base(layout))).isTrue();
  }

  @Test
  void signaturesMatchTheReference() {
    byte[] peerDigest = FlashReference.randomBytes(random, 32);

    byte[] s2 = FlashReference.randomBytes(random, SIZE);
    HandshakeDigest.signS2(s2, peerDigest);
    FlashReference.assertSigned(s2, FMS_FULL, peerDigest);

    byte[] c2 = FlashReference.randomBytes(random, SIZE);
    HandshakeDigest.signC2(c2, peerDigest);
    FlashReference.assertSigned(c2, FP_FULL, peerDigest);
  }

  @Test
  void versionFieldDecidesTheScheme() {
    byte[] packet = new byte[SIZE];
    assertThat(HandshakeDigest.hasVersion(packet)).isFalse();
    packet[7] = 1;
    assertThat(HandshakeDigest.hasVersion(packet)).isTrue();
  }
}
