package io.cascade.rtmp.amf;

import static io.cascade.rtmp.amf.AmfBytes.bytes;
import static io.cascade.rtmp.amf.AmfBytes.decode3;
import static io.cascade.rtmp.amf.AmfBytes.encode3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

class Amf3CodecTest {

  static Stream<Arguments> values() {
    return Stream.of(
        Arguments.of("undefined", Amf0.UNDEFINED),
        Arguments.of("null", null),
        Arguments.of("false", false),
        Arguments.of("true", true),
        Arguments.of("double", 1.5),
        Arguments.of("NaN", Double.NaN),
        Arguments.of("empty string", ""),
        Arguments.of("string", "live"),
        Arguments.of("multi-byte string", "h\u00e9llo \u2713 \ud83d\ude00"),
        Arguments.of("long string", "y".repeat(70_000)),
        Arguments.of("repeated strings", List.of("ab", "ab", "", "ab", "cd", "cd")),
        Arguments.of("xml", new AmfXml("<root><a/></root>")),
        Arguments.of("date", new AmfDate(1.7e12)),
        Arguments.of("dense array", Arrays.asList(1.5, "two", null, false, List.of())),
        Arguments.of("ecma array", new AmfEcmaArray().with("k", "v").with("0", 1.5)),
        Arguments.of("object", new AmfObject().with("app", "live").with("x", new AmfObject())),
        Arguments.of("objects sharing traits and strings",
            List.of(new AmfObject().with("a", "a"), new AmfObject().with("a", "b"))),
        Arguments.of("typed object",
            new AmfTypedObject("flex.messaging.messages.RemotingMessage",
                new AmfObject().with("operation", "play").with("", 2.5))),
        Arguments.of("typed objects sharing traits",
            List.of(new AmfTypedObject("P", new AmfObject().with("x", 1.5)),
                new AmfTypedObject("P", new AmfObject().with("x", 2.5)),
                new AmfTypedObject("P", new AmfObject().with("y", 2.5)))),
        Arguments.of("dictionary",
            new AmfDictionary()
                .with("k", 1.5)
                .with(2.5, "v")
                .with(new AmfObject().with("o", 1.5), null)),
        Arguments.of("63 levels deep", Amf0CodecTest.nest(63)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("values")
  void roundTrips(String name, Object value) {
    byte[] encoded = encode3(value);
    Object decoded = decode3(encoded);

    assertThat(decoded).isEqualTo(value);
    assertThat(encode3(decoded)).as("re-encoded").isEqualTo(encoded);
  }

  @Test
  void roundTripsByteArray() {
    byte[] encoded = encode3(new byte[] {1, 2, 3});

    assertThat(encoded).isEqualTo(bytes().hex("0C 07 01 02 03").toArray());
    assertThat(decode3(encoded)).isEqualTo(new byte[] {1, 2, 3});
  }

  @Test
  void emptyEcmaArrayComesBackAsEmptyList() {
    assertThat(decode3(encode3(new AmfEcmaArray()))).isEqualTo(List.of());
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({
      "04 00, 0",
      "04 7F, 127",
      "04 81 00, 128",
      "04 FF 7F, 16383",
      "04 81 80 00, 16384",
      "04 FF FF 7F, 2097151",
      "04 80 C0 80 00, 2097152",
      "04 BF FF FF FF, 268435455",
      "04 C0 80 80 00, -268435456",
      "04 FF FF FF FF, -1",
  })
  void decodesSignExtendedIntegers(String hex, int expected) {
    assertThat(decode3(bytes().hex(hex).toArray())).isEqualTo((double) expected);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({
      "0, 04 00",
      "127, 04 7F",
      "128, 04 81 00",
      "2097152, 04 80 C0 80 00",
      "268435455, 04 BF FF FF FF",
      "-268435456, 04 C0 80 80 00",
      "-1, 04 FF FF FF FF",
      "268435456, 05 41 B0 00 00 00 00 00 00",
      "-268435457, 05 C1 B0 00 00 01 00 00 00",
  })
  void encodesIntegersInTheTwentyNineBitRangeAsIntegers(long value, String hex) {
    byte[] expected = bytes().hex(hex).toArray();

    assertThat(encode3(value)).isEqualTo(expected);
    if (value == (int) value) {
      assertThat(encode3((int) value)).isEqualTo(expected);
    }
    assertThat(decode3(expected)).isEqualTo((double) value);
  }

  @Test
  void encodesDoublesAsDoublesEvenWhenIntegral() {
    assertThat(encode3(3.0)).isEqualTo(bytes().hex("05").f64(3.0).toArray());
  }

  @Test
  void stringReferences() {
    byte[] encoded = bytes().hex("09 07 01 06 05").text("ab").hex("06 00 06 01").toArray();

    assertThat(decode3(encoded)).isEqualTo(List.of("ab", "ab", ""));
    assertThat(encode3(List.of("ab", "ab", ""))).isEqualTo(encoded);
  }

  @Test
  void objectReferenceResolvesToTheEarlierInstance() {
    // The array is object #0, the inner object #1.
    byte[] encoded = bytes().hex("09 05 01 0A 0B 01 03").text("a").hex("04 01 01 0A 02").toArray();

    List<?> list = (List<?>) decode3(encoded);

    assertThat(list).hasSize(2);
    assertThat(list.get(0)).isEqualTo(new AmfObject().with("a", 1.0));
    assertThat(list.get(1)).isSameAs(list.get(0));
  }

  @Test
  void traitsAndMemberNamesByReference() {
    byte[] encoded = bytes()
        .hex("09 05 01")
        .hex("0A 0B 01 03").text("a").hex("04 01 01")
        .hex("0A 01 00 04 02 01")
        .toArray();

    assertThat(decode3(encoded))
        .isEqualTo(List.of(new AmfObject().with("a", 1.0), new AmfObject().with("a", 2.0)));
    assertThat(encode3(List.of(new AmfObject().with("a", 1), new AmfObject().with("a", 2))))
        .isEqualTo(encoded);
  }

  @Test
  void typedObjectWithSealedAndDynamicMembers() {
    byte[] encoded = bytes()
        .hex("0A 1B 07").text("Foo").hex("03").text("x")
        .hex("04 05")
        .hex("03").text("y").hex("06 03").text("z")
        .hex("01")
        .toArray();

    assertThat(decode3(encoded))
        .isEqualTo(new AmfTypedObject("Foo", new AmfObject().with("x", 5.0).with("y", "z")));
  }

  @Test
  void rejectsExternalizableObjects() {
    byte[] encoded = bytes().hex("0A 07 07").text("Foo").hex("00 01 02").toArray();

    assertThatThrownBy(() -> decode3(encoded))
        .isInstanceOf(AmfException.class)
        .hasMessageContaining("externalizable not supported")
        .hasMessageContaining("Foo");
  }

  @Test
  void dateAndItsReference() {
    byte[] encoded = bytes().hex("09 05 01 08 01").f64(86_400_000.0).hex("08 02").toArray();

    List<?> list = (List<?>) decode3(encoded);

    assertThat(list.get(0)).isEqualTo(new AmfDate(86_400_000.0));
    assertThat(list.get(1)).isSameAs(list.get(0));
  }

  @Test
  void bothXmlTypes() {
    byte[] encoded = bytes()
        .hex("09 07 01")
        .hex("07 09").text("<a/>")
        .hex("0B 09").text("<b/>")
        .hex("0B 02")
        .toArray();

    assertThat(decode3(encoded))
        .isEqualTo(List.of(new AmfXml("<a/>"), new AmfXml("<b/>"), new AmfXml("<a/>")));
  }

  @Test
  void byteArrayReference() {
    List<?> list = (List<?>) decode3(bytes().hex("09 05 01 0C 05 AA BB 0C 02").toArray());

    assertThat((byte[]) list.get(0)).containsExactly(0xAA, 0xBB);
    assertThat(list.get(1)).isSameAs(list.get(0));
  }

  @Test
  void arrayWithNamedAndDenseEntries() {
    byte[] encoded = bytes().hex("09 05 03").text("k").hex("06 03").text("v").hex("01 04 01 04 02")
        .toArray();

    Object decoded = decode3(encoded);

    assertThat(decoded).isInstanceOf(AmfEcmaArray.class);
    assertThat((AmfEcmaArray) decoded)
        .containsExactly(Map.entry("k", "v"), Map.entry("0", 1.0), Map.entry("1", 2.0));
  }

  @Test
  void vectors() {
    assertThat(decode3(bytes().hex("0D 05 00 00000001 FFFFFFFF").toArray()))
        .isEqualTo(List.of(1.0, -1.0));
    assertThat(decode3(bytes().hex("0E 05 01 00000001 FFFFFFFF").toArray()))
        .isEqualTo(List.of(1.0, 4294967295.0));
    assertThat(decode3(bytes().hex("0F 03 00").f64(2.5).toArray()))
        .isEqualTo(List.of(2.5));
    assertThat(decode3(bytes().hex("10 05 00 03 2A 06 03 61 01").toArray()))
        .isEqualTo(Arrays.asList("a", null));
    List<?> referenced =
        (List<?>) decode3(bytes().hex("09 05 01 0D 03 00 00000007 0D 02").toArray());
    assertThat(referenced.get(1)).isSameAs(referenced.get(0));
  }

  @Test
  void dictionary() {
    byte[] encoded = bytes()
        .hex("11 05 00")
        .hex("06 03").text("k").hex("04 01")
        .hex("04 02 06 03").text("v")
        .toArray();

    assertThat(decode3(encoded)).isEqualTo(new AmfDictionary().with("k", 1.0).with(2.0, "v"));
  }

  @Test
  void rejectsReferencesPastTheirTables() {
    assertThatThrownBy(() -> decode3(bytes().hex("06 02").toArray()))
        .isInstanceOf(AmfException.class).hasMessageContaining("string reference #1");
    assertThatThrownBy(() -> decode3(bytes().hex("0A 05").toArray()))
        .isInstanceOf(AmfException.class).hasMessageContaining("traits reference #1");
    assertThatThrownBy(() -> decode3(bytes().hex("09 04").toArray()))
        .isInstanceOf(AmfException.class).hasMessageContaining("object reference #2");
  }

  @Test
  void rejectsCycles() {
    assertThatThrownBy(() -> decode3(bytes().hex("09 03 01 09 00").toArray()))
        .isInstanceOf(AmfException.class).hasMessageContaining("cyclic");
  }

  @Test
  void rejectsUnknownMarker() {
    assertThatThrownBy(() -> decode3(bytes().hex("12").toArray()))
        .isInstanceOf(AmfException.class).hasMessageContaining("0x12");
  }

  @Test
  void decodeAllGivesEachValueFreshTables() {
    byte[] twoStrings = bytes().hex("06 03 61 06 03 61").toArray();
    ByteBuf in = Unpooled.wrappedBuffer(twoStrings);
    try {
      assertThat(Amf3Decoder.decodeAll(in, AmfBytes.LIMITS)).containsExactly("a", "a");
    } finally {
      in.release();
    }
    byte[] two = AmfBytes.encode(out -> Amf3Encoder.encodeAll(out, "a", "a"));
    assertThat(two).isEqualTo(twoStrings);
  }

  @Test
  void encoderRejectsWhatAmf3CannotCarry() {
    assertThatThrownBy(() -> encode3(new AmfObject().with("", 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> encode3(new AmfEcmaArray().with("", 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    assertThatThrownBy(() -> encode3(Map.of(1, 1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("strings");
    assertThatThrownBy(() -> encode3(List.of(new Object())))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("java.lang.Object");
  }
}
