package io.cascade.live;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.util.AbstractReferenceCounted;
import java.util.Arrays;

/**
 * One media or data frame of a live stream, in no wire format: what it is (audio, video, data),
 * its track, times and flags, and its body as ingested. Shared by the GOP cache, every subscriber
 * and every output; never modified once the stream has accepted it.
 *
 * <p>Each output format's bytes for the frame are made by a {@link Packager}, once per stream and
 * format, and kept with the frame ({@link #wire}): the stream packages a frame with a packager only
 * while that packager has subscribers, so a format nobody plays costs nothing.
 *
 * <p>Reference counting: whoever hands a frame on gives the receiver one reference; the receiver
 * releases it once written or dropped. Releasing the last reference frees the body and every
 * packaged form.
 */
public final class MediaFrame extends AbstractReferenceCounted {
  /** Keyframe of the video track: a player can start decoding here. */
  public static final int KEYFRAME = 1;
  /** Decoder configuration (sequence header) or metadata: never dropped for slow players. */
  public static final int CONFIG = 1 << 1;
  /**
   * With {@link #CONFIG}: configuration that complements the track's sequence header (an audio
   * channel layout), cached beside it rather than in its place.
   */
  public static final int SIDE_CONFIG = 1 << 2;

  /** What a frame carries. */
  public enum Kind { AUDIO, VIDEO, DATA }

  private static final Packaged[] NONE = new Packaged[0];

  private final Kind kind;
  private final int trackId;
  private final int compositionOffset;
  private final int flags;
  private final String codec;
  private final long receivedNanos;
  private final long originMillis;
  private final ByteBuf body;
  private long dts;
  /** Replaced, never changed, by the stream under its lock; read on any subscriber's loop. */
  private volatile Packaged[] packaged = NONE;

  /**
   * A frame as its publisher's adapter builds it; takes ownership of {@code body}. {@code dts} is
   * the source's timestamp until the stream maps it onto its timeline.
   *
   * @param codec the codec as a constant name (see {@code io.cascade.media.MediaTags#codec}), "" for data
   */
  public MediaFrame(Kind kind, int trackId, long dts, int compositionOffset, int flags, String codec,
      long receivedNanos, long originMillis, ByteBuf body) {
    this.kind = kind;
    this.trackId = trackId;
    this.dts = dts;
    this.compositionOffset = compositionOffset;
    this.flags = flags;
    this.codec = codec;
    this.receivedNanos = receivedNanos;
    this.originMillis = originMillis;
    this.body = body;
  }

  public Kind kind() {
    return kind;
  }

  public boolean isVideo() {
    return kind == Kind.VIDEO;
  }

  public boolean isAudio() {
    return kind == Kind.AUDIO;
  }

  /** Script data: metadata (then also {@link #isConfig()}), cue points, text. */
  public boolean isData() {
    return kind == Kind.DATA;
  }

  /** Enhanced-RTMP multitrack id; 0 for the default (or only) track. */
  public int trackId() {
    return trackId;
  }

  /** Decode time on the stream's 64-bit timeline (ms), monotonic across republish and failover. */
  public long dts() {
    return dts;
  }

  /** Presentation minus decode time (ms); 0 for audio and data. */
  public int compositionOffset() {
    return compositionOffset;
  }

  public boolean isKeyframe() {
    return (flags & KEYFRAME) != 0;
  }

  /** Sequence headers and metadata: needed by every decoder, never dropped. */
  public boolean isConfig() {
    return (flags & CONFIG) != 0;
  }

  /** See {@link #SIDE_CONFIG}. */
  public boolean isSideConfig() {
    return (flags & SIDE_CONFIG) != 0;
  }

  /** Codec name as a constant string; "" when not known or not media. */
  public String codec() {
    return codec;
  }

  /** Monotonic time (ns, the node's clock) at which the frame reached this node. */
  public long receivedNanos() {
    return receivedNanos;
  }

  /**
   * Wall-clock time (epoch ms) at which the stream's origin received this frame from the encoder:
   * this node's own receive time on an origin, the relay's clock stamp on an edge; 0 when not known.
   */
  public long originMillis() {
    return originMillis;
  }

  /**
   * The body as ingested: an FLV / Enhanced-RTMP audio or video tag body, or AMF0 script data
   * (without {@code @setDataFrame}). Shared: read it with absolute gets or a duplicate.
   */
  public ByteBuf body() {
    return body;
  }

  public int size() {
    return body.readableBytes();
  }

  /**
   * The bytes {@code packager} made for this frame, or null if it has not packaged it. Shared by
   * every output of that format: read with absolute gets or a duplicate, never modify.
   */
  public ByteBuf wire(Packager packager) {
    Packaged[] p = packaged;
    for (Packaged e : p) {
      if (e.packager == packager) {
        return e.bytes;
      }
    }
    for (Packaged e : p) {
      if (e.packager.equals(packager)) {
        return e.bytes;
      }
    }
    return null;
  }

  /** Sets the timeline instant; only by the stream, before it shares the frame. */
  void dts(long timelineDts) {
    this.dts = timelineDts;
  }

  /** Packages the frame with {@code packager} unless done already; only under the stream's lock. */
  void packageWith(Packager packager, ByteBufAllocator alloc) {
    if (wire(packager) != null) {
      return;
    }
    ByteBuf bytes = packager.encode(this, alloc);
    Packaged[] p = packaged;
    Packaged[] next = Arrays.copyOf(p, p.length + 1);
    next[p.length] = new Packaged(packager, bytes);
    packaged = next;
  }

  @Override
  protected void deallocate() {
    body.release();
    for (Packaged e : packaged) {
      e.bytes.release();
    }
    packaged = NONE;
  }

  @Override
  public MediaFrame touch(Object hint) {
    body.touch(hint);
    return this;
  }

  @Override
  public MediaFrame retain() {
    super.retain();
    return this;
  }

  @Override
  public MediaFrame retain(int increment) {
    super.retain(increment);
    return this;
  }

  @Override
  public String toString() {
    return "MediaFrame{" + kind + (trackId != 0 ? " track=" + trackId : "") + " dts=" + dts + " len="
        + body.readableBytes() + (isKeyframe() ? " key" : "") + (isConfig() ? " config" : "") + '}';
  }

  private record Packaged(Packager packager, ByteBuf bytes) {
  }
}
