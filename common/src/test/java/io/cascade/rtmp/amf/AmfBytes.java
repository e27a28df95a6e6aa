package io.cascade.rtmp.amf;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;

/** Hand-written AMF bytes, and codec calls on byte arrays that release every buffer they use. */
final class AmfBytes {
  /**
   * The limits the codec tests decode with: 64 levels, 1 MiB strings, 65,536 values, pinned here so
   * that the tests of nesting and budgets do not follow the configured defaults.
   */
  static final AmfLimits LIMITS = new AmfLimits(64, 1 << 20, 65_536);

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static AmfBytes bytes() {
    return new AmfBytes();
  }

  /** Hex digits; spaces are ignored. */
  AmfBytes hex(String hex) {
    out.writeBytes(HexFormat.of().parseHex(hex.replace(" ", "")));
    return this;
  }

  AmfBytes repeat(int times, String hex) {
    for (int i = 0; i < times; i++) {
      hex(hex);
    }
    return this;
  }

  AmfBytes u8(int value) {
    out.write(value);
    return this;
  }

  AmfBytes u16(int value) {
    out.write(value >>> 8);
    out.write(value);
    return this;
  }

  AmfBytes u32(long value) {
    u16((int) (value >>> 16));
    return u16((int) value);
  }

  AmfBytes f64(double value) {
    long bits = Double.doubleToLongBits(value);
    u32(bits >>> 32);
    return u32(bits);
  }

  /** Raw UTF-8 bytes, no length. */
  AmfBytes text(String text) {
    out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    return this;
  }

  /** AMF0 UTF-8: U16 length, then the bytes. */
  AmfBytes utf8(String text) {
    return u16(text.getBytes(StandardCharsets.UTF_8).length).text(text);
  }

  /** An AMF0 string value. */
  AmfBytes amf0String(String text) {
    return u8(Amf0.STRING).utf8(text);
  }

  /** An AMF0 number value. */
  AmfBytes amf0Number(double value) {
    return u8(Amf0.NUMBER).f64(value);
  }

  AmfBytes objectEnd() {
    return hex("00 00 09");
  }

  byte[] toArray() {
    return out.toByteArray();
  }

  static byte[] encode0(Object... values) {
    return encode(out -> Amf0Encoder.encodeAll(out, values));
  }

  static byte[] encode3(Object value) {
    return encode(out -> Amf3Encoder.encode(out, value));
  }

  static byte[] encode(Consumer<ByteBuf> encoder) {
    ByteBuf out = Unpooled.buffer();
    try {
      encoder.accept(out);
      return ByteBufUtil.getBytes(out);
    } finally {
      out.release();
    }
  }

  static Object decode0(byte[] bytes) {
    return decodeFully(bytes, in -> Amf0Decoder.decode(in, LIMITS));
  }

  static Object decode0(byte[] bytes, AmfLimits limits) {
    return decodeFully(bytes, in -> Amf0Decoder.decode(in, limits));
  }

  static List<Object> decodeAll0(byte[] bytes) {
    return decodeFully(bytes, in -> Amf0Decoder.decodeAll(in, LIMITS));
  }

  static Object decode3(byte[] bytes) {
    return decodeFully(bytes, in -> Amf3Decoder.decode(in, LIMITS));
  }

  static Object decode3(byte[] bytes, AmfLimits limits) {
    return decodeFully(bytes, in -> Amf3Decoder.decode(in, limits));
  }

  /** Decodes and checks that the value used every byte; on failure checks the rewind. */
  static <T> T decodeFully(byte[] bytes, Function<ByteBuf, T> decoder) {
    ByteBuf in = Unpooled.wrappedBuffer(bytes);
    try {
      T value = decoder.apply(in);
      assertThat(in.readableBytes()).as("bytes left after the value").isZero();
      return value;
    } catch (AmfException e) {
      assertThat(in.readerIndex()).as("reader index after a failure").isZero();
      throw e;
    } finally {
      in.release();
    }
  }
}
