package io.cascade.live;

import java.util.ArrayDeque;

/**
 * A subscriber's bounded queue between the stream and its socket, confined to the subscriber's
 * event loop.
 *
 * <p>Frames go straight to the sink while it is writable; otherwise they queue. When the queue
 * passes its byte or media-duration bound the subscriber has fallen behind: every queued media
 * frame is dropped and so is everything after, audio included, until the next video keyframe —
 * whole GOPs, never a partial one, and audio never runs ahead of video. Sequence headers and
 * metadata are never dropped. A subscriber that has not caught up (empty queue) for longer than
 * {@code maxBehind} is reported too slow and the caller disconnects it.
 */
public final class DeliveryQueue {

  /** Where frames go: a connection. */
  public interface Sink {
    boolean isWritable();

    /** Writes the frame (takes the reference). */
    void write(LiveFrame frame);

    void flush();

    /** Stayed behind past the limit; the sink closes itself. */
    void tooSlow(String detail);
  }

  private final Sink sink;
  private final LiveStats stats;
  private final long maxBytes;
  private final long maxDurationMs;
  private final long maxBehindNanos;
  private final ArrayDeque<LiveFrame> queue = new ArrayDeque<>();
  private long queuedBytes;
  private long newestQueuedMediaTimeline;
  private boolean needKeyframe = true;
  private boolean sawVideo;
  private long behindSinceNanos;
  private boolean wrote;
  private boolean closed;
  private long dropped;

  public DeliveryQueue(Sink sink, LiveSettings settings, LiveStats stats) {
    this.sink = sink;
    this.stats = stats;
    this.maxBytes = settings.queueMaxBytes();
    this.maxDurationMs = settings.queueMaxDuration().toMillis();
    this.maxBehindNanos = settings.maxBehind().toNanos();
  }

  /** Start over at the next keyframe (new join, republish, unpause). */
  public void resync() {
    needKeyframe = true;
  }

  /** Takes the frame's reference. */
  public void offer(LiveFrame frame) {
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
    if (queue.isEmpty() && sink.isWritable()) {
      sink.write(frame);
      wrote = true;
      return;
    }
    queue.addLast(frame);
    queuedBytes += frame.size();
    stats.queued(frame.size());
    if (!frame.isConfig()) {
      newestQueuedMediaTimeline = frame.timeline();
    }
    if (behindSinceNanos == 0) {
      behindSinceNanos = System.nanoTime();
    }
    if (queuedBytes > maxBytes || queuedDurationMs() > maxDurationMs) {
      dropToNextKeyframe();
    }
    if (behindSinceNanos != 0 && System.nanoTime() - behindSinceNanos > maxBehindNanos) {
      sink.tooSlow("behind for more than " + maxBehindNanos / 1_000_000 + " ms, queued " + queuedBytes + " bytes");
    }
  }

  /**
   * Media time spanned by the queue: newest queued media frame minus the oldest. Only config
   * frames can sit ahead of the oldest media frame, so the scan from the head stops almost at once;
   * the newest is remembered at enqueue (every older media frame leaves the queue before it does).
   */
  private long queuedDurationMs() {
    for (LiveFrame f : queue) {
      if (!f.isConfig()) {
        return newestQueuedMediaTimeline - f.timeline();
      }
    }
    return 0;
  }

  private void dropToNextKeyframe() {
    int count = 0;
    int size = queue.size();
    for (int i = 0; i < size; i++) {
      LiveFrame f = queue.pollFirst();
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

  /** Writes queued frames while the sink accepts them; call when it becomes writable. */
  public void drain() {
    LiveFrame f;
    while (sink.isWritable() && (f = queue.pollFirst()) != null) {
      queuedBytes -= f.size();
      stats.queued(-f.size());
      sink.write(f);
      wrote = true;
    }
    if (queue.isEmpty()) {
      behindSinceNanos = 0;
    }
    flush();
  }

  /** Flushes if anything was written since the last flush. */
  public void flush() {
    if (wrote) {
      wrote = false;
      sink.flush();
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
    behindSinceNanos = 0;
  }

  /** Releases everything; later offers are released at once. */
  public void close() {
    closed = true;
    LiveFrame f;
    while ((f = queue.pollFirst()) != null) {
      f.release();
    }
    stats.queued(-queuedBytes);
    queuedBytes = 0;
  }
}
