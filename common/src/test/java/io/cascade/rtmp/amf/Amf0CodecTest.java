package io.cascade.rtmp.amf;

import static io.cascade.rtmp.amf.AmfBytes.bytes;
import static io.cascade.rtmp.amf.AmfBytes.decode0;
import static io.cascade.rtmp.amf.AmfBytes.decodeAll0;
import static io.cascade.rtmp.amf.AmfBytes.encode0;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class Amf0CodecTest {

  static Stream<Arguments> values() {
    AmfObject nested = new AmfObject()
        .with("level", "inner")
        .with("list", List.of(1.0, "two", new AmfObject().with("three", 3.0)));
    return Stream.of(
        Arguments.of("number", 42.5),
        Arguments.of("negative zero", -0.0),
        Arguments.of("NaN", Double.NaN),
        Arguments.of("infinity", Double.NEGATIVE_INFINITY),
        Arguments.of("true", true),
        Arguments.of("false", false),
        Arguments.of("empty string", ""),
        Arguments.of("string", "live/stream?key=1"),
        Arguments.of("multi-byte string", "h\u00e9llo \u2713 \ud83d\ude00"),
        Arguments.of("long string", "x".repeat(70_000)),
        Arguments.of("null", null),
        Arguments.of("undefined", Amf0.UNDEFINED),
        Arguments.of("object", new AmfObject().with("a", 1.0).with("b", "c").with("", true)),
        Arguments.of("empty object", new AmfObject()),
        Arguments.of("nested object", new AmfObject().with("nested", nested)),
        Arguments.of("ecma array", new AmfEcmaArray().with("duration", 0.0).with("width", 1920.0)),
        Arguments.of("empty ecma array", new AmfEcmaArray()),
        Arguments.of("strict array", Arrays.asList(1.0, null, "s", Amf0.UNDEFINED, List.of())),
        Arguments.of("date", new AmfDate(1.7e12)),
        Arguments.of("date with time zone", new AmfDate(-86_400_000.0, (short) -60)),
        Arguments.of("xml document", new AmfXml("<a b=\"c\">\u00e9</a>")),
        Arguments.of("typed object",
            new AmfTypedObject("com.example.Point", new AmfObject().with("x", 1.0).with("y", 2.0))),
        Arguments.of("dictionary via AMF3", new AmfDictionary().with("k", "v").with(1.0, null)),
        Arguments.of("63 levels deep", nest(63)));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("values")
  void roundTrips(String name, Object value) {
    byte[] encoded = encode0(value);
    Object decoded = decode0(encoded);

    assertThat(decoded).isEqualTo(value);
    assertThat(encode0(decoded)).as("re-encoded").isEqualTo(encoded);
  }

  @Test
  void roundTripsByteArrayThroughAmf3Switch() {
    byte[] encoded = encode0(new byte[] {1, 2, 3});

    assertThat(encoded).isEqualTo(bytes().hex("11 0C 07 01 02 03").toArray());
    assertThat(decode0(encoded)).isEqualTo(new byte[] {1, 2, 3});
  }

  @Test
  void decodesFromPooledDirectBuffer() {
    AmfObject value = new AmfObject().with("app", "live").with("list", List.of("\u00e9", 2.0));
    ByteBuf buffer = PooledByteBufAllocator.DEFAULT.directBuffer();
    try {
      Amf0Encoder.encode(buffer, value);
      assertThat(Amf0Decoder.decode(buffer, AmfBytes.LIMITS)).isEqualTo(value);
      assertThat(buffer.isReadable()).isFalse();
    } finally {
      buffer.release();
    }
  }

  /** The connect command an encoder such as FFmpeg sends, written out byte by byte. */
  static byte[] connectCommand() {
    return bytes()
        .hex("02 0007").text("connect")
        .hex("00 3FF0000000000000")
        .hex("03")
        .utf8("app").hex("02 0004").text("live")
        .utf8("flashVer").hex("02 0008").text("FMLE/3.0")
        .utf8("tcUrl").hex("02 0015").text("rtmp://localhost/live")
        .utf8("fourCcList").hex("0A 00000002").amf0String("av01").amf0String("hvc1")
        .utf8("objectEncoding").hex("00 0000000000000000")
        .hex("00 00 09")
        .toArray();
  }

  @Test
  void decodesConnectCommand() {
    List<Object> values = decodeAll0(connectCommand());

    assertThat(values).hasSize(3);
    assertThat(values.get(0)).isEqualTo("connect");
    assertThat(values.get(1)).isEqualTo(1.0);
    assertThat(values.get(2)).isInstanceOf(AmfObject.class);
    AmfObject command = (AmfObject) values.get(2);
    assertThat(command).containsExactly(
        entry("app", "live"),
        entry("flashVer", "FMLE/3.0"),
        entry("tcUrl", "rtmp://localhost/live"),
        entry("fourCcList", List.of("av01", "hvc1")),
        entry("objectEncoding", 0.0));
  }

  @Test
  void encodesConnectCommandToTheSameBytes() {
    AmfObject command = new AmfObject()
        .with("app", "live")
        .with("flashVer", "FMLE/3.0")
        .with("tcUrl", "rtmp://localhost/live")
        .with("fourCcList", List.of("av01", "hvc1"))
        .with("objectEncoding", 0);

    assertThat(encode0("connect", 1, command)).isEqualTo(connectCommand());
  }

  @Test
  void decodesAmf3SwitchInsideAmf0() {
    byte[] command = bytes()
        .amf0String("connect")
        .amf0Number(1.0)
        .hex("11 0A 0B 01").hex("07").text("app").hex("06 09").text("live")
        .hex("03").text("n").hex("04 7F")
        .hex("01")
        .hex("11 06 00")
        .toArray();

    assertThatThrownBy(() -> decodeAll0(command))
        .as("every AVM+ value starts a fresh string table")
        .isInstanceOf(AmfException.class)
        .hasMessageContaining("string reference #0");

    byte[] valid = Arrays.copyOf(command, command.length - 3);
    assertThat(decodeAll0(valid))
        .containsExactly("connect", 1.0, new AmfObject().with("app", "live").with("n", 127.0));
  }

  @Test
  void referenceResolvesToTheEarlierInstance() {
    byte[] encoded = bytes()
        .hex("0A 00000003")
        .hex("03").utf8("a").amf0Number(1.0).objectEnd()
        .hex("07 0001")
        .hex("07 0000")
        .toArray();

    assertThatThrownBy(() -> decode0(encoded))
        .as("index 0 is the array itself, still being read")
        .isInstanceOf(AmfException.class)
        .hasMessageContaining("cyclic");

    byte[] acyclic = Arrays.copyOf(encoded, encoded.length - 3);
    acyclic[4] = 2;
    @SuppressWarnings("unchecked")
    List<Object> list = (List<Object>) decode0(acyclic);
    assertThat(list)
        .containsExactly(new AmfObject().with("a", 1.0), new AmfObject().with("a", 1.0));
    assertThat(list.get(1)).isSameAs(list.get(0));
  }

  @Test
  void referenceTableSpansTheValuesOfOneMessage() {
    byte[] encoded = bytes()
        .hex("08 00000001").utf8("k").amf0String("v").objectEnd()
        .hex("10").utf8("Foo").utf8("ref").hex("07 0000").objectEnd()
        .toArray();

    List<Object> values = decodeAll0(encoded);

    assertThat(values.get(1)).isEqualTo(
        new AmfTypedObject("Foo", new AmfObject().with("ref", new AmfEcmaArray().with("k", "v"))));
    assertThat(((AmfTypedObject) values.get(1)).properties().get("ref")).isSameAs(values.get(0));
  }

  @Test
  void rejectsReferencePastTheTable() {
    assertThatThrownBy(() -> decode0(bytes().hex("07 0005").toArray()))
        .isInstanceOf(AmfException.class)
        .hasMessageContaining("reference #5");
  }

  @Test
  void ecmaArrayCountIsOnlyAHint() {
    byte[] encoded = bytes().hex("08 00000005").utf8("a").hex("05").objectEnd().toArray();

    assertThat(decode0(encoded)).isEqualTo(new AmfEcmaArray().with("a", null));
  }

  @Test
  void unsupportedMarkerDecodesAsUndefined() {
    assertThat(decode0(bytes().hex("0D").toArray())).isSameAs(Amf0.UNDEFINED);
  }

  @Test
  void nonZeroBooleanIsTrue() {
    assertThat(decode0(bytes().hex("01 7F").toArray())).isEqualTo(true);
  }

  @Test
  void rejectsReservedAndUnknownMarkers() {
    assertThatThrownBy(() -> decode0(bytes().hex("04").toArray()))
        .isInstanceOf(AmfException.class).hasMessageContaining("movieclip");
    assertThatThrownBy(() -> decode0(bytes().hex("0E").toArray()))
        .isInstanceOf(AmfException.class).hasMessageContaining("recordset");
    assertThatThrownBy(() -> decode0(bytes().hex("12").toArray()))
        .isInstanceOf(AmfException.class).hasMessageContaining("0x12");
    assertThatThrownBy(() -> decode0(bytes().hex("09").toArray()))
        .isInstanceOf(AmfException.class).hasMessageContaining("object-end");
  }

  @Test
  void exceptionCarriesTheMetricReason() {
    assertThatThrownBy(() -> decode0(new byte[0]))
        .isInstanceOfSatisfying(AmfException.class, e -> assertThat(e.reason()).isEqualTo("amf"))
        .hasMessageContaining("truncated");
  }

  @Test
  void decodeAllOfNothingIsEmpty() {
    assertThat(decodeAll0(new byte[0])).isEmpty();
  }

  @Test
  void decodeLeavesFollowingBytesUnread() {
    ByteBuf in = Unpooled.wrappedBuffer(bytes().amf0Number(1).amf0String("next").toArray());
    try {
      assertThat(Amf0Decoder.decode(in, AmfBytes.LIMITS)).isEqualTo(1.0);
      assertThat(in.readerIndex()).isEqualTo(9);
    } finally {
      in.release();
    }
  }

  @Test
  void encodesAnyNumberAsDouble() {
    assertThat(encode0(7)).isEqualTo(bytes().amf0Number(7.0).toArray());
    assertThat(encode0(7L)).isEqualTo(encode0(7.0));
    assertThat(encode0((byte) 7)).isEqualTo(encode0(7.0));
    assertThat(encode0(7.0f)).isEqualTo(encode0(7.0));
  }

  @Test
  void usesLongStringMarkerOnlyAboveSixtyFourKilobytes() {
    String fits = "\u00e9".repeat(32_767) + "x";
    String over = "\u00e9".repeat(32_768);

    assertThat(encode0(fits)).startsWith(0x02, 0xFF, 0xFF);
    assertThat(encode0(over)).startsWith(0x0C, 0x00, 0x01, 0x00, 0x00);
  }

  @Test
  void encodesPlainMapsAsObjects() {
    assertThat(encode0(Map.of("a", 1.0))).isEqualTo(encode0(new AmfObject().with("a", 1.0)));
  }

  @Test
  void rejectsValuesWithoutAnEncodingAndLeavesTheBufferAsItWas() {
    ByteBuf out = Unpooled.buffer();
    try {
      out.writeByte(0x42);
      assertThatThrownBy(() -> Amf0Encoder.encodeAll(out, "ok", List.of(new Object())))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("java.lang.Object");
      assertThat(out.writerIndex()).isEqualTo(1);
      assertThatThrownBy(() -> Amf0Encoder.encode(out, Map.of(1, "x")))
          .isInstanceOf(IllegalArgumentException.class);
      AmfObject longName = new AmfObject().with("k".repeat(65_536), 1);
      assertThatThrownBy(() -> Amf0Encoder.encode(out, longName))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(out.writerIndex()).isEqualTo(1);
    } finally {
      out.release();
    }
  }

  @Test
  void rejectsCyclicValuesWhenEncoding() {
    List<Object> cyclic = new ArrayList<>();
    cyclic.add(cyclic);

    assertThatThrownBy(() -> encode0(cyclic))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("cyclic");
  }

  static Object nest(int levels) {
    Object value = "bottom";
    for (int i = 0; i < levels; i++) {
      value = i % 2 == 0 ? List.of(value) : new AmfObject().with("n", value);
    }
    return value;
  }

  private static Map.Entry<String, Object> entry(String key, Object value) {
    return Map.entry(key, value);
  }
}
