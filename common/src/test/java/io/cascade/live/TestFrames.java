package io.cascade.live;

import io.netty.buffer.ByteBuf;

/** Builds {@link MediaFrame}s for tests outside this package. */
public final class TestFrames {
  private TestFrames() {
  }

  /** A video frame whose body is {@code bytes} (taken, not retained), received now. */
  public static MediaFrame video(long ts, ByteBuf bytes) {
    return new MediaFrame(MediaFrame.Kind.VIDEO, 0, ts, 0, 0, "", System.nanoTime(), System.currentTimeMillis(), bytes);
  }
}
