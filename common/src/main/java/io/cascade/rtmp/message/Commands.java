package io.cascade.rtmp.message;

import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.amf.Amf0Decoder;
import io.cascade.rtmp.amf.Amf0Encoder;
import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Reads and writes command and data messages. Type 17/15 (AMF3) messages carry a leading format
 * byte 0 and then AMF0 values, each of which may switch to AMF3; the AMF0 decoder follows the
 * switch marker.
 */
public final class Commands {
  /** Chunk stream for connection-level commands (connect, createStream replies). */
  public static final int CSID_COMMAND = 3;
  /** Chunk stream for commands and data on a message stream (onStatus, |RtmpSampleAccess). */
  public static final int CSID_STREAM = 5;

  private Commands() {
  }

  public static Command decodeCommand(RtmpMessage m, AmfLimits limits) {
    List<Object> values = decodeValues(m, limits);
    if (values.size() < 2 || !(values.get(0) instanceof String name) || !(values.get(1) instanceof Number tx)) {
      throw new RtmpProtocolException("command", "command message without name and transaction id: " + summary(values));
    }
    Object commandObject = values.size() > 2 ? values.get(2) : null;
    List<Object> args = values.size() > 3 ? Collections.unmodifiableList(new ArrayList<>(values.subList(3, values.size()))) : List.of();
    return new Command(name, tx.doubleValue(), commandObject, args);
  }

  public static DataMessage decodeData(RtmpMessage m, AmfLimits limits) {
    List<Object> values = decodeValues(m, limits);
    if (values.isEmpty() || !(values.get(0) instanceof String name)) {
      throw new RtmpProtocolException("data", "data message without a handler name: " + summary(values));
    }
    return new DataMessage(name, values.subList(1, values.size()));
  }

  private static List<Object> decodeValues(RtmpMessage m, AmfLimits limits) {
    ByteBuf body = m.payload().duplicate();
    boolean amf3 = m.typeId() == MessageType.COMMAND_AMF3 || m.typeId() == MessageType.DATA_AMF3;
    if (amf3 && body.isReadable() && body.getByte(body.readerIndex()) == 0) {
      body.skipBytes(1);
    }
    return Amf0Decoder.decodeAll(body, limits);
  }

  /** A command on message stream {@code streamId}, AMF0-encoded. */
  public static RtmpMessage command(ByteBufAllocator alloc, int csid, int streamId, String name, double transactionId, Object... values) {
    ByteBuf out = alloc.buffer(256);
    try {
      Amf0Encoder.encode(out, name);
      Amf0Encoder.encode(out, transactionId);
      Amf0Encoder.encodeAll(out, values);
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
    return new RtmpMessage(csid, MessageType.COMMAND_AMF0, 0, streamId, out);
  }

  /** A data message (e.g. onMetaData, |RtmpSampleAccess) on message stream {@code streamId}. */
  public static RtmpMessage data(ByteBufAllocator alloc, int streamId, long timestamp, String name, Object... values) {
    ByteBuf out = alloc.buffer(128);
    try {
      Amf0Encoder.encode(out, name);
      Amf0Encoder.encodeAll(out, values);
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
    return new RtmpMessage(CSID_STREAM, MessageType.DATA_AMF0, timestamp, streamId, out);
  }

  /** Encodes values as an AMF0 data body (no message header). */
  public static ByteBuf dataBody(ByteBufAllocator alloc, String name, List<Object> values) {
    ByteBuf out = alloc.buffer(256);
    try {
      Amf0Encoder.encode(out, name);
      for (Object v : values) {
        Amf0Encoder.encode(out, v);
      }
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
    return out;
  }

  private static String summary(List<Object> values) {
    String s = String.valueOf(values);
    return s.length() > 120 ? s.substring(0, 120) + "..." : s;
  }

}
