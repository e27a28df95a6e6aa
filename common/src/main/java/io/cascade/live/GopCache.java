package io.cascade.live;

import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The frames since the latest keyframe of the lead video track, so a new player starts decoding at once. Bounded by
 * payload bytes and media duration: past either bound the cache empties and stays empty until the
 * next keyframe (a partial GOP is useless to a decoder). Confined to its stream's lock.
 */
final class GopCache {
  private final long maxBytes;
  private final long maxDurationMs;
  private final ArrayDeque<MediaFrame> frames = new ArrayDeque<>();
  private long bytes;
  /**
   * The video track whose keyframes start the cache: the lowest id seen (the default track, 0, when
   * there is one). With Enhanced-RTMP multitrack video, another track's keyframe (OBS aligns them,
   * right after the default track's) must not empty a cache that just began.
   */
  private int leadTrack = Integer.MAX_VALUE;

  GopCache(long maxBytes, long maxDurationMs) {
    this.maxBytes = maxBytes;
    this.maxDurationMs = maxDurationMs;
  }

  /** Offers a media frame; the cache retains what it keeps. */
  void add(MediaFrame frame) {
    if (frame.isVideo() && frame.isKeyframe() && frame.trackId() <= leadTrack) {
      leadTrack = frame.trackId();
      clear();
      keep(frame);
      return;
    }
    if (frames.isEmpty()) {
      return;
    }
    keep(frame);
    if (bytes > maxBytes || frame.dts() - frames.peekFirst().dts() > maxDurationMs) {
      clear();
    }
  }

  private void keep(MediaFrame frame) {
    frames.addLast(frame.retain());
    bytes += frame.size();
  }

  /** Appends the cached frames, each retained once for the receiver. */
  void copyTo(List<MediaFrame> out) {
    for (MediaFrame f : frames) {
      out.add(f.retain());
    }
  }

  /** Packages every cached frame with {@code packager} (a packager's first subscriber joined). */
  void packageWith(Packager packager, ByteBufAllocator alloc) {
    for (MediaFrame f : frames) {
      f.packageWith(packager, alloc);
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
    MediaFrame f;
    while ((f = frames.pollFirst()) != null) {
      f.release();
    }
    bytes = 0;
  }
}
