package io.cascade.bench;

import io.cascade.client.SyntheticMedia;
import io.cascade.media.MediaTags;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;

/**
 * One bench player's accounting, whatever protocol its {@link PlayerLink} speaks: every FLV tag or
 * RTMP message the link receives comes through {@link #onTag}. Callbacks run on the link's event
 * loop, so plain fields suffice for what only that loop writes; the few read mid-run are volatile.
 * Lag goes into the histogram of the recording thread, shared by the players on that loop: frames
 * sent before this player called play came from the server's GOP cache (the join burst) and are
 * kept apart from live frames, whose lag is the delivery delay proper.
 */
final class BenchPlayer {
  private static final int VIDEO = 0;
  private static final int AUDIO = 1;
  /**
   * The prefix of a tag body {@link #onTag} needs: the synthetic stamp (the largest, a video
   * frame's, ends {@link SyntheticMedia#minVideoFrameSize()} bytes in) and the routing header
   * {@link MediaTags} reads. A link that does not keep whole bodies keeps this much.
   */
  static final int HEAD_BYTES = 64;

  final int index;
  final boolean slow;
  private final LagBook liveLag;
  private final LagBook joinLag;
  /** Mixed-protocol runs: live lag also goes here, the book of this player's protocol. */
  LagBook protocolLag;
  PlayerLink link;

  volatile long connectStartNanos;
  volatile long connectedNanos;
  volatile long playCalledNanos;
  volatile long playCalledMicros;
  volatile long firstFrameNanos;
  volatile long payloadBytes;
  volatile String failure;
  volatile Throwable unexpectedClose;
  volatile boolean closing;

  long frames;
  private boolean started;
  private final long[] lastSeq = {-1, -1};
  private long lastTimestamp = -1;
  long gapEvents;
  long missingFrames;
  long reordered;
  long timestampRegressions;
  boolean firstFrameNotKeyframe;
  long unpublishNotifies;

  long joinFrames;
  /** HLS viewers only: parts (or segments) received, skipped by number, playlists and their bytes. */
  long hlsMedia;
  long hlsMissing;
  /** When this viewer skipped (UTC epoch seconds of its first {@link #SKIP_TIMES} skips), to tell a stall from a trickle. */
  final long[] hlsSkipSeconds = new long[SKIP_TIMES];
  int hlsSkipEvents;
  long hlsPlaylists;
  long hlsOverheadBytes;
  /** Slow players only: bytes this player may still read in the current tick; negative is debt. */
  private long readBudget;
  private long readQuota;

  static final int SKIP_TIMES = 16;

  /** Counts {@code parts} skipped now (HLS viewers). */
  void hlsSkipped(long parts) {
    hlsMissing += parts;
    if (hlsSkipEvents < SKIP_TIMES) {
      hlsSkipSeconds[hlsSkipEvents] = System.currentTimeMillis() / 1000;
    }
    hlsSkipEvents++;
  }

  BenchPlayer(int index, boolean slow, LagBook liveLag, LagBook joinLag) {
    this.index = index;
    this.slow = slow;
    this.liveLag = liveLag;
    this.joinLag = joinLag;
  }

  /**
   * Makes this a slow reader of {@code bytesPerTick}: a token bucket refilled by {@link #refill()}
   * that stops socket reads when empty. Call on the link's event loop.
   */
  void limitReads(long bytesPerTick) {
    readQuota = bytesPerTick;
    readBudget = bytesPerTick;
  }

  /** One tick of the read limit: refill (a burst never exceeds one tick) and resume reading if allowed. */
  void refill() {
    readBudget = Math.min(readBudget + readQuota, readQuota);
    if (readBudget > 0) {
      link.autoRead(true);
    }
  }

  /**
   * One audio, video or data message (an FLV tag body; RTMP and FLV share the type ids and the
   * millisecond timestamp). {@code head} holds at least the first {@link #HEAD_BYTES} bytes of the
   * body (all of it when shorter) and is only read, never kept; {@code size} is the whole body's.
   */
  void onTag(int type, long timestamp, ByteBuf head, int size) {
    payloadBytes += size;
    if (readQuota > 0) {
      readBudget -= size;
      if (readBudget <= 0) {
        link.autoRead(false);
      }
    }
    if (!MessageType.isMedia(type)) {
      return;
    }
    SyntheticMedia.Stamp stamp = SyntheticMedia.parse(type, head);
    if (stamp == null) {
      // Sequence headers: configuration, not frames.
      return;
    }
    onFrame(type, timestamp, stamp,
        type == MessageType.VIDEO && MediaTags.has(MediaTags.classify(type, head), MediaTags.KEYFRAME));
  }

  /**
   * One stamped audio or video frame, however it came (an FLV tag through {@link #onTag}, or a
   * sample an HLS link found in a part or segment; those count their bytes themselves).
   */
  void onFrame(int type, long timestamp, SyntheticMedia.Stamp stamp, boolean keyframe) {
    long now = SyntheticMedia.epochMicros();
    boolean fromCache = stamp.sendMicros() < playCalledMicros;
    (fromCache ? joinLag : liveLag).record(now - stamp.sendMicros());
    if (!fromCache && protocolLag != null) {
      protocolLag.record(now - stamp.sendMicros());
    }
    frames++;
    if (fromCache) {
      joinFrames++;
    }
    if (timestamp < lastTimestamp) {
      timestampRegressions++;
    }
    lastTimestamp = timestamp;
    if (!started) {
      if (type != MessageType.VIDEO) {
        // Servers start a player at a video keyframe; audio before it is not part of the check.
        return;
      }
      started = true;
      firstFrameNanos = System.nanoTime();
      firstFrameNotKeyframe = !keyframe;
    }
    int track = type == MessageType.VIDEO ? VIDEO : AUDIO;
    long last = lastSeq[track];
    long seq = stamp.sequence();
    if (last >= 0) {
      if (seq > last + 1) {
        gapEvents++;
        missingFrames += seq - last - 1;
      } else if (seq <= last) {
        reordered++;
      }
    }
    lastSeq[track] = Math.max(last, seq);
  }

  /** The server said the publisher went away (RTMP's NetStream.Play.UnpublishNotify). */
  void onUnpublish() {
    unpublishNotifies++;
  }

  /** The link closed; {@code cause} is null when the bench closed it. */
  void onClose(Throwable cause) {
    if (!closing && cause != null) {
      unexpectedClose = cause;
    }
  }

  boolean hasGaps() {
    return gapEvents > 0 || reordered > 0;
  }

  /** Time to first frame in nanoseconds, or -1 when no frame came. */
  long ttffNanos() {
    long first = firstFrameNanos;
    return first == 0 || playCalledNanos == 0 ? -1 : first - playCalledNanos;
  }

  long connectNanos() {
    long done = connectedNanos;
    return done == 0 ? -1 : done - connectStartNanos;
  }
}
