package io.cascade.rtmp.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Digest handshake math written out again, straight from the de facto rules and independent of
 * {@link HandshakeDigest}, so tests check the production code against it rather than itself.
 * Also small EmbeddedChannel helpers.
 */
final class FlashReference {
  static final int SIZE = 1536;
  static final int DIGEST_FIRST_BASE = 8;
  static final int KEY_FIRST_BASE = 772;

  private static final byte[] TAIL = HexFormat.of().parseHex(
      "f0eec24a8068bee82e00d0d1029e7e576eec5d2d29806fab93b8e636cfeb31ae");
  static final byte[] FP_TEXT = "Genuine Adobe Flash Player 001".getBytes(StandardCharsets.US_ASCII);
  static final byte[] FMS_TEXT =
      "Genuine Adobe Flash Media Server 001".getBytes(StandardCharsets.US_ASCII);
  static final byte[] FP_FULL = concat(FP_TEXT, TAIL);
  static final byte[] FMS_FULL = concat(FMS_TEXT, TAIL);

  private FlashReference() {}

  static int digestOffset(byte[] packet, int base) {
    int sum = (packet[base] & 0xFF) + (packet[base + 1] & 0xFF) + (packet[base + 2] & 0xFF)
        + (packet[base + 3] & 0xFF);
    return sum % 728 + base + 4;
  }

  static byte[] hmac(byte[] key, byte[]... parts) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      for (byte[] part : parts) {
        mac.update(part);
      }
      return mac.doFinal();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** HMAC over the packet without the 32 bytes at {@code offset}. */
  static byte[] packetHmac(byte[] key, byte[] packet, int offset) {
    return hmac(key, Arrays.copyOfRange(packet, 0, offset),
        Arrays.copyOfRange(packet, offset + 32, SIZE));
  }

  static byte[] digestAt(byte[] packet, int base) {
    int offset = digestOffset(packet, base);
    return Arrays.copyOfRange(packet, offset, offset + 32);
  }

  /** C1 as Flash Player 10 sends it: version 10.0.45.2, player digest in the given layout. */
  static byte[] flashC1(Random random, int base) {
    byte[] c1 = randomBytes(random, SIZE);
    Arrays.fill(c1, 0, 4, (byte) 0);
    c1[4] = 10;
    c1[5] = 0;
    c1[6] = 45;
    c1[7] = 2;
    int offset = digestOffset(c1, base);
    System.arraycopy(packetHmac(FP_TEXT, c1, offset), 0, c1, offset, 32);
    return c1;
  }

  /** S1 as a Flash Media Server sends it: server digest in the given layout. */
  static byte[] fmsS1(Random random, int base) {
    byte[] s1 = randomBytes(random, SIZE);
    s1[4] = 3;
    s1[5] = 5;
    s1[6] = 1;
    s1[7] = 1;
    int offset = digestOffset(s1, base);
    System.arraycopy(packetHmac(FMS_TEXT, s1, offset), 0, s1, offset, 32);
    return s1;
  }

  static boolean hasDigest(byte[] packet, byte[] shortKey, int base) {
    int offset = digestOffset(packet, base);
    return Arrays.equals(packetHmac(shortKey, packet, offset),
        Arrays.copyOfRange(packet, offset, offset + 32));
  }

  /** Checks the last 32 bytes of an S2/C2 against HMAC(HMAC(fullKey, peerDigest), first 1504). */
  static void assertSigned(byte[] response, byte[] fullKey, byte[] peerDigest) {
    byte[] signature = hmac(hmac(fullKey, peerDigest), Arrays.copyOfRange(response, 0, SIZE - 32));
    assertThat(Arrays.copyOfRange(response, SIZE - 32, SIZE)).isEqualTo(signature);
  }

  static byte[] randomBytes(Random random, int length) {
    byte[] bytes = new byte[length];
    random.nextBytes(bytes);
    return bytes;
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }

  static byte[] range(byte[] bytes, int from, int length) {
    return Arrays.copyOfRange(bytes, from, from + length);
  }

  /** All outbound buffers of the channel, concatenated and released. */
  static byte[] drainOutbound(EmbeddedChannel channel) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ByteBuf buf; (buf = channel.readOutbound()) != null; ) {
      out.writeBytes(bytes(buf));
    }
    return out.toByteArray();
  }

  /** All inbound buffers that passed the handlers, concatenated and released. */
  static byte[] drainInbound(EmbeddedChannel channel) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ByteBuf buf; (buf = channel.readInbound()) != null; ) {
      out.writeBytes(bytes(buf));
    }
    return out.toByteArray();
  }

  private static byte[] bytes(ByteBuf buf) {
    try {
      byte[] bytes = new byte[buf.readableBytes()];
      buf.readBytes(bytes);
      return bytes;
    } finally {
      buf.release();
    }
  }

  /** Writes {@code bytes} inbound in pieces of the given sizes, cycling through them. */
  static void writeInFragments(EmbeddedChannel channel, byte[] bytes, int... sizes) {
    int position = 0;
    for (int i = 0; position < bytes.length; i++) {
      int length = Math.min(sizes[i % sizes.length], bytes.length - position);
      channel.writeInbound(Unpooled.copiedBuffer(bytes, position, length));
      position += length;
    }
  }
}
