package io.cascade.live;

import io.cascade.config.FlushMode;
import java.time.Duration;

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
 *   <li>the same the other way round when {@code flushVideoHold} is set (longer than the
 *       interval): only video is held, the stream has audio and the next audio frame is due within
 *       the video hold of the first held video frame: hold until then. With both holds short (a
 *       dozen milliseconds at 30 fps video and AAC audio, whose frames come every 33 and 23 ms),
 *       an audio and a video frame that arrive close together go out in one write whichever comes
 *       first — about one write per audio frame instead of one per frame — and no frame waits
 *       longer than the hold, where the audio hold alone needs a whole video frame interval to
 *       catch every audio frame. Once both tracks are held nothing waits for either;
 *   <li>the loop is loaded — delivery tasks have been waiting in its queue longer than
 *       {@code flushBusyDelay} on average (an exponential moving average over about eight tasks) —
 *       hold as in interval mode, which frees loop time when it is short;
 *   <li>otherwise flush now.
 * </ul>
 * A frame of at least {@code flushBytes} (when set) is flushed at once in both modes. Whatever is
 * held, and whyever, is flushed once its first write is {@code flushInterval} old — or
 * {@code flushAudioHold} old when all of it is audio waiting for video ({@code flushVideoHold} for
 * video waiting for audio).
 */
final class FlushPolicy {
  /** Flush now. */
  static final long NOW = 0;
  /** Hold: the next queued delivery task for the group decides. */
  static final long NEXT_TASK = -1;
  /** A track waits for the other only while the other came this recently: the stream still has it. */
  static final long TRACK_RECENT_NANOS = 1_000_000_000L;

  private final boolean adaptive;
  private final long intervalNanos;
  private final long busyNanos;
  private final int flushBytes;
  /** The audio hold when it is longer than the interval (adaptive mode), else 0: audio does not wait for video. */
  private final long audioHoldNanos;
  /** The video hold when it is longer than the interval (adaptive mode), else 0: video does not wait for audio. */
  private final long videoHoldNanos;
  /** Loop time of the first write not flushed yet; meaningful only while {@link #holding}. */
  private long heldSince;
  private boolean holding;
  /** Whether everything held since {@link #heldSince} is audio, or video. */
  private boolean audioOnly;
  private boolean videoOnly;
  /** Arrival cadence of each track, to tell when its next frame is due. */
  private final Cadence video = new Cadence();
  private final Cadence audio = new Cadence();
  /** Moving average of the time delivery tasks waited in the loop's queue, nanoseconds. */
  private long averageWait;

  FlushPolicy(LiveSettings settings) {
    this.adaptive = settings.flushMode() == FlushMode.ADAPTIVE;
    this.intervalNanos = settings.flushInterval().toNanos();
    this.busyNanos = settings.flushBusyDelay().toNanos();
    this.flushBytes = settings.flushBytes();
    this.audioHoldNanos = hold(settings.flushAudioHold());
    this.videoHoldNanos = hold(settings.flushVideoHold());
  }

  private long hold(Duration hold) {
    return adaptive && hold.toNanos() > intervalNanos ? hold.toNanos() : 0;
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
    if (kind == MediaFrame.Kind.VIDEO) {
      video.arrived(now);
    } else if (kind == MediaFrame.Kind.AUDIO) {
      audio.arrived(now);
    }
    if (!holding) {
      holding = true;
      heldSince = now;
      audioOnly = true;
      videoOnly = true;
    }
    audioOnly &= kind == MediaFrame.Kind.AUDIO;
    videoOnly &= kind == MediaFrame.Kind.VIDEO;
    if (intervalNanos == 0 || (flushBytes > 0 && frameSize >= flushBytes)) {
      return flushed();
    }
    long pairHold = 0;
    if (audioOnly && audioHoldNanos > 0 && video.dueBy(now, heldSince + audioHoldNanos)) {
      pairHold = audioHoldNanos;
    } else if (videoOnly && videoHoldNanos > 0 && audio.dueBy(now, heldSince + videoHoldNanos)) {
      pairHold = videoHoldNanos;
    }
    long remaining = heldSince + (pairHold > 0 ? pairHold : intervalNanos) - now;
    if (remaining <= 0) {
      return flushed();
    }
    if (!adaptive) {
      return remaining;
    }
    if (queuedBehind > 0) {
      return NEXT_TASK;
    }
    if (pairHold > 0 || averageWait > busyNanos) {
      return remaining;
    }
    return flushed();
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

  /** When one track's frames arrive: the last one and the mean interval between them. */
  private static final class Cadence {
    private boolean seen;
    private long last;
    /** Moving average of the time between arrivals within a second, nanoseconds; 0 until known. */
    private long period;

    void arrived(long now) {
      long since = now - last;
      if (seen && since > 0 && since < TRACK_RECENT_NANOS) {
        period = period == 0 ? since : period + ((since - period) >> 2);
      }
      seen = true;
      last = now;
    }

    /**
     * Whether the stream still has this track (a frame within the last second) and its next frame
     * is expected by loop time {@code deadline} (yes while the cadence is unknown).
     */
    boolean dueBy(long now, long deadline) {
      return seen && now - last < TRACK_RECENT_NANOS && (period == 0 || last + period <= deadline);
    }
  }
}
