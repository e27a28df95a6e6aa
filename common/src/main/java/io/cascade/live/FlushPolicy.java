package io.cascade.live;

import io.cascade.config.FlushMode;

/**
 * When the players of one {@link LoopGroup} have their writes flushed to their sockets
 * ({@code live.subscriber.flushMode}). Each flush costs every player one write system call, so
 * holding writes back to flush several frames at once saves CPU, and adds the time held to every
 * held frame's lag. Confined to the group's loop; times are the loop's clock.
 *
 * <p>{@link FlushMode#INTERVAL}: a write is held until {@code flushInterval} after the
 * first write since the last flush — fewest writes, and nearly the whole interval added to the lag
 * of a stream whose frames are sparser than the interval (30 fps video + AAC audio arrive about
 * every 13 ms).
 *
 * <p>{@link FlushMode#ADAPTIVE}: write at once while the loop keeps up, coalesce only
 * under load, and never hold longer than {@code flushInterval} either way:
 * <ul>
 *   <li>another frame for this group is already queued on the loop: hold; the delivery of that
 *       frame, a moment later, decides again (the frames go out together at no cost in lag beyond
 *       the wait they had anyway);
 *   <li>only audio is held, the stream has video (a video frame within the last second) and the
 *       next video frame is due within {@code flushAudioHold} (when longer than the interval) of
 *       the first held audio: hold until then, so the audio goes out with that video frame. An
 *       audio frame is a few hundred bytes and a write of its own costs a player a system call,
 *       the loopback transmit and a wakeup of the reader, about as much as a video frame's; at
 *       30 fps with AAC a hold of a whole frame interval halves the writes per player. When the
 *       next video frame is due later than the hold allows (the last video frame's arrival plus
 *       the video's mean arrival interval), waiting would add lag and save no write: flush now;
 *   <li>the loop is loaded — delivery tasks have been waiting in its queue longer than
 *       {@code flushBusyDelay} on average (an exponential moving average over about eight tasks) —
 *       hold as in interval mode, which frees loop time when it is short;
 *   <li>otherwise flush now.
 * </ul>
 * A frame of at least {@code flushBytes} (when set) is flushed at once in both modes. Whatever is
 * held, and whyever, is flushed once its first write is {@code flushInterval} old — or
 * {@code flushAudioHold} old when all of it is audio waiting for video.
 */
final class FlushPolicy {
  /** Flush now. */
  static final long NOW = 0;
  /** Hold: the next queued delivery task for the group decides. */
  static final long NEXT_TASK = -1;
  /** Audio waits for video only while video came this recently: the stream still has video. */
  static final long VIDEO_RECENT_NANOS = 1_000_000_000L;

  private final boolean adaptive;
  private final long intervalNanos;
  private final long busyNanos;
  private final int flushBytes;
  /** The audio hold when it is longer than the interval (adaptive mode), else 0: audio does not wait for video. */
  private final long audioHoldNanos;
  /** Loop time of the first write not flushed yet; meaningful only while {@link #holding}. */
  private long heldSince;
  private boolean holding;
  /** Whether everything held since {@link #heldSince} is audio. */
  private boolean audioOnly;
  private boolean sawVideo;
  private long lastVideo;
  /** Moving average of the time between video deliveries within a second, nanoseconds; 0 until known. */
  private long videoPeriod;
  /** Moving average of the time delivery tasks waited in the loop's queue, nanoseconds. */
  private long averageWait;

  FlushPolicy(LiveSettings settings) {
    this.adaptive = settings.flushMode() == FlushMode.ADAPTIVE;
    this.intervalNanos = settings.flushInterval().toNanos();
    this.busyNanos = settings.flushBusyDelay().toNanos();
    this.flushBytes = settings.flushBytes();
    long hold = settings.flushAudioHold().toNanos();
    this.audioHoldNanos = adaptive && hold > intervalNanos ? hold : 0;
  }

  /** {@link #afterDelivery(long, long, int, int, MediaFrame.Kind)} for a video frame. */
  long afterDelivery(long now, long waited, int queuedBehind, int frameSize) {
    return afterDelivery(now, waited, queuedBehind, frameSize, MediaFrame.Kind.VIDEO);
  }

  /**
   * Called after a delivery task wrote one frame to the group's players.
   *
   * @param now the loop's clock
   * @param waited how long this task waited in the loop's queue
   * @param queuedBehind delivery tasks of this group still queued on the loop after this one
   * @param frameSize the frame's size in bytes
   * @param kind what the frame carries
   * @return {@link #NOW}, {@link #NEXT_TASK}, or a positive delay after which a timer must flush
   */
  long afterDelivery(long now, long waited, int queuedBehind, int frameSize, MediaFrame.Kind kind) {
    averageWait += (waited - averageWait) >> 3;
    boolean audio = kind == MediaFrame.Kind.AUDIO;
    if (kind == MediaFrame.Kind.VIDEO) {
      long since = now - lastVideo;
      if (sawVideo && since > 0 && since < VIDEO_RECENT_NANOS) {
        videoPeriod = videoPeriod == 0 ? since : videoPeriod + ((since - videoPeriod) >> 2);
      }
      sawVideo = true;
      lastVideo = now;
    }
    if (!holding) {
      holding = true;
      heldSince = now;
      audioOnly = true;
    }
    audioOnly &= audio;
    if (intervalNanos == 0 || (flushBytes > 0 && frameSize >= flushBytes)) {
      return flushed();
    }
    boolean waitForVideo = audioOnly && audioHoldNanos > 0 && sawVideo && now - lastVideo < VIDEO_RECENT_NANOS
        && videoDueBy(heldSince + audioHoldNanos);
    long remaining = heldSince + (waitForVideo ? audioHoldNanos : intervalNanos) - now;
    if (remaining <= 0) {
      return flushed();
    }
    if (!adaptive) {
      return remaining;
    }
    if (queuedBehind > 0) {
      return NEXT_TASK;
    }
    if (waitForVideo || averageWait > busyNanos) {
      return remaining;
    }
    return flushed();
  }

  /** Whether the next video frame is expected by loop time {@code deadline} (yes while its cadence is unknown). */
  private boolean videoDueBy(long deadline) {
    return videoPeriod == 0 || lastVideo + videoPeriod <= deadline;
  }

  /** A timer armed by {@link #afterDelivery} fired: whether anything is held to flush. */
  boolean timerFired() {
    if (!holding) {
      return false;
    }
    flushed();
    return true;
  }

  /** Whether the loop counts as loaded (adaptive mode), for tests and diagnostics. */
  boolean loaded() {
    return averageWait > busyNanos;
  }

  private long flushed() {
    holding = false;
    return NOW;
  }
}
