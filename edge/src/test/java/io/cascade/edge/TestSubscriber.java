package io.cascade.edge;

import io.cascade.live.MediaFrame;
import io.cascade.live.Subscriber;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;

/**
 * A subscriber on an embedded event loop: what the stream posts to it runs only when the test
 * calls {@link #drain}, so counts are exact without waiting. It releases every frame.
 */
final class TestSubscriber implements Subscriber {
  private final EmbeddedChannel channel = new EmbeddedChannel();
  int publishes;
  int unpublishes;
  int frames;

  @Override
  public EventLoop eventLoop() {
    return channel.eventLoop();
  }

  /** Runs what the stream has posted to this subscriber. */
  TestSubscriber drain() {
    channel.runPendingTasks();
    return this;
  }

  @Override
  public void onFrame(MediaFrame frame) {
    frames++;
    frame.release();
  }

  @Override
  public void onFlush() {
  }

  @Override
  public void onPublish() {
    publishes++;
  }

  @Override
  public void onUnpublish() {
    unpublishes++;
  }
}
