package io.cascade.live;

import io.netty.channel.EventLoop;

/**
 * Something that consumes a live stream: a local player, a relay to an edge, later a packager of
 * parts or a recorder. Every callback runs on {@link #eventLoop()}, in the order the stream
 * produced them.
 */
public interface Subscriber {

  /** The loop all callbacks run on; frames for subscribers sharing a loop are delivered in one task. */
  EventLoop eventLoop();

  /**
   * The format this subscriber writes: every frame it gets is packaged by it ({@link MediaFrame#wire}).
   * Null for subscribers that read only the body. Must not change while subscribed.
   */
  default Packager packager() {
    return null;
  }

  /**
   * A frame for this subscriber; the callee owns one reference and must release it. Frames of one
   * join arrive as metadata, sequence headers, then the cached GOP from its keyframe, then live.
   */
  void onFrame(MediaFrame frame);

  /**
   * Flush what {@link #onFrame} wrote: after the last frame of one delivery task, or, for a
   * subscriber that {@linkplain #coalesceFlushes() coalesces}, at most every flush interval.
   */
  void onFlush();

  /**
   * Whether flushes may be held back for up to {@link LiveSettings#flushInterval()} (one track
   * waiting for the other: {@link LiveSettings#flushAudioHold()}, {@link LiveSettings#flushVideoHold()})
   * to write several messages at once (players);
   * false for subscribers whose own consumers must not wait twice (relays to edges).
   */
  default boolean coalesceFlushes() {
    return true;
  }

  /**
   * The viewers this subscriber stands for, as the stream list and the cluster's viewer directory
   * count them: one for a player or relay; for a packager serving stateless requests (LL-HLS) the
   * viewers it serves now, which may be none; none for a recorder. Read from any thread.
   */
  default int viewers() {
    return 1;
  }

  /** Whether this subscriber is another Cascade node pulling the stream (counted in {@link #viewers()} too). */
  default boolean relay() {
    return false;
  }

  /** A publisher started (or restarted) the stream; also the first callback of a join to a live stream. */
  void onPublish();

  /** The publisher left; the subscriber stays attached and may wait for a republish. */
  void onUnpublish();
}
