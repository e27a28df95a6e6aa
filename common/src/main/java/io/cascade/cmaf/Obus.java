package io.cascade.cmaf;

import io.netty.buffer.ByteBuf;

/** AV1 low-overhead bitstream helpers (AV1 §5.3): OBU sizes and temporal delimiters. */
final class Obus {
  private static final int OBU_TEMPORAL_DELIMITER = 2;
  private static final int MAX_LEB128_BYTES = 8;

  private Obus() {
  }

  /** An leb128() at {@code at}: {value, bytes read}. */
  static long[] leb128(byte[] b, int at) {
    long value = 0;
    for (int i = 0; i < MAX_LEB128_BYTES; i++) {
      if (at + i >= b.length) {
        throw new IllegalArgumentException("leb128 runs past the end");
      }
      int v = b[at + i] & 0xFF;
      value |= (long) (v & 0x7F) << (7 * i);
      if ((v & 0x80) == 0) {
        return new long[] {value, i + 1};
      }
    }
    throw new IllegalArgumentException("leb128 longer than 8 bytes");
  }

  /**
   * Bytes of leading temporal delimiter OBUs in a temporal unit (AV1-ISOBMFF §2.4: a sample should
   * carry none; FLV muxers keep them). Stops at the first other OBU, or at one it cannot size.
   */
  static int leadingTemporalDelimiters(ByteBuf buf, int from, int length) {
    int pos = 0;
    while (length - pos >= 2) {
      int header = buf.getUnsignedByte(from + pos);
      boolean hasSize = (header & 0x02) != 0;
      if ((header >> 3 & 0x0F) != OBU_TEMPORAL_DELIMITER || !hasSize || (header & 0x04) != 0) {
        break;
      }
      if (buf.getUnsignedByte(from + pos + 1) != 0) { // a temporal delimiter has an empty payload
        break;
      }
      pos += 2;
    }
    return pos;
  }
}
