package io.cascade.http.hls;

import java.time.Duration;

/**
 * The availability latency of the parts of one session's default rendition
 * ({@code cascade.hls.part.latency}): from the instant a part's media began to reach this node to
 * the part being listed. Times are the node's monotonic clock (ns), media times the stream's (ms).
 * Confined to the session's loop.
 *
 * <p>A part is cut when the frame after it arrives (the first frame of the next part), so a live
 * part counts about its own duration plus what the node added. The start is the arrival of the
 * part's first frame, unless the part's media came faster than real time: the burst of an edge's
 * upstream GOP cache when its pull starts, an encoder's initial burst, or a first frame that came
 * late. Then the first frame's arrival says nothing about when the part could have been listed
 * (a part of a burst would count a few milliseconds), and the start is the instant its first
 * frame would have arrived in real time: the arrival of the frame that completed the part, less
 * the part's media duration. A part thus never counts less than its duration plus the time the
 * node took to list it once its media was there, and never less than its first frame's wait.
 * When the part's media duration is not plausible (a gap or jump in the media timeline, longer
 * than twice the part target) the first frame's arrival stands.
 *
 * <p>Parts whose first frame reached the node before the session joined are not measured: they
 * come from the stream's GOP cache, handed over at the join, and are as old as the cache.
 *
 * <p>Each measured part also gives the node's own share ({@code cascade.hls.part.delay}): from
 * the arrival of the frame that completed it to its listing, which late frames do not lengthen.
 */
final class PartAvailability {
  /**
   * A measured part: its availability latency, and the node's share of it: from the arrival of
   * the last frame handed to the segmenter (the one that completed the part; at an unpublish, the
   * part's own last) to its listing.
   */
  record Listed(long latencyNanos, long delayNanos) {
  }

  private final long longestPartMillis;
  private long joinedNanos;
  private boolean open;
  private long firstNanos;
  private long firstDts;
  private boolean frameMedia;
  private long frameNanos;
  private long frameDts;

  PartAvailability(Duration partTarget) {
    this.longestPartMillis = 2 * partTarget.toMillis();
  }

  /** The session joined the stream at {@code nanos}: frames that arrived earlier are the GOP cache's. */
  void joined(long nanos) {
    joinedNanos = nanos;
  }

  /**
   * A frame is about to go to the segmenter; if it cuts a part, {@link #listed} follows and this
   * frame is the first of the next part. Only media samples ({@code media}) start parts: not data
   * frames, nor sequence headers (those a session joins with are as old as the publish).
   */
  void arriving(boolean media, long receivedNanos, long dts) {
    frameMedia = media;
    frameNanos = receivedNanos;
    frameDts = dts;
  }

  /** The segmenter took the frame: the first media frame after a start or an end opens a part. */
  void arrived() {
    if (!open && frameMedia) {
      open = true;
      firstNanos = frameNanos;
      firstDts = frameDts;
    }
  }

  /**
   * The open part was listed at {@code nowNanos}; the frame being fed opens the next one.
   *
   * @return the part's figures, or null when it is not measured
   */
  Listed listed(long nowNanos) {
    Listed latency = null;
    if (open && firstNanos - joinedNanos >= 0) {
      long start = firstNanos;
      long durationMillis = frameDts - firstDts;
      if (frameMedia && durationMillis >= 0 && durationMillis <= longestPartMillis) {
        start = Math.min(firstNanos, frameNanos - durationMillis * 1_000_000L);
      }
      latency = new Listed(Math.max(0, nowNanos - start), Math.max(0, nowNanos - frameNanos));
    }
    open = frameMedia;
    firstNanos = frameNanos;
    firstDts = frameDts;
    return latency;
  }

  /** The publish session ended (its last part was listed): the next media frame opens a part. */
  void ended() {
    open = false;
  }
}
