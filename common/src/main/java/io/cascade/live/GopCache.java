package io.cascade.live;

import java.util.ArrayDeque;
import java.util.List;

/**
 * The frames since the latest video keyframe, so a new player starts decoding at once. Bounded by
 * payload bytes and media duration: past either bound the cache empties and stays empty until the
 * next keyframe (a partial GOP is useless to a decoder). Confined to its stream's lock.
 */
final class GopCache {
  private final long maxBytes;
  private final long maxDurationMs;
  private final ArrayDeque<LiveFrame> frames = new ArrayDeque<>();
  private long bytes;

  GopCache(long maxBytes, long maxDurationMs) {
    this.maxBytes = maxBytes;
    this.maxDurationMs = maxDurationMs;
  }

  /** Offers a media frame; the cache retains what it keeps. */
  void add(LiveFrame frame) {
    if (frame.isVideo() && frame.isKeyframe()) {
      clear();
      keep(frame);
      return;
    }
    if (frames.isEmpty()) {
      return;
    }
    keep(frame);
    if (bytes > maxBytes || frame.timeline() - frames.peekFirst().timeline() > maxDurationMs) {
      clear();
    }
  }

  private void keep(LiveFrame frame) {
    frames.addLast(frame.retain());
    bytes += frame.size();
  }

  /** Appends the cached frames, each retained once for the receiver. */
  void copyTo(List<LiveFrame> out) {
    for (LiveFrame f : frames) {
      out.add(f.retain());
    }
  }

  boolean isEmpty() {
    return frames.isEmpty();
  }

  long bytes() {
    return bytes;
  }

  int size() {
    return frames.size();
  }

  void clear() {
    LiveFrame f;
    while ((f = frames.pollFirst()) != null) {
      f.release();
    }
    bytes = 0;
  }
}
