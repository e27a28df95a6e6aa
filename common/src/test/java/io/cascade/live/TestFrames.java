package io.cascade.live;

import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

/** Builds {@link LiveFrame}s for tests outside this package. */
public final class TestFrames {
  private TestFrames() {
  }

  /** A video frame whose encoded form is {@code chunks} (taken, not retained). */
  public static LiveFrame video(long ts, ByteBuf chunks) {
    return new LiveFrame(MessageType.VIDEO, ts, ts, 0, System.nanoTime(), System.currentTimeMillis(),
        Unpooled.buffer(1).writeByte(0), chunks);
  }
}
