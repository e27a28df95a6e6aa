package io.cascade.rtmp.message;

import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * User Control messages (type 4, RTMP 1.0 sections 6.2 and 7.1.7): a 16-bit event type followed by
 * event data, sent on chunk stream 2, message stream 0.
 */
public final class UserControl {
  public static final int STREAM_BEGIN = 0;
  public static final int STREAM_EOF = 1;
  public static final int STREAM_DRY = 2;
  public static final int SET_BUFFER_LENGTH = 3;
  public static final int STREAM_IS_RECORDED = 4;
  public static final int PING_REQUEST = 6;
  public static final int PING_RESPONSE = 7;

  private static final int EVENT_TYPE_LENGTH = 2;

  private UserControl() {
  }

  public static RtmpMessage streamBegin(ByteBufAllocator alloc, int streamId) {
    return event(alloc, STREAM_BEGIN, streamId);
  }

  public static RtmpMessage streamEof(ByteBufAllocator alloc, int streamId) {
    return event(alloc, STREAM_EOF, streamId);
  }

  public static RtmpMessage streamDry(ByteBufAllocator alloc, int streamId) {
    return event(alloc, STREAM_DRY, streamId);
  }

  /** Ping with our clock in milliseconds; only the low 32 bits are sent. */
  public static RtmpMessage pingRequest(ByteBufAllocator alloc, long timestamp) {
    return event(alloc, PING_REQUEST, (int) timestamp);
  }

  /** Answer to a ping, echoing its timestamp. */
  public static RtmpMessage pingResponse(ByteBufAllocator alloc, long timestamp) {
    return event(alloc, PING_RESPONSE, (int) timestamp);
  }

  public static RtmpMessage setBufferLength(ByteBufAllocator alloc, int streamId, long bufferMillis) {
    ByteBuf payload = alloc.buffer(10, 10);
    payload.writeShort(SET_BUFFER_LENGTH);
    payload.writeInt(streamId);
    payload.writeInt((int) bufferMillis);
    return message(payload);
  }

  private static RtmpMessage event(ByteBufAllocator alloc, int type, int value) {
    ByteBuf payload = alloc.buffer(6, 6);
    payload.writeShort(type);
    payload.writeInt(value);
    return message(payload);
  }

  private static RtmpMessage message(ByteBuf payload) {
    return new RtmpMessage(ProtocolControl.CONTROL_CHUNK_STREAM_ID, MessageType.USER_CONTROL, 0,
        ProtocolControl.CONTROL_STREAM_ID, payload);
  }

  /**
   * A received event. {@code value} is the first 4-byte field (stream id or ping timestamp),
   * {@code extra} the second (buffer length of {@link #SET_BUFFER_LENGTH}); both unsigned, 0 when
   * the event has no such field.
   */
  public record Event(int type, long value, long extra) {
    /**
     * Parses a User Control message without consuming it. Events this class knows must carry their
     * full data; other events (e.g. SWF verification, buffer empty/ready) are returned with whatever
     * 4-byte fields are present, so the connection can log and ignore them.
     */
    public static Event parse(RtmpMessage message) {
      if (message.typeId() != MessageType.USER_CONTROL) {
        throw new IllegalArgumentException("not a User Control message: " + message);
      }
      ByteBuf payload = message.payload();
      int length = payload.readableBytes();
      if (length < EVENT_TYPE_LENGTH) {
        throw invalid("payload has " + length + " bytes, needs the 2-byte event type");
      }
      int base = payload.readerIndex();
      int type = payload.getUnsignedShort(base);
      int needed = requiredLength(type);
      if (length < needed) {
        throw invalid("event " + type + " has " + length + " bytes, needs " + needed);
      }
      long value = length >= 6 ? payload.getUnsignedInt(base + 2) : 0;
      long extra = length >= 10 ? payload.getUnsignedInt(base + 6) : 0;
      return new Event(type, value, extra);
    }

    private static int requiredLength(int type) {
      return switch (type) {
        case STREAM_BEGIN, STREAM_EOF, STREAM_DRY, STREAM_IS_RECORDED, PING_REQUEST, PING_RESPONSE -> 6;
        case SET_BUFFER_LENGTH -> 10;
        default -> EVENT_TYPE_LENGTH;
      };
    }

    private static RtmpProtocolException invalid(String detail) {
      return new RtmpProtocolException("user_control", "User Control " + detail);
    }
  }
}
