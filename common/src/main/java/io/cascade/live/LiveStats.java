package io.cascade.live;

import java.util.concurrent.atomic.LongAdder;

/** Node-wide counters of the live layer; the metrics layer reads them. */
public final class LiveStats {
  private final LongAdder framesDroppedSlow = new LongAdder();
  private final LongAdder framesDroppedWaitingKeyframe = new LongAdder();
  private final LongAdder slowDisconnects = new LongAdder();

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
