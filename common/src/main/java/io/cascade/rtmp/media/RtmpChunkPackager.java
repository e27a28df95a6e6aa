package io.cascade.rtmp.media;

import io.cascade.live.MediaFrame;
import io.cascade.live.Packager;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * RTMP as an output format: a frame becomes one chunk-encoded message for the shared play stream
 * id at the node's chunk size, so every player on that stream id and chunk size writes the same
 * bytes. Players with another chunk size or stream id are re-chunked per player from
 * {@link #message}. Packagers with the same chunk size are equal (one format per node).
 */
public final class RtmpChunkPackager implements Packager {
  /** Play stream id whose encoding is shared; the first createStream of a connection gets it. */
  public static final int SHARED_STREAM_ID = 1;
  public static final int CSID_DATA = 5;
  public static final int CSID_AUDIO = 6;
  public static final int CSID_VIDEO = 7;

  private final int chunkSize;

  public RtmpChunkPackager(int chunkSize) {
    this.chunkSize = chunkSize;
  }

  public int chunkSize() {
    return chunkSize;
  }

  @Override
  public ByteBuf encode(MediaFrame frame, ByteBufAllocator alloc) {
    ByteBuf body = frame.body();
    long ts = timestamp(frame);
    int csid = chunkStreamId(frame);
    int length = ChunkEncoder.encodedLength(csid, ts, body.readableBytes(), chunkSize);
    ByteBuf chunks = alloc.directBuffer(length, length);
    try {
      ChunkEncoder.encode(new RtmpMessage(csid, typeId(frame), ts, SHARED_STREAM_ID, body.duplicate()), chunkSize, chunks);
      return chunks;
    } catch (RuntimeException e) {
      chunks.release();
      throw e;
    }
  }

  /** The frame as an RTMP message on {@code streamId}, holding a retained duplicate of its body. */
  public static RtmpMessage message(MediaFrame frame, int streamId) {
    return new RtmpMessage(chunkStreamId(frame), typeId(frame), timestamp(frame), streamId,
        frame.body().retainedDuplicate());
  }

  /** RTMP timestamps are the stream timeline mod 2^32. */
  public static long timestamp(MediaFrame frame) {
    return frame.dts() & 0xFFFFFFFFL;
  }

  public static int typeId(MediaFrame frame) {
    return switch (frame.kind()) {
      case AUDIO -> MessageType.AUDIO;
      case VIDEO -> MessageType.VIDEO;
      case DATA -> MessageType.DATA_AMF0;
    };
  }

  public static int chunkStreamId(MediaFrame frame) {
    return switch (frame.kind()) {
      case AUDIO -> CSID_AUDIO;
      case VIDEO -> CSID_VIDEO;
      case DATA -> CSID_DATA;
    };
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RtmpChunkPackager p && p.chunkSize == chunkSize;
  }

  @Override
  public int hashCode() {
    return chunkSize;
  }

  @Override
  public String toString() {
    return "RtmpChunkPackager{chunkSize=" + chunkSize + '}';
  }
}
