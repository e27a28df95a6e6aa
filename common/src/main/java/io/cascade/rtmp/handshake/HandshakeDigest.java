package io.cascade.rtmp.handshake;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Digest math of the complex ("digest") RTMP handshake that Flash Player 9+, FMLE, ffmpeg and
 * librtmp use. Not in the published spec; these are the de facto rules every interoperable server
 * follows.
 *
 * <p>A digest-carrying C1/S1 is time(4) + version(4) + two 764-byte blocks. One block holds a
 * 32-byte HMAC-SHA256 digest of the whole packet without those 32 bytes; its position inside the
 * block is derived from the block's first four bytes. Which block comes first is the {@link Layout}.
 * C2/S2 in this mode are 1504 random bytes followed by a 32-byte signature keyed by the peer's
 * digest. All methods work on 1536-byte packets without the C0/S0 version byte.
 */
public final class HandshakeDigest {
  /** Size of C1, C2, S1 and S2. */
  public static final int PACKET_SIZE = 1536;
  /** Size of an HMAC-SHA256 digest or signature. */
  public static final int DIGEST_SIZE = 32;

  private static final String HMAC = "HmacSHA256";
  private static final int SIGNED_LENGTH = PACKET_SIZE - DIGEST_SIZE;
  /** Block size 764 minus the 4 offset bytes and the digest itself. */
  private static final int OFFSET_MODULUS = 728;

  /** Shared tail of both keys. */
  private static final byte[] KEY_TAIL = {
      (byte) 0xF0, (byte) 0xEE, (byte) 0xC2, (byte) 0x4A, (byte) 0x80, (byte) 0x68, (byte) 0xBE, (byte) 0xE8,
      (byte) 0x2E, (byte) 0x00, (byte) 0xD0, (byte) 0xD1, (byte) 0x02, (byte) 0x9E, (byte) 0x7E, (byte) 0x57,
      (byte) 0x6E, (byte) 0xEC, (byte) 0x5D, (byte) 0x2D, (byte) 0x29, (byte) 0x80, (byte) 0x6F, (byte) 0xAB,
      (byte) 0x93, (byte) 0xB8, (byte) 0xE6, (byte) 0x36, (byte) 0xCF, (byte) 0xEB, (byte) 0x31, (byte) 0xAE};
  private static final String PLAYER_TEXT = "Genuine Adobe Flash Player 001";
  private static final String SERVER_TEXT = "Genuine Adobe Flash Media Server 001";
  /** Full player key; its first 30 bytes (the text) sign C1. */
  private static final byte[] PLAYER_KEY = key(PLAYER_TEXT);
  private static final int PLAYER_KEY_SHORT = PLAYER_TEXT.length();
  /** Full server key; its first 36 bytes (the text) sign S1. */
  private static final byte[] SERVER_KEY = key(SERVER_TEXT);
  private static final int SERVER_KEY_SHORT = SERVER_TEXT.length();

  private HandshakeDigest() {}

  /** Where the digest block sits in C1/S1. */
  public enum Layout {
    /** Digest block at offset 8, key block after it; what Flash Player 9, ffmpeg and librtmp send. */
    DIGEST_FIRST(8),
    /** Key block at offset 8, digest block at 772. */
    KEY_FIRST(772);

    private final int blockStart;

    Layout(int blockStart) {
      this.blockStart = blockStart;
    }

    /** Position of the 32 digest bytes in {@code packet}, read from the block's offset bytes. */
    public int digestOffset(byte[] packet) {
      int sum = 0;
      for (int i = blockStart; i < blockStart + 4; i++) {
        sum += packet[i] & 0xFF;
      }
      return sum % OFFSET_MODULUS + blockStart + 4;
    }
  }

  /**
   * True if the 4-byte version field of C1/S1 (the spec's zero field) is set: digest-capable peers
   * put their version there, so a zero field means the plain handshake.
   */
  public static boolean hasVersion(byte[] packet) {
    return (packet[4] | packet[5] | packet[6] | packet[7]) != 0;
  }

  /** The layout whose digest in {@code c1} verifies with the Flash Player key, or null if none. */
  public static Layout findClientDigest(byte[] c1) {
    return find(c1, PLAYER_KEY, PLAYER_KEY_SHORT);
  }

  /** The layout whose digest in {@code s1} verifies with the Flash Media Server key, or null. */
  public static Layout findServerDigest(byte[] s1) {
    return find(s1, SERVER_KEY, SERVER_KEY_SHORT);
  }

  /** Writes the client digest into {@code c1}; everything else in the packet must be final. */
  public static void writeClientDigest(byte[] c1, Layout layout) {
    int offset = layout.digestOffset(c1);
    System.arraycopy(packetDigest(c1, offset, PLAYER_KEY, PLAYER_KEY_SHORT), 0, c1, offset, DIGEST_SIZE);
  }

  /** Writes the server digest into {@code s1}; everything else in the packet must be final. */
  public static void writeServerDigest(byte[] s1, Layout layout) {
    int offset = layout.digestOffset(s1);
    System.arraycopy(packetDigest(s1, offset, SERVER_KEY, SERVER_KEY_SHORT), 0, s1, offset, DIGEST_SIZE);
  }

  /** A copy of the 32 digest bytes of {@code packet} in the given layout. */
  public static byte[] digest(byte[] packet, Layout layout) {
    int offset = layout.digestOffset(packet);
    return Arrays.copyOfRange(packet, offset, offset + DIGEST_SIZE);
  }

  /**
   * Signs S2: its last 32 bytes become HMAC(HMAC(full server key, client digest), first 1504
   * bytes). The first 1504 bytes must already be filled.
   */
  public static void signS2(byte[] s2, byte[] clientDigest) {
    sign(s2, hmac(SERVER_KEY, SERVER_KEY.length, clientDigest));
  }

  /** Signs C2 like {@link #signS2} but keyed by the full player key and the server digest. */
  public static void signC2(byte[] c2, byte[] serverDigest) {
    sign(c2, hmac(PLAYER_KEY, PLAYER_KEY.length, serverDigest));
  }

  private static Layout find(byte[] packet, byte[] key, int keyLength) {
    for (Layout layout : Layout.values()) {
      int offset = layout.digestOffset(packet);
      byte[] expected = packetDigest(packet, offset, key, keyLength);
      if (Arrays.equals(expected, 0, DIGEST_SIZE, packet, offset, offset + DIGEST_SIZE)) {
        return layout;
      }
    }
    return null;
  }

  private static byte[] packetDigest(byte[] packet, int digestOffset, byte[] key, int keyLength) {
    Mac mac = mac(key, keyLength);
    mac.update(packet, 0, digestOffset);
    int after = digestOffset + DIGEST_SIZE;
    mac.update(packet, after, PACKET_SIZE - after);
    return mac.doFinal();
  }

  private static void sign(byte[] packet, byte[] signingKey) {
    Mac mac = mac(signingKey, signingKey.length);
    mac.update(packet, 0, SIGNED_LENGTH);
    try {
      mac.doFinal(packet, SIGNED_LENGTH);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static byte[] hmac(byte[] key, int keyLength, byte[] data) {
    return mac(key, keyLength).doFinal(data);
  }

  private static Mac mac(byte[] key, int keyLength) {
    try {
      Mac mac = Mac.getInstance(HMAC);
      mac.init(new SecretKeySpec(key, 0, keyLength, HMAC));
      return mac;
    } catch (GeneralSecurityException e) {
      // Every Java runtime ships HmacSHA256.
      throw new IllegalStateException(e);
    }
  }

  private static byte[] key(String text) {
    byte[] key = Arrays.copyOf(text.getBytes(StandardCharsets.US_ASCII),
        text.length() + KEY_TAIL.length);
    System.arraycopy(KEY_TAIL, 0, key, text.length(), KEY_TAIL.length);
    return key;
  }
}
