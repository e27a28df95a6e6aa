package io.cascade.testing;

import io.cascade.live.MediaFrame;
import io.cascade.live.Packager;
import io.cascade.live.Subscriber;
import io.netty.channel.EventLoop;
import java.util.function.Consumer;

/**
 * A subscriber for tests that look only at frames: each one goes to {@code frames}, which owns it
 * and must release it; flushes, publishes and unpublishes are ignored. Each instance is a
 * subscriber of its own (identity equality).
 */
public final class FrameSubscriber implements Subscriber {
  private final EventLoop loop;
  private final Packager packager;
  private final Consumer<MediaFrame> frames;

  /**
   * @param packager the format this subscriber writes, null to read bodies only
   * @param frames gets each frame on {@code loop} and releases it
   */
  public FrameSubscriber(EventLoop loop, Packager packager, Consumer<MediaFrame> frames) {
    this.loop = loop;
    this.packager = packager;
    this.frames = frames;
  }

  @Override
  public EventLoop eventLoop() {
    return loop;
  }

  @Override
  public Packager packager() {
    return packager;
  }

  @Override
  public void onFrame(MediaFrame frame) {
    frames.accept(frame);
  }

  @Override
  public void onFlush() {
  }

  @Override
  public void onPublish() {
  }

  @Override
  public void onUnpublish() {
  }
}
