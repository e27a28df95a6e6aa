package io.cascade.cmaf;

import java.util.Arrays;

/**
 * Reads a bit string most significant bit first: fixed-width fields, Exp-Golomb codes (H.264/HEVC
 * {@code ue(v)}, {@code se(v)}) and AV1's {@code uvlc()}. Running past the end is a malformed
 * header: {@link IllegalArgumentException}, never a partial value.
 */
final class BitReader {
  private final byte[] data;
  private final int limitBits;
  private int bit;

  BitReader(byte[] data) {
    this.data = data;
    this.limitBits = data.length * 8;
  }

  /**
   * The RBSP of an H.264 / HEVC NAL unit: its bytes from {@code from} with every emulation prevention
   * byte (the 0x03 of 0x000003) removed.
   */
  static byte[] unescapeRbsp(byte[] nal, int from) {
    byte[] out = new byte[Math.max(0, nal.length - from)];
    int n = 0;
    int zeros = 0;
    for (int i = from; i < nal.length; i++) {
      int b = nal[i] & 0xFF;
      if (zeros >= 2 && b == 3) {
        zeros = 0;
        continue;
      }
      zeros = b == 0 ? zeros + 1 : 0;
      out[n++] = (byte) b;
    }
    return Arrays.copyOf(out, n);
  }

  int bits(int count) {
    if (count < 0 || count > 32) {
      throw new IllegalArgumentException("bad field width " + count);
    }
    if (limitBits - bit < count) {
      throw new IllegalArgumentException("header ends after " + limitBits + " bits, needs " + (bit + count));
    }
    long value = 0;
    for (int i = 0; i < count; i++) {
      value = value << 1 | (data[bit >> 3] >> (7 - (bit & 7)) & 1);
      bit++;
    }
    return (int) value;
  }

  long bitsLong(int count) {
    return count <= 32 ? bits(count) & 0xFFFFFFFFL : (long) bits(count - 32) << 32 | bits(32) & 0xFFFFFFFFL;
  }

  boolean flag() {
    return bits(1) == 1;
  }

  void skip(int count) {
    if (limitBits - bit < count) {
      throw new IllegalArgumentException("header ends after " + limitBits + " bits, needs " + (bit + count));
    }
    bit += count;
  }

  /** Unsigned Exp-Golomb, ue(v). */
  int ue() {
    int zeros = 0;
    while (bits(1) == 0) {
      if (++zeros > 31) {
        throw new IllegalArgumentException("Exp-Golomb code longer than 32 bits");
      }
    }
    return (int) ((1L << zeros) - 1 + (bits(zeros) & 0xFFFFFFFFL));
  }

  /** Signed Exp-Golomb, se(v). */
  int se() {
    int k = ue();
    return (k & 1) == 1 ? (k + 1) / 2 : -(k / 2);
  }

  /** AV1 uvlc() (AV1 §4.10.3). */
  long uvlc() {
    int zeros = 0;
    while (bits(1) == 0) {
      zeros++;
      if (zeros > 40) {
        throw new IllegalArgumentException("uvlc code too long");
      }
    }
    if (zeros >= 32) {
      return (1L << 32) - 1;
    }
    return bitsLong(zeros) + (1L << zeros) - 1;
  }
}
