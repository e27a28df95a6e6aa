package io.cascade.rtmp.amf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * Decodes fuzzed bytes as AMF0 and as AMF3 under small limits and checks that the only failure is
 * an {@link AmfException} that leaves the reader index where it was; that a success consumed the
 * whole buffer and built no more than the limits allow, counting every reference as written out
 * (the walk that checks this is itself bounded, so a limit that fails shows as a failure, not a
 * hang); and that encoding the result and decoding it again gives the same value.
 */
class AmfFuzzTest {
  /** Small enough that the fuzzer reaches every bound with inputs of a few KiB. */
  private static final AmfLimits LIMITS = new AmfLimits(8, 256, 512);

  @FuzzTest
  void amf0(byte[] input) {
    check(input, Amf0Decoder::decodeAll, AmfFuzzTest::encodeAmf0);
  }

  @FuzzTest
  void amf3(byte[] input) {
    check(input, Amf3Decoder::decodeAll, AmfFuzzTest::encodeAmf3);
  }

  private interface Encoder {
    void encode(ByteBuf out, List<Object> values);
  }

  private static void encodeAmf0(ByteBuf out, List<Object> values) {
    Amf0Encoder.encodeAll(out, values.toArray());
  }

  private static void encodeAmf3(ByteBuf out, List<Object> values) {
    Amf3Encoder.encodeAll(out, values.toArray());
  }

  private static void check(byte[] input, BiFunction<ByteBuf, AmfLimits, List<Object>> decoder, Encoder encoder) {
    ByteBuf in = Unpooled.wrappedBuffer(input);
    List<Object> values;
    try {
      values = decoder.apply(in, LIMITS);
    } catch (AmfException e) {
      assertThat(in.readerIndex()).as("reader index after %s", e.getMessage()).isZero();
      return;
    }
    assertThat(in.isReadable()).as("bytes left after a successful decode").isFalse();
    String canonical = Canonical.of(values, LIMITS);

    ByteBuf again = Unpooled.buffer(input.length * 2 + 16);
    try {
      encoder.encode(again, values);
      // References are written out in full on the way back, so the copy may exceed the small limits.
      List<Object> decodedAgain = decoder.apply(again, AmfLimits.DEFAULTS);
      assertThat(Canonical.of(decodedAgain, AmfLimits.DEFAULTS)).as("decode(encode(decode(input)))")
          .isEqualTo(canonical);
    } finally {
      again.release();
    }
  }

  /**
   * A text form of a decoded value that tells every type and number apart (byte arrays by content,
   * -0.0 from 0.0), built by a walk that stops with a failure once it has seen more values or
   * levels than the limits allow.
   */
  private static final class Canonical {
    private final AmfLimits limits;
    private final StringBuilder out = new StringBuilder();
    private long values;

    private Canonical(AmfLimits limits) {
      this.limits = limits;
    }

    static String of(List<Object> topLevel, AmfLimits limits) {
      Canonical c = new Canonical(limits);
      for (Object value : topLevel) {
        c.walk(value, 0);
        c.out.append(';');
      }
      return c.out.toString();
    }

    private void walk(Object value, int depth) {
      if (++values > limits.maxElements()) {
        fail("decoded more than " + limits.maxElements() + " values: " + out.substring(0, Math.min(200, out.length())));
      }
      if (value instanceof String s) {
        assertThat(s.length()).as("string length").isLessThanOrEqualTo(limits.maxStringLength());
        out.append("s\"").append(s).append('"');
      } else if (value instanceof Double d) {
        out.append("d").append(d);
      } else if (value == null || value instanceof Boolean || value == Amf0.UNDEFINED || value instanceof AmfDate
          || value instanceof AmfXml) {
        out.append(value);
      } else if (value instanceof byte[] bytes) {
        assertThat(bytes.length).as("byte array length").isLessThanOrEqualTo(limits.maxStringLength());
        out.append("b").append(HexFormat.of().formatHex(bytes));
      } else if (value instanceof AmfTypedObject typed) {
        out.append("t\"").append(typed.className()).append('"');
        container(typed.properties(), depth);
      } else if (value instanceof Map<?, ?> map) {
        out.append(value instanceof AmfEcmaArray ? "e" : value instanceof AmfDictionary ? "m" : "o");
        container(map, depth);
      } else if (value instanceof List<?> list) {
        enter(depth);
        out.append('[');
        for (Object element : list) {
          walk(element, depth + 1);
          out.append(',');
        }
        out.append(']');
      } else {
        fail("unexpected decoded type " + value.getClass().getName());
      }
    }

    private void container(Map<?, ?> map, int depth) {
      enter(depth);
      out.append('{');
      for (Map.Entry<?, ?> e : map.entrySet()) {
        if (e.getKey() instanceof String name) {
          out.append(name);
        } else {
          // Dictionary keys are values of their own.
          walk(e.getKey(), depth + 1);
        }
        out.append('=');
        walk(e.getValue(), depth + 1);
        out.append(',');
      }
      out.append('}');
    }

    private void enter(int depth) {
      if (depth + 1 > limits.maxDepth()) {
        fail("decoded value nested deeper than " + limits.maxDepth() + " levels");
      }
    }
  }
}
