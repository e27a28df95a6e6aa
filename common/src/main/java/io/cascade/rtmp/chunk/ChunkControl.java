package io.cascade.rtmp.chunk;

import io.cascade.rtmp.RtmpProtocolException;
import io.netty.buffer.ByteBuf;

/**
 * The two protocol control messages that change how chunks are read (RTMP 1.0 sections 5.4.1 and
 * 5.4.2): Set Chunk Size and Abort. They belong to the chunk layer, which applies them at the exact
 * chunk where they arrive; {@code rtmp.message} builds on these constants, never the other way round.
 */
public final class ChunkControl {
  /** Message type of Set Chunk Size. */
  public static final int SET_CHUNK_SIZE = 1;
  /** Message type of Abort Message. */
  public static final int ABORT = 2;
  /** Chunk stream reserved for protocol control messages and commands. */
  public static final int CONTROL_CHUNK_STREAM_ID = 2;

  private ChunkControl() {
  }

  /** Set Chunk Size value; zero or bit 31 set is a protocol error ({@code chunk_size}). */
  public static int readChunkSize(RtmpMessage message) {
    requireLength(message, 4, "chunk_size");
    ByteBuf payload = message.payload();
    long size = payload.getUnsignedInt(payload.readerIndex());
    if (size == 0 || size > Integer.MAX_VALUE) {
      throw new RtmpProtocolException("chunk_size", "invalid chunk size " + size
          + " (0x" + Long.toHexString(size) + "), must be in 1..2147483647");
    }
    return (int) size;
  }

  /** Chunk stream id named by an Abort Message. */
  public static int readAbortChunkStreamId(RtmpMessage message) {
    requireLength(message, 4, "protocol_control");
    ByteBuf payload = message.payload();
    return (int) payload.getUnsignedInt(payload.readerIndex());
  }

  private static void requireLength(RtmpMessage message, int length, String reason) {
    if (message.length() < length) {
      String type = message.typeId() == SET_CHUNK_SIZE ? "SetChunkSize"
          : message.typeId() == ABORT ? "Abort" : "type " + message.typeId();
      throw new RtmpProtocolException(reason, type + " payload has " + message.length() + " bytes, needs " + length);
    }
  }
}
