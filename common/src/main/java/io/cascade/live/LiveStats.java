package io.cascade.live;

import java.util.concurrent.atomic.LongAdder;

/** Node-wide counters of the live layer; the metrics layer reads them. */
public final class LiveStats {
  private final LongAdder framesDroppedSlow = new LongAdder();
  private final LongAdder framesDroppedWaitingKeyframe = new LongAdder();
  private final LongAdder slowDisconnects = new LongAdder();
  private final LongAdder queuedBytes = new LongAdder();
  private final LongAdder framesIn = new LongAdder();
  private final LongAdder bytesIn = new LongAdder();

  /** Frames a subscriber's queue discarded because it fell behind (whole GOPs). */
  public void droppedSlow(int frames) {
    framesDroppedSlow.add(frames);
  }

  /** Frames skipped while a subscriber waited for a keyframe to resume at. */
  public void droppedWaitingKeyframe() {
    framesDroppedWaitingKeyframe.increment();
  }

  public void slowDisconnect() {
    slowDisconnects.increment();
  }

  /** Bytes entering (positive) or leaving (negative) subscribers' queues. */
  void queued(long bytes) {
    queuedBytes.add(bytes);
  }

  /** A message entered a live stream. */
  void received(int bytes) {
    framesIn.increment();
    bytesIn.add(bytes);
  }

  /** Bytes now waiting in all subscribers' queues. */
  public long queuedBytes() {
    return queuedBytes.sum();
  }

  /** Messages received into live streams. */
  public long framesIn() {
    return framesIn.sum();
  }

  /** Payload bytes received into live streams. */
  public long bytesIn() {
    return bytesIn.sum();
  }

  public long framesDroppedSlow() {
    return framesDroppedSlow.sum();
  }

  public long framesDroppedWaitingKeyframe() {
    return framesDroppedWaitingKeyframe.sum();
  }

  public long slowDisconnects() {
    return slowDisconnects.sum();
  }
}
