package io.cascade.rtmp.chunk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.DefaultByteBufHolder;

/**
 * One RTMP message as it travels between the chunk layer and the rest: header fields plus the
 * payload. The payload is reference counted and owned by this holder; whoever receives a message
 * releases it (or passes it on).
 *
 * <p>{@code timestamp} is the 32-bit unsigned RTMP timestamp held in a long (0 .. 2^32-1); the
 * chunk layer has already added deltas and resolved extended timestamps.
 */
public final class RtmpMessage extends DefaultByteBufHolder {
  private final int chunkStreamId;
  private final int typeId;
  private final long timestamp;
  private final int streamId;

  public RtmpMessage(int chunkStreamId, int typeId, long timestamp, int streamId, ByteBuf payload) {
    super(payload);
    this.chunkStreamId = chunkStreamId;
    this.typeId = typeId;
    this.timestamp = timestamp & 0xFFFFFFFFL;
    this.streamId = streamId;
  }

  public int chunkStreamId() {
    return chunkStreamId;
  }

  public int typeId() {
    return typeId;
  }

  /** Unsigned 32-bit timestamp in milliseconds. */
  public long timestamp() {
    return timestamp;
  }

  public int streamId() {
    return streamId;
  }

  public ByteBuf payload() {
    return content();
  }

  public int length() {
    return content().readableBytes();
  }

  @Override
  public RtmpMessage replace(ByteBuf content) {
    return new RtmpMessage(chunkStreamId, typeId, timestamp, streamId, content);
  }

  @Override
  public RtmpMessage retain() {
    super.retain();
    return this;
  }

  @Override
  public RtmpMessage retainedDuplicate() {
    return replace(content().retainedDuplicate());
  }

  @Override
  public RtmpMessage touch(Object hint) {
    super.touch(hint);
    return this;
  }

  @Override
  public String toString() {
    return "RtmpMessage{csid=" + chunkStreamId + ", type=" + typeId
        + ", ts=" + timestamp + ", sid=" + streamId + ", len=" + content().readableBytes() + '}';
  }
}
