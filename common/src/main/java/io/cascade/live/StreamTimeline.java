package io.cascade.live;

/**
 * Maps a publisher's 32-bit RTMP timestamps onto one 64-bit timeline per stream.
 *
 * <p>Two jobs: unwrap the 32-bit field so durations stay right across 2^32 ms (about 49.7 days),
 * and rebase a republished session so players never see time go backwards. The first session
 * keeps the encoder's own timestamps (offset 0); each later one starts just after the last
 * instant already sent.
 *
 * <p>Instants may be negative. Encoders send metadata at 0 whatever their clock says, so a
 * session can begin with 0 and continue with frames stamped just below 2^32 ms; read as 32-bit
 * serial numbers those frames lie a little before 0, and they keep their own timestamps on the
 * wire ({@link #toRtmp}) instead of being pinned to 0 until the clock wraps.
 */
final class StreamTimeline {
  private static final long WRAP = 1L << 32;
  private static final long HALF = 1L << 31;
  /** Gap placed between the last frame of a session and the first of the next. */
  static final long REPUBLISH_GAP_MS = 20;

  private long lastIn = -1;
  private long wraps;
  private long offset;
  private long lastOut;
  private boolean anyOut;
  private boolean sessionStart = true;

  /** The next timestamp belongs to a new publish session. */
  void newSession() {
    sessionStart = true;
    lastIn = -1;
    wraps = 0;
  }

  /** Returns the frame's instant on the stream timeline (ms, monotonic across sessions). */
  long map(long ts32) {
    long in;
    if (lastIn < 0) {
      in = ts32;
      lastIn = ts32;
    } else {
      long diff = ts32 - (lastIn & 0xFFFFFFFFL);
      long epoch = wraps;
      if (diff < -HALF) {
        // Forward across the 32-bit wrap: e.g. 0xFFFFFFF0 followed by 0x10.
        epoch = ++wraps;
      } else if (diff > HALF) {
        // A late frame from just before the wrap (audio/video interleave): previous epoch.
        epoch = wraps - 1;
      }
      in = epoch * WRAP + ts32;
      if (in > lastIn) {
        lastIn = in;
      }
    }
    if (sessionStart) {
      offset = anyOut ? lastOut + REPUBLISH_GAP_MS - in : 0;
      sessionStart = false;
    }
    long out = in + offset;
    if (!anyOut || out > lastOut) {
      lastOut = out;
      anyOut = true;
    }
    return out;
  }

  /** The RTMP timestamp for a timeline instant. */
  static long toRtmp(long timeline) {
    return timeline & 0xFFFFFFFFL;
  }
}
