package io.cascade.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Hand-built FLV tag bodies and RTMP payloads for the media and message tests. */
public final class Payloads {
  /** Bytes that look like headers, placed around the content so index mistakes show. */
  private static final byte[] JUNK = {0x17, 0x07, (byte) 0x97, (byte) 0xAF};

  private Payloads() {
  }

  /**
   * Concatenates {@code parts}: an Integer is one byte, a String its ASCII bytes (a FourCC), a
   * byte[] itself.
   */
  public static byte[] bytes(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object part : parts) {
      if (part instanceof Integer) {
        out.write((Integer) part);
      } else if (part instanceof String) {
        out.writeBytes(((String) part).getBytes(StandardCharsets.US_ASCII));
      } else {
        out.writeBytes((byte[]) part);
      }
    }
    return out.toByteArray();
  }

  /**
   * A leak-tracked direct buffer whose readable bytes are {@code content}, with junk before the
   * reader index and after the writer index.
   */
  public static ByteBuf framed(byte[] content) {
    ByteBuf buf = Unpooled.directBuffer(content.length + 2 * JUNK.length);
    buf.writeBytes(JUNK).writeBytes(content).writeBytes(JUNK);
    buf.setIndex(JUNK.length, JUNK.length + content.length);
    return buf;
  }

  public static byte[] u16(int value) {
    return new byte[] {(byte) (value >> 8), (byte) value};
  }

  public static byte[] u24(int value) {
    return new byte[] {(byte) (value >> 16), (byte) (value >> 8), (byte) value};
  }

  public static byte[] u32(long value) {
    return new byte[] {(byte) (value >> 24), (byte) (value >> 16), (byte) (value >> 8), (byte) value};
  }

  public static byte[] filled(int length, int value) {
    byte[] bytes = new byte[length];
    Arrays.fill(bytes, (byte) value);
    return bytes;
  }
}
