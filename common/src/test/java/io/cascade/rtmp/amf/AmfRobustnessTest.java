package io.cascade.rtmp.amf;

import static io.cascade.rtmp.amf.AmfBytes.bytes;
import static io.cascade.rtmp.amf.AmfBytes.decode0;
import static io.cascade.rtmp.amf.AmfBytes.decode3;
import static io.cascade.rtmp.amf.AmfBytes.decodeAll0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Hostile input: deep nesting, huge claims, truncation, reference bombs and random bytes. */
class AmfRobustnessTest {
  private static final Function<ByteBuf, Object> AMF0 =
      in -> Amf0Decoder.decode(in, AmfBytes.LIMITS);
  private static final Function<ByteBuf, Object> AMF3 =
      in -> Amf3Decoder.decode(in, AmfBytes.LIMITS);

  static Stream<Arguments> deeplyNested() {
    return Stream.of(
        Arguments.of("AMF0 objects", AMF0, bytes().repeat(10_000, "03 0001 61")),
        Arguments.of("AMF0 strict arrays", AMF0, bytes().repeat(10_000, "0A 00000001")),
        Arguments.of("AMF0 ECMA arrays", AMF0, bytes().repeat(10_000, "08 00000000 0001 61")),
        Arguments.of("AMF0 typed objects", AMF0, bytes().repeat(10_000, "10 0001 54 0001 61")),
        Arguments.of("AMF0 then AMF3 arrays", AMF0,
            bytes().repeat(40, "0A 00000001").hex("11").repeat(10_000, "09 03 01")),
        Arguments.of("AMF3 dense arrays", AMF3, bytes().repeat(10_000, "09 03 01")),
        Arguments.of("AMF3 associative arrays", AMF3,
            bytes().hex("09 01 03 61").repeat(9_999, "09 01 00")),
        Arguments.of("AMF3 objects", AMF3, bytes().hex("0A 0B 01 03 61").repeat(9_999, "0A 01 00")),
        Arguments.of("AMF3 typed objects", AMF3,
            bytes().hex("0A 13 03 54 03 61").repeat(9_999, "0A 01")),
        Arguments.of("AMF3 object vectors", AMF3, bytes().repeat(10_000, "10 03 00 01")),
        Arguments.of("AMF3 dictionaries", AMF3, bytes().repeat(10_000, "11 03 00 01")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("deeplyNested")
  void tenThousandLevelsFailCleanly(
      String name, Function<ByteBuf, Object> decoder, AmfBytes input) {
    assertThatThrownBy(() -> AmfBytes.decodeFully(input.toArray(), decoder))
        .isInstanceOf(AmfException.class)
        .hasMessageContaining("deeper than 64");
  }

  /** v0 = {a: null}, then each vN = {a: v(N-1)} by reference: nesting grows by one per value. */
  private static byte[] referenceChain(int values) {
    AmfBytes chain = bytes().hex("03").utf8("a").hex("05").objectEnd();
    for (int i = 1; i < values; i++) {
      chain.hex("03").utf8("a").hex("07").u16(i - 1).objectEnd();
    }
    return chain.toArray();
  }

  @Test
  void referencesCountTowardsTheDepthOfWhereTheyAppear() {
    assertThat(decodeAll0(referenceChain(64))).hasSize(64);
    assertThatThrownBy(() -> decodeAll0(referenceChain(65)))
        .isInstanceOf(AmfException.class)
        .hasMessageContaining("deeper than 64");
  }

  @Test
  void amf0ReferenceBombExceedsTheValueBudget() {
    // Each value refers twice to the one before it: 40 values would expand to 2^40 when walked.
    AmfBytes bomb = bytes().hex("03").utf8("a").hex("05").objectEnd();
    for (int i = 1; i < 40; i++) {
      bomb.hex("03").utf8("a").hex("07").u16(i - 1).utf8("b").hex("07").u16(i - 1).objectEnd();
    }

    assertThatThrownBy(() -> decodeAll0(bomb.toArray()))
        .isInstanceOf(AmfException.class)
        .hasMessageContaining("more than 65536");
  }

  @Test
  void amf3ReferenceBombExceedsTheValueBudget() {
    // Array #0 holds objects #1..#40; object #k+1 refers twice to object #k.
    AmfBytes bomb = bytes().hex("09").u8(40 << 1 | 1).hex("01").hex("0A 0B 01 01");
    bomb.hex("0A 01 03 61 0A 02 03 62 0A 02 01");
    for (int k = 2; k < 40; k++) {
      bomb.hex("0A 01 00 0A").u8(k << 1).hex("02 0A").u8(k << 1).hex("01");
    }

    assertThatThrownBy(() -> decode3(bomb.toArray()))
        .isInstanceOf(AmfException.class)
        .hasMessageContaining("more than 65536");
  }

  @Test
  void anonymousObjectWithAnEmptySealedMemberNameIsRejected() {
    // Found by AmfFuzzTest: it decoded to an AmfObject with key "", which Amf3Encoder cannot write,
    // so a publisher could make metadata re-encoding throw inside the connection.
    byte[] input = bytes().hex("0A 13 01 01 04 05").toArray();
    assertThat(failToDecode(input, AMF3).getMessage()).contains("empty string");
    // A typed object may have one: it is written back with sealed traits.
    assertThat(decode3(bytes().hex("0A 13 03 50 01 04 05").toArray()))
        .isEqualTo(new AmfTypedObject("P", new AmfObject().with("", 5.0)));
  }

  static Stream<Arguments> hugeClaims() {
    return Stream.of(
        Arguments.of("AMF0 long string of 4 GB", AMF0, "0C FFFFFFFF 616263", "exceeds the limit"),
        Arguments.of("AMF0 long string past the end", AMF0, "0C 000FFFFF 616263", "only 3 remain"),
        Arguments.of("AMF0 string past the end", AMF0, "02 FFFF 6162", "only 2 remain"),
        Arguments.of("AMF0 XML of 4 GB", AMF0, "0F FFFFFFFF 3C", "exceeds the limit"),
        Arguments.of("AMF0 strict array of 4G entries", AMF0, "0A FFFFFFFF 05",
            "4294967295 entries"),
        Arguments.of("AMF0 strict array past the end", AMF0, "0A 0000FFFF 05 05", "bytes remain"),
        Arguments.of("AMF3 string of 256 MB", AMF3, "06 FFFFFFFF 61", "exceeds the limit"),
        Arguments.of("AMF3 byte array of 256 MB", AMF3, "0C FFFFFFFF 00", "exceeds the limit"),
        Arguments.of("AMF3 XML of 256 MB", AMF3, "0B FFFFFFFF 3C", "exceeds the limit"),
        Arguments.of("AMF3 array of 2^28 entries", AMF3, "09 FFFFFFFF 01 01", "entries"),
        Arguments.of("AMF3 array past the end", AMF3, "09 87FF7F 01 01", "bytes remain"),
        Arguments.of("AMF3 int vector", AMF3, "0D FFFFFFFF 00 00000001", "entries"),
        Arguments.of("AMF3 double vector past the end", AMF3, "0F 8080 03 00", "bytes remain"),
        Arguments.of("AMF3 object vector", AMF3, "10 FFFFFFFF 00 01 01", "entries"),
        Arguments.of("AMF3 dictionary", AMF3, "11 FFFFFFFF 00 01 01", "entries"),
        Arguments.of("AMF3 sealed traits", AMF3, "0A FFFFFFF3 01 01", "entries"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hugeClaims")
  void hugeClaimsFailBeforeAllocating(
      String name, Function<ByteBuf, Object> decoder, String hex, String message) {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    assumeTrue(threads.isThreadAllocatedMemorySupported()
        && threads.isThreadAllocatedMemoryEnabled());
    byte[] input = bytes().hex(hex).toArray();
    failToDecode(input, decoder);

    long before = threads.getCurrentThreadAllocatedBytes();
    AmfException failure = failToDecode(input, decoder);
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;

    assertThat(failure).hasMessageContaining(message);
    assertThat(allocated).as("bytes allocated").isLessThan(256 * 1024);
  }

  private static AmfException failToDecode(byte[] input, Function<ByteBuf, Object> decoder) {
    ByteBuf in = Unpooled.wrappedBuffer(input);
    try {
      decoder.apply(in);
    } catch (AmfException e) {
      return e;
    } finally {
      in.release();
    }
    return fail("decoded without an error");
  }

  static Stream<Arguments> validEncodings() {
    AmfObject everything = new AmfObject()
        .with("number", 1.5)
        .with("flag", true)
        .with("text", "h\u00e9llo \ud83d\ude00")
        .with("nothing", null)
        .with("undefined", Amf0.UNDEFINED)
        .with("list", Arrays.asList(1.0, "x", List.of(), new AmfObject()))
        .with("ecma", new AmfEcmaArray().with("duration", 12.0))
        .with("date", new AmfDate(1.7e12))
        .with("xml", new AmfXml("<a/>"))
        .with("typed", new AmfTypedObject("T", new AmfObject().with("t", "t")))
        .with("bytes", new byte[] {1, 2, 3})
        .with("dictionary", new AmfDictionary().with(1.0, "one"))
        .with("again",
            List.of(new AmfObject().with("text", "text"), new AmfObject().with("text", 2)));
    byte[] connect = Amf0CodecTest.connectCommand();
    return Stream.of(
        Arguments.of("AMF0 connect object", AMF0, Arrays.copyOfRange(connect, 19, connect.length)),
        Arguments.of("AMF0 every type", AMF0, AmfBytes.encode0(everything)),
        Arguments.of("AMF0 with references", AMF0, bytes()
            .hex("0A 00000003").hex("03").utf8("a").amf0Number(1.0).objectEnd()
            .hex("07 0001").hex("11 09 05 01 06 03 61 06 00").toArray()),
        Arguments.of("AMF3 every type", AMF3, AmfBytes.encode3(everything)),
        Arguments.of("AMF3 with references", AMF3, bytes()
            .hex("09 19 01")
            .hex("0A 0B 01 03 61 04 01 01 0A 01 00 04 02 01 0A 02")
            .hex("08 01").f64(0).hex("08 06")
            .hex("0C 05 AA BB 0C 08")
            .hex("0D 03 00 00000007 0D 0A")
            .hex("0F 03 00").f64(2.5)
            .hex("10 05 00 03 2A 06 03 78 01")
            .hex("11 03 00 06 00 06 04")
            .toArray()));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validEncodings")
  void everyTruncationFailsCleanly(String name, Function<ByteBuf, Object> decoder, byte[] valid) {
    assertThat(AmfBytes.decodeFully(valid, decoder)).isNotNull();
    for (int length = 0; length < valid.length; length++) {
      ByteBuf in = Unpooled.wrappedBuffer(valid, 0, length);
      try {
        decoder.apply(in);
        fail("decoded the first " + length + " of " + valid.length + " bytes");
      } catch (AmfException expected) {
        assertThat(in.readerIndex()).isZero();
      } finally {
        in.release();
      }
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("validEncodings")
  void randomInputOnlyEverFailsWithAmfException(
      String name, Function<ByteBuf, Object> decoder, byte[] valid) {
    Random random = new Random(name.hashCode());
    for (int iteration = 0; iteration < 20_000; iteration++) {
      byte[] input = switch (iteration % 3) {
        case 0 -> randomBytes(random, 0x100);
        case 1 -> randomBytes(random, 0x13);
        default -> mutate(random, valid);
      };
      ByteBuf in = Unpooled.wrappedBuffer(input);
      try {
        Object value = decoder.apply(in);
        // Whatever decodes must be safe to walk: no cycles, bounded size and depth.
        String.valueOf(value);
        Objects.hashCode(value);
      } catch (AmfException expected) {
        assertThat(in.readerIndex()).isZero();
      } catch (RuntimeException | Error e) {
        throw new AssertionError("iteration " + iteration + " on "
            + HexFormat.of().formatHex(input), e);
      } finally {
        in.release();
      }
    }
  }

  /** Up to 64 bytes below {@code bound}; a small bound makes nearly every byte a type marker. */
  private static byte[] randomBytes(Random random, int bound) {
    byte[] bytes = new byte[random.nextInt(65)];
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = (byte) (random.nextInt(8) == 0 ? 0xFF : random.nextInt(bound));
    }
    return bytes;
  }

  private static byte[] mutate(Random random, byte[] valid) {
    byte[] bytes = valid.clone();
    for (int i = random.nextInt(4); i >= 0; i--) {
      int at = random.nextInt(bytes.length);
      switch (random.nextInt(4)) {
        case 0 -> bytes[at] = (byte) random.nextInt(0x100);
        case 1 -> bytes[at] = (byte) random.nextInt(0x13);
        case 2 -> bytes[at] = (byte) (bytes[at] ^ 1 << random.nextInt(8));
        default -> bytes = Arrays.copyOf(bytes, Math.max(1, at));
      }
    }
    return bytes;
  }
}
