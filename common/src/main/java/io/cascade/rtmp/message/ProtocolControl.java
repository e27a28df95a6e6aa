package io.cascade.rtmp.message;

import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.chunk.ChunkControl;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Protocol control messages (RTMP 1.0 section 5.4): factories for what we send and readers for what
 * the peer sends. All of them travel on chunk stream 2, message stream 0, timestamp 0.
 *
 * <p>Readers look at the payload without moving its reader index and reject payloads that are too
 * short with an {@link RtmpProtocolException}.
 */
public final class ProtocolControl {
  /** Chunk stream reserved for protocol control messages and commands. */
  public static final int CONTROL_CHUNK_STREAM_ID = ChunkControl.CONTROL_CHUNK_STREAM_ID;
  /** Message stream of protocol control and user control messages. */
  public static final int CONTROL_STREAM_ID = 0;

  /** Set Peer Bandwidth limit types (section 5.4.5). */
  public static final int LIMIT_HARD = 0;
  public static final int LIMIT_SOFT = 1;
  public static final int LIMIT_DYNAMIC = 2;

  private static final long MAX_UINT32 = 0xFFFFFFFFL;

  private ProtocolControl() {
  }

  /** Set Chunk Size: {@code size} in 1..2^31-1 (bit 31 must be zero). */
  public static RtmpMessage setChunkSize(ByteBufAllocator alloc, int size) {
    if (size < 1) {
      throw new IllegalArgumentException("chunk size must be in 1..2147483647: " + size);
    }
    return uint32Message(alloc, MessageType.SET_CHUNK_SIZE, size);
  }

  /** Abort Message: the peer drops the partial message of chunk stream {@code csid}. */
  public static RtmpMessage abort(ByteBufAllocator alloc, int csid) {
    if (csid < CONTROL_CHUNK_STREAM_ID || csid > 65599) {
      throw new IllegalArgumentException("chunk stream id must be in 2..65599: " + csid);
    }
    return uint32Message(alloc, MessageType.ABORT, csid);
  }

  /**
   * Acknowledgement of {@code bytesReceived}. The field is 32 bits and wraps after 4 GiB, so only
   * the low 32 bits of the count are sent.
   */
  public static RtmpMessage acknowledgement(ByteBufAllocator alloc, long bytesReceived) {
    return uint32Message(alloc, MessageType.ACKNOWLEDGEMENT, (int) bytesReceived);
  }

  /** Window Acknowledgement Size in bytes, 1..2^32-1. */
  public static RtmpMessage windowAckSize(ByteBufAllocator alloc, long windowSize) {
    checkWindow(windowSize);
    return uint32Message(alloc, MessageType.WINDOW_ACK_SIZE, (int) windowSize);
  }

  /** Set Peer Bandwidth: window size in bytes and one of the {@code LIMIT_*} types. */
  public static RtmpMessage setPeerBandwidth(ByteBufAllocator alloc, long windowSize, int limitType) {
    checkWindow(windowSize);
    if (limitType < LIMIT_HARD || limitType > LIMIT_DYNAMIC) {
      throw new IllegalArgumentException("limit type must be 0, 1 or 2: " + limitType);
    }
    ByteBuf payload = alloc.buffer(5, 5);
    payload.writeInt((int) windowSize);
    payload.writeByte(limitType);
    return control(MessageType.SET_PEER_BANDWIDTH, payload);
  }

  /**
   * The first four payload bytes as an unsigned number: the value of Acknowledgement, Window
   * Acknowledgement Size and the window of Set Peer Bandwidth.
   */
  public static long readUint32(RtmpMessage message) {
    requireLength(message, 4, "protocol_control");
    ByteBuf payload = message.payload();
    return payload.getUnsignedInt(payload.readerIndex());
  }

  /** Set Chunk Size value; zero or bit 31 set is a protocol error ({@code chunk_size}). */
  public static int readChunkSize(RtmpMessage message) {
    return ChunkControl.readChunkSize(message);
  }

  /** Chunk stream id named by an Abort Message. */
  public static int readAbortChunkStreamId(RtmpMessage message) {
    return ChunkControl.readAbortChunkStreamId(message);
  }

  /** Limit type byte of Set Peer Bandwidth; values other than 0..2 are returned as sent. */
  public static int readLimitType(RtmpMessage message) {
    requireLength(message, 5, "protocol_control");
    ByteBuf payload = message.payload();
    return payload.getUnsignedByte(payload.readerIndex() + 4);
  }

  private static void requireLength(RtmpMessage message, int length, String reason) {
    if (message.length() < length) {
      throw new RtmpProtocolException(reason, MessageType.name(message.typeId()) + " payload has "
          + message.length() + " bytes, needs " + length);
    }
  }

  private static void checkWindow(long windowSize) {
    if (windowSize < 1 || windowSize > MAX_UINT32) {
      throw new IllegalArgumentException("window size must be in 1..4294967295: " + windowSize);
    }
  }

  private static RtmpMessage uint32Message(ByteBufAllocator alloc, int typeId, int value) {
    ByteBuf payload = alloc.buffer(4, 4);
    payload.writeInt(value);
    return control(typeId, payload);
  }

  private static RtmpMessage control(int typeId, ByteBuf payload) {
    return new RtmpMessage(CONTROL_CHUNK_STREAM_ID, typeId, 0, CONTROL_STREAM_ID, payload);
  }
}
