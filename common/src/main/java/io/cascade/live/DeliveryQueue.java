package io.cascade.live;

import java.util.ArrayDeque;
import java.util.function.LongSupplier;

/**
 * A subscriber's bounded queue between the stream and its {@link MediaOutput}, confined to the
 * subscriber's event loop.
 *
 * <p>Frames go straight to the output while it is writable; otherwise they queue. When the queue
 * passes its byte or media-duration bound the subscriber has fallen behind: every queued media
 * frame is dropped and so is everything after, audio included, until the next video keyframe —
 * whole GOPs, never a partial one, and audio never runs ahead of video. Sequence headers and
 * metadata are never dropped. A subscriber that has not caught up (empty queue) for longer than
 * {@code maxBehind} is too slow: the queue closes its output ({@code slow_consumer}) and takes no
 * more frames.
 */
public final class DeliveryQueue {
  private final MediaOutput output;
  private final LiveStats stats;
  private final LongSupplier nanoTime;
  private final long maxBytes;
  private final long maxDurationMs;
  private final long maxBehindNanos;
  private final ArrayDeque<MediaFrame> queue = new ArrayDeque<>();
  private long queuedBytes;
  private long newestQueuedMediaDts;
  private boolean needKeyframe = true;
  private boolean sawVideo;
  private boolean behind;
  private long behindSinceNanos;
  private boolean wrote;
  private boolean closed;
  private long dropped;

  /** @param nanoTime the node's monotonic clock ({@code System::nanoTime}; virtual in tests) */
  public DeliveryQueue(MediaOutput output, LiveSettings settings, LiveStats stats, LongSupplier nanoTime) {
    this.output = output;
    this.stats = stats;
    this.nanoTime = nanoTime;
    this.maxBytes = settings.queueMaxBytes();
    this.maxDurationMs = settings.queueMaxDuration().toMillis();
    this.maxBehindNanos = settings.maxBehind().toNanos();
  }

  /** Start over at the next keyframe (new join, republish, unpause). */
  public void resync() {
    needKeyframe = true;
  }

  /** Takes the frame's reference. */
  public void offer(MediaFrame frame) {
    if (closed) {
      frame.release();
      return;
    }
    if (frame.isVideo()) {
      sawVideo = true;
    }
    if (!frame.isConfig() && needKeyframe) {
      boolean canStart = frame.isVideo() ? frame.isKeyframe() : !sawVideo;
      if (!canStart) {
        stats.droppedWaitingKeyframe();
        dropped++;
        frame.release();
        return;
      }
      needKeyframe = false;
    }
    if (queue.isEmpty() && output.isWritable()) {
      output.write(frame);
      wrote = true;
      return;
    }
    queue.addLast(frame);
    queuedBytes += frame.size();
    stats.queued(frame.size());
    if (!frame.isConfig()) {
      newestQueuedMediaDts = frame.dts();
    }
    long now = nanoTime.getAsLong();
    if (!behind) {
      behind = true;
      behindSinceNanos = now;
    }
    if (queuedBytes > maxBytes || queuedDurationMs() > maxDurationMs) {
      dropToNextKeyframe();
    }
    if (now - behindSinceNanos > maxBehindNanos) {
      String detail = "behind for more than " + maxBehindNanos / 1_000_000 + " ms, queued " + queuedBytes + " bytes";
      stats.slowDisconnect();
      close();
      output.close("slow_consumer", detail);
    }
  }

  /**
   * Media time spanned by the queue: newest queued media frame minus the oldest. Only config
   * frames can sit ahead of the oldest media frame, so the scan from the head stops almost at once;
   * the newest is remembered at enqueue (every older media frame leaves the queue before it does).
   */
  private long queuedDurationMs() {
    for (MediaFrame f : queue) {
      if (!f.isConfig()) {
        return newestQueuedMediaDts - f.dts();
      }
    }
    return 0;
  }

  private void dropToNextKeyframe() {
    int count = 0;
    int size = queue.size();
    for (int i = 0; i < size; i++) {
      MediaFrame f = queue.pollFirst();
      if (f.isConfig()) {
        queue.addLast(f);
      } else {
        queuedBytes -= f.size();
        stats.queued(-f.size());
        f.release();
        count++;
      }
    }
    dropped += count;
    stats.droppedSlow(count);
    needKeyframe = true;
  }

  /** Writes queued frames while the output accepts them; call when it becomes writable. */
  public void drain() {
    MediaFrame f;
    while (output.isWritable() && (f = queue.pollFirst()) != null) {
      queuedBytes -= f.size();
      stats.queued(-f.size());
      output.write(f);
      wrote = true;
    }
    if (queue.isEmpty()) {
      behind = false;
    }
    flush();
  }

  /** Flushes if anything was written since the last flush. */
  public void flush() {
    if (wrote) {
      wrote = false;
      output.flush();
    }
  }

  public long queuedBytes() {
    return queuedBytes;
  }

  public int queuedFrames() {
    return queue.size();
  }

  /** Frames this subscriber lost (slow or waiting for a keyframe). */
  public long dropped() {
    return dropped;
  }

  /** Accepts frames again after {@link #close()}, starting at the next keyframe. */
  public void reopen() {
    closed = false;
    needKeyframe = true;
    behind = false;
  }

  /** Releases everything; later offers are released at once. */
  public void close() {
    closed = true;
    MediaFrame f;
    while ((f = queue.pollFirst()) != null) {
      f.release();
    }
    stats.queued(-queuedBytes);
    queuedBytes = 0;
  }
}
