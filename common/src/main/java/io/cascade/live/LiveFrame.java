package io.cascade.live;

import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.util.AbstractReferenceCounted;

/**
 * One media or data message of a live stream, decoded once and shared by the GOP cache and every
 * subscriber. It holds the raw payload and the same message already chunk-encoded for the common
 * case (server chunk size, play stream id {@link LiveStream#SHARED_STREAM_ID}), so a subscriber
 * writes {@link #chunks()} itself (by reference, see FrameBatch) without copying or re-encoding.
 *
 * <p>Reference counting: whoever hands a frame to a subscriber gives it one reference; the
 * subscriber releases it once written or dropped.
 */
public final class LiveFrame extends AbstractReferenceCounted {
  /** Keyframe of the video track: a player can start decoding here. */
  public static final int KEYFRAME = 1;
  /** Decoder configuration (sequence header) or metadata: never dropped for slow players. */
  public static final int CONFIG = 1 << 1;

  private final int typeId;
  private final long timestamp;
  private final long timeline;
  private final int flags;
  private final long receivedNanos;
  private final long originMillis;
  private final ByteBuf payload;
  private final ByteBuf chunks;

  LiveFrame(int typeId, long timestamp, long timeline, int flags, long receivedNanos, long originMillis, ByteBuf payload,
      ByteBuf chunks) {
    this.typeId = typeId;
    this.timestamp = timestamp;
    this.timeline = timeline;
    this.flags = flags;
    this.receivedNanos = receivedNanos;
    this.originMillis = originMillis;
    this.payload = payload;
    this.chunks = chunks;
  }

  public int typeId() {
    return typeId;
  }

  /** RTMP timestamp sent to players: unsigned 32 bits, monotonic per stream across republishes (mod 2^32). */
  public long timestamp() {
    return timestamp;
  }

  /** The same instant on a 64-bit timeline that never wraps; for durations (queues, GOP cache). */
  public long timeline() {
    return timeline;
  }

  public boolean isVideo() {
    return typeId == MessageType.VIDEO;
  }

  public boolean isAudio() {
    return typeId == MessageType.AUDIO;
  }

  public boolean isKeyframe() {
    return (flags & KEYFRAME) != 0;
  }

  /** Sequence headers and metadata: needed by every decoder, never dropped. */
  public boolean isConfig() {
    return (flags & CONFIG) != 0;
  }

  /** {@link System#nanoTime()} at which the frame reached this node. */
  public long receivedNanos() {
    return receivedNanos;
  }

  /**
   * Wall-clock time (epoch ms) at which the stream's origin received this message from the
   * encoder: this node's own receive time on an origin, the relay's clock stamp on an edge; 0 when
   * not known (an edge before its first stamp).
   */
  public long originMillis() {
    return originMillis;
  }

  /** The message body (FLV tag body or AMF data); not to be modified. */
  public ByteBuf payload() {
    return payload;
  }

  /** Chunk-encoded form for the shared stream id and the node's chunk size. */
  public ByteBuf chunks() {
    return chunks;
  }

  public int size() {
    return payload.readableBytes();
  }

  @Override
  protected void deallocate() {
    payload.release();
    chunks.release();
  }

  @Override
  public LiveFrame touch(Object hint) {
    payload.touch(hint);
    return this;
  }

  @Override
  public LiveFrame retain() {
    super.retain();
    return this;
  }

  @Override
  public String toString() {
    return "LiveFrame{" + MessageType.name(typeId) + " ts=" + timestamp + " len=" + size()
        + (isKeyframe() ? " key" : "") + (isConfig() ? " config" : "") + '}';
  }
}
