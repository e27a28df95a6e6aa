package io.cascade.live;

import io.netty.channel.EventLoop;

/**
 * Something that consumes a live stream: a local player connection now, an edge relay later.
 * Every callback runs on {@link #eventLoop()}, in the order the stream produced them.
 */
public interface Subscriber {

  /** The loop all callbacks run on; frames for subscribers sharing a loop are delivered in one task. */
  EventLoop eventLoop();

  /**
   * A frame for this subscriber; the callee owns one reference and must release it. Frames of one
   * join arrive as metadata, sequence headers, then the cached GOP from its keyframe, then live.
   */
  void onFrame(LiveFrame frame);

  /**
   * Flush what {@link #onFrame} wrote: after the last frame of one delivery task, or, for a
   * subscriber that {@linkplain #coalesceFlushes() coalesces}, at most every flush interval.
   */
  void onFlush();

  /**
   * Whether flushes may be held back for up to {@link LiveSettings#flushInterval()} to write
   * several messages at once (players); false for subscribers whose own consumers must not wait
   * twice (relays to edges).
   */
  default boolean coalesceFlushes() {
    return true;
  }

  /** A publisher started (or restarted) the stream; also the first callback of a join to a live stream. */
  void onPublish();

  /** The publisher left; the subscriber stays attached and may wait for a republish. */
  void onUnpublish();
}
