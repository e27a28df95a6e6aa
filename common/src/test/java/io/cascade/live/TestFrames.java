package io.cascade.live;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/** Builds {@link MediaFrame}s for tests outside this package. */
public final class TestFrames {
  private TestFrames() {
  }

  /** A video frame whose body is {@code bytes} (taken, not retained), received now. */
  public static MediaFrame video(long ts, ByteBuf bytes) {
    return new MediaFrame(MediaFrame.Kind.VIDEO, 0, ts, 0, 0, "", System.nanoTime(), System.currentTimeMillis(), bytes);
  }

  /** Packages {@code frame} with {@code packager} as a stream does for a format with subscribers. */
  public static MediaFrame packaged(MediaFrame frame, Packager packager, ByteBufAllocator alloc) {
    frame.packageWith(packager, alloc);
    return frame;
  }
}
