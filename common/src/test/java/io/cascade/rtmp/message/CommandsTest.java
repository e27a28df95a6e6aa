package io.cascade.rtmp.message;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.amf.Amf0;
import io.cascade.rtmp.amf.Amf0Encoder;
import io.cascade.rtmp.amf.Amf3Encoder;
import io.cascade.rtmp.amf.AmfEcmaArray;
import io.cascade.rtmp.amf.AmfException;
import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.amf.AmfObject;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class CommandsTest {
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
  private static final AmfLimits LIMITS = AmfLimits.DEFAULTS;

  /** Decodes {@code m}, checks that decoding left the payload unread, and releases it. */
  private static <T> T decode(RtmpMessage m, Function<RtmpMessage, T> decoder) {
    try {
      T decoded = decoder.apply(m);
      assertThat(m.payload().readerIndex()).as("decoding does not consume the payload").isZero();
      return decoded;
    } finally {
      m.release();
    }
  }

  private static Command decodeCommand(RtmpMessage m) {
    return decode(m, message -> Commands.decodeCommand(message, LIMITS));
  }

  private static DataMessage decodeData(RtmpMessage m) {
    return decode(m, message -> Commands.decodeData(message, LIMITS));
  }

  /** A message of {@code typeId} whose body {@code body} writes. */
  private static RtmpMessage message(int typeId, Consumer<ByteBuf> body) {
    ByteBuf payload = Unpooled.buffer();
    body.accept(payload);
    return new RtmpMessage(Commands.CSID_COMMAND, typeId, 0, 0, payload);
  }

  private static RtmpProtocolException rejected(Function<RtmpMessage, ?> decoder, RtmpMessage m) {
    RtmpProtocolException e = catchThrowableOfType(RtmpProtocolException.class, () -> decode(m, decoder));
    assertThat(e).as("decoding must fail").isNotNull();
    return e;
  }

  /** A message of AMF0 values, behind the format byte 0 for the AMF3 types. */
  private static RtmpMessage values(int typeId, Object... values) {
    return message(typeId, body -> {
      if (typeId == MessageType.COMMAND_AMF3 || typeId == MessageType.DATA_AMF3) {
        body.writeByte(0);
      }
      Amf0Encoder.encodeAll(body, values);
    });
  }

  private static RtmpProtocolException rejectedCommand(int typeId, Object... values) {
    return rejected(m -> Commands.decodeCommand(m, LIMITS), values(typeId, values));
  }

  private static RtmpProtocolException rejectedData(int typeId, Object... values) {
    return rejected(m -> Commands.decodeData(m, LIMITS), values(typeId, values));
  }

  @Test
  void amf0CommandRoundTrip() {
    AmfObject commandObject = new AmfObject()
        .with("app", "live")
        .with("tcUrl", "rtmp://origin/live")
        .with("fpad", false)
        .with("audioCodecs", 3191.0);
    RtmpMessage m = Commands.command(ALLOC, Commands.CSID_COMMAND, 0, "connect", 1, commandObject,
        "extra", 7, true);

    assertThat(m.typeId()).isEqualTo(MessageType.COMMAND_AMF0);
    assertThat(m.chunkStreamId()).isEqualTo(Commands.CSID_COMMAND);
    assertThat(m.streamId()).isZero();
    assertThat(m.timestamp()).isZero();
    Command c = decodeCommand(m);

    assertThat(c.name()).isEqualTo("connect");
    assertThat(c.transactionId()).isEqualTo(1.0);
    assertThat(c.commandObject()).isExactlyInstanceOf(AmfObject.class).isEqualTo(commandObject);
    assertThat(c.arguments()).containsExactly("extra", 7.0, true);
    assertThat(c.stringArgument(0)).isEqualTo("extra");
    assertThat(c.numberArgument(1, -1)).isEqualTo(7.0);
    assertThat(c.booleanArgument(2, false)).isTrue();
    assertThat(c.argument(3)).isNull();
  }

  @Test
  void nullCommandObjectAndNullArguments() {
    Command play = decodeCommand(
        Commands.command(ALLOC, Commands.CSID_STREAM, 1, "play", 0, null, "stream", null, -2000));

    assertThat(play.commandObject()).isNull();
    assertThat(play.arguments()).containsExactly("stream", null, -2000.0);
    assertThat(play.stringArgument(1)).isNull();

    Command bare = decodeCommand(Commands.command(ALLOC, Commands.CSID_COMMAND, 0, "_result", 2));
    assertThat(bare.commandObject()).isNull();
    assertThat(bare.arguments()).isEmpty();

    Command onlyNull = decodeCommand(Commands.command(ALLOC, Commands.CSID_COMMAND, 0, "_error", 3, (Object) null));
    assertThat(onlyNull.commandObject()).isNull();
    assertThat(onlyNull.arguments()).isEmpty();
  }

  @Test
  void amf3CommandWithFormatByteAndSwitchedObject() {
    AmfObject commandObject = new AmfObject().with("app", "live").with("objectEncoding", 3.0);
    RtmpMessage m = message(MessageType.COMMAND_AMF3, body -> {
      body.writeByte(0);
      Amf0Encoder.encodeAll(body, "connect", 1);
      body.writeByte(Amf0.AVMPLUS_OBJECT);
      Amf3Encoder.encode(body, commandObject);
      Amf0Encoder.encodeAll(body, null, "arg");
    });

    Command c = decodeCommand(m);

    assertThat(c.name()).isEqualTo("connect");
    assertThat(c.transactionId()).isEqualTo(1.0);
    assertThat(c.commandObject()).isExactlyInstanceOf(AmfObject.class).isEqualTo(commandObject);
    assertThat(c.arguments()).containsExactly(null, "arg");
  }

  @Test
  void amf3CommandWithoutFormatByteIsReadAsAmf0() {
    // Names are strings, so a first byte of 0 (the AMF0 number marker) can only be the format byte.
    Command c = decodeCommand(
        message(MessageType.COMMAND_AMF3, body -> Amf0Encoder.encodeAll(body, "deleteStream", 0, null, 1)));

    assertThat(c.name()).isEqualTo("deleteStream");
    assertThat(c.arguments()).containsExactly(1.0);
  }

  @Test
  void dataRoundTrip() {
    AmfEcmaArray metadata = new AmfEcmaArray()
        .with("width", 1920.0)
        .with("height", 1080.0)
        .with("encoder", "Lavf61.7.100");
    RtmpMessage m = Commands.data(ALLOC, 1, 1234, DataMessage.ON_METADATA, metadata);

    assertThat(m.typeId()).isEqualTo(MessageType.DATA_AMF0);
    assertThat(m.chunkStreamId()).isEqualTo(Commands.CSID_STREAM);
    assertThat(m.streamId()).isEqualTo(1);
    assertThat(m.timestamp()).isEqualTo(1234);
    DataMessage d = decodeData(m);

    assertThat(d.name()).isEqualTo(DataMessage.ON_METADATA);
    assertThat(d.values()).singleElement().isExactlyInstanceOf(AmfEcmaArray.class).isEqualTo(metadata);
  }

  @Test
  void dataWithNullValuesAndNoValues() {
    DataMessage sampleAccess = decodeData(Commands.data(ALLOC, 1, 0, "|RtmpSampleAccess", false, null));
    assertThat(sampleAccess.values()).containsExactly(false, null);

    DataMessage bare = decodeData(Commands.data(ALLOC, 1, 0, "onFCPublish"));
    assertThat(bare.name()).isEqualTo("onFCPublish");
    assertThat(bare.values()).isEmpty();
  }

  @Test
  void amf3DataWithFormatByte() {
    AmfObject metadata = new AmfObject().with("duration", 0.0);
    DataMessage d = decodeData(message(MessageType.DATA_AMF3, body -> {
      body.writeByte(0);
      Amf0Encoder.encodeAll(body, DataMessage.SET_DATA_FRAME, DataMessage.ON_METADATA);
      body.writeByte(Amf0.AVMPLUS_OBJECT);
      Amf3Encoder.encode(body, metadata);
    }));

    assertThat(d.name()).isEqualTo(DataMessage.SET_DATA_FRAME);
    assertThat(d.values()).containsExactly(DataMessage.ON_METADATA, metadata);
  }

  @Test
  void dataBodyIsTheDataMessagePayload() {
    List<Object> values = Arrays.asList(new AmfEcmaArray().with("framerate", 30.0), null, "x");
    ByteBuf body = Commands.dataBody(ALLOC, DataMessage.ON_METADATA, values);
    RtmpMessage viaData = Commands.data(ALLOC, 1, 0, DataMessage.ON_METADATA, values.toArray());
    try {
      assertThat(ByteBufUtil.equals(body, viaData.payload())).isTrue();
    } finally {
      viaData.release();
    }

    DataMessage d = decodeData(new RtmpMessage(Commands.CSID_STREAM, MessageType.DATA_AMF0, 0, 1, body));

    assertThat(d.name()).isEqualTo(DataMessage.ON_METADATA);
    assertThat(d.values()).containsExactlyElementsOf(values);
  }

  @Test
  void commandWithoutNameOrTransactionIdIsRejected() {
    List<RtmpProtocolException> errors = List.of(
        rejectedCommand(MessageType.COMMAND_AMF0),
        rejectedCommand(MessageType.COMMAND_AMF0, 1, 2),
        rejectedCommand(MessageType.COMMAND_AMF0, null, 2),
        rejectedCommand(MessageType.COMMAND_AMF0, "connect"),
        rejectedCommand(MessageType.COMMAND_AMF0, "connect", "1"),
        rejectedCommand(MessageType.COMMAND_AMF0, "connect", null, new AmfObject()),
        rejectedCommand(MessageType.COMMAND_AMF3),
        rejectedCommand(MessageType.COMMAND_AMF3, 5.0, "connect"));

    assertThat(errors).allSatisfy(e -> {
      assertThat(e.reason()).isEqualTo("command");
      assertThat(e.getMessage()).startsWith("command message without name and transaction id");
    });
    assertThat(errors.get(4).getMessage()).contains("[connect, 1]");
  }

  @Test
  void dataWithoutHandlerNameIsRejected() {
    List<RtmpProtocolException> errors = List.of(
        rejectedData(MessageType.DATA_AMF0),
        rejectedData(MessageType.DATA_AMF0, 1, "onMetaData"),
        rejectedData(MessageType.DATA_AMF0, null, "onMetaData"),
        rejectedData(MessageType.DATA_AMF3, new AmfObject().with("a", 1.0)));

    assertThat(errors).allSatisfy(e -> {
      assertThat(e.reason()).isEqualTo("data");
      assertThat(e.getMessage()).startsWith("data message without a handler name");
    });
  }

  @Test
  void longValueListsAreShortenedInTheError() {
    String longName = "x".repeat(500);

    RtmpProtocolException e = rejectedCommand(MessageType.COMMAND_AMF0, longName);

    assertThat(e.getMessage()).endsWith("...").hasSizeLessThan(200);
  }

  @Test
  void truncatedAmfIsAnAmfError() {
    RtmpMessage m = message(MessageType.COMMAND_AMF0, body -> {
      Amf0Encoder.encodeAll(body, "connect", 1);
      body.writeByte(Amf0.STRING).writeShort(10).writeByte('a');
    });

    RtmpProtocolException e = rejected(message -> Commands.decodeCommand(message, LIMITS), m);

    assertThat(e).isInstanceOf(AmfException.class);
    assertThat(e.reason()).isEqualTo(AmfException.REASON);
  }
}
