package io.cascade.server;

import io.cascade.live.DeliveryQueue;
import io.cascade.live.LiveFrame;
import io.cascade.live.LiveStream;
import io.cascade.live.Subscriber;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.rtmp.message.UserControl;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A play on one message stream of a connection: subscribes to the live stream, keeps the player
 * informed (PublishNotify/UnpublishNotify) and waits, bounded, for a publisher that has not
 * started yet or has left. Runs on the connection's event loop.
 */
final class PlaySession implements Subscriber, DeliveryQueue.Sink {
  private final RtmpConnection connection;
  private final ChannelHandlerContext ctx;
  private final int streamId;
  private final String key;
  private final DeliveryQueue queue;
  private LiveStream stream;
  private boolean live;
  private boolean sawPublish;
  private boolean paused;
  private boolean audio = true;
  private boolean video = true;
  private boolean stopped;
  private ScheduledFuture<?> waitTimer;

  PlaySession(RtmpConnection connection, int streamId, String key) {
    this.connection = connection;
    this.ctx = connection.context();
    this.streamId = streamId;
    this.key = key;
    this.queue = new DeliveryQueue(this, connection.streams().settings(), connection.streams().stats());
  }

  String key() {
    return key;
  }

  int streamId() {
    return streamId;
  }

  boolean isLive() {
    return stream != null && stream.isLive();
  }

  /** Subscribes; false when a node or stream limit refused it. */
  boolean start() {
    stream = connection.streams().subscribe(key, this);
    if (stream == null) {
      return false;
    }
    if (!stream.isLive()) {
      armWait(connection.streams().settings().playerWaitTimeout(), "stream_not_found",
          NetStatus.PLAY_STREAM_NOT_FOUND, "no publisher for " + key);
    }
    return true;
  }

  void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    cancelWait();
    if (stream != null) {
      connection.streams().unsubscribe(stream, this);
    }
    queue.close();
  }

  void drain() {
    queue.drain();
  }

  void receive(boolean isVideo, boolean on) {
    if (isVideo) {
      video = on;
      if (on) {
        queue.resync();
      }
    } else {
      audio = on;
    }
  }

  void pause(boolean pause) {
    if (pause == paused || stopped) {
      return;
    }
    paused = pause;
    if (pause) {
      connection.streams().unsubscribe(stream, this);
      queue.close();
      connection.sendStatus(streamId, NetStatus.status(NetStatus.PAUSE_NOTIFY, "Paused " + key));
    } else {
      connection.sendStatus(streamId, NetStatus.status(NetStatus.UNPAUSE_NOTIFY, "Unpaused " + key));
      queue.reopen();
      stream = connection.streams().subscribe(key, this);
      if (stream == null) {
        connection.endPlay(this, "play_rejected", "limit reached on unpause");
      }
    }
  }

  @Override
  public EventLoop eventLoop() {
    return ctx.channel().eventLoop();
  }

  @Override
  public void onFrame(LiveFrame frame) {
    if (stopped || paused || (frame.isAudio() && !audio) || (frame.isVideo() && !video)) {
      frame.release();
      return;
    }
    queue.offer(frame);
  }

  @Override
  public void onFlush() {
    queue.flush();
  }

  @Override
  public void onPublish() {
    if (stopped) {
      return;
    }
    boolean notify = sawPublish || waitTimer != null;
    cancelWait();
    if (!live && notify) {
      ctx.write(UserControl.streamBegin(ctx.alloc(), streamId));
      connection.sendStatus(streamId, NetStatus.status(NetStatus.PLAY_PUBLISH_NOTIFY, key + " is now published"));
    }
    live = true;
    sawPublish = true;
    queue.resync();
  }

  @Override
  public void onUnpublish() {
    if (stopped || !live) {
      return;
    }
    live = false;
    connection.sendStatus(streamId, NetStatus.status(NetStatus.PLAY_UNPUBLISH_NOTIFY, key + " is now unpublished"));
    armWait(connection.streams().settings().republishWaitTimeout(), "publisher_gone",
        NetStatus.PLAY_STOP, "publisher of " + key + " did not come back");
  }

  private void armWait(Duration timeout, String reason, String code, String description) {
    cancelWait();
    waitTimer = ctx.executor().schedule(() -> {
      if (stopped || live) {
        return;
      }
      ctx.write(UserControl.streamEof(ctx.alloc(), streamId));
      connection.sendStatus(streamId, NetStatus.error(code, description));
      connection.endPlay(this, reason, "waited " + timeout.toMillis() + " ms");
    }, timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void cancelWait() {
    if (waitTimer != null) {
      waitTimer.cancel(false);
      waitTimer = null;
    }
  }

  @Override
  public boolean isWritable() {
    return ctx.channel().isWritable();
  }

  @Override
  public void write(LiveFrame frame) {
    if (streamId == LiveStream.SHARED_STREAM_ID && connection.outboundChunkSize() == connection.streams().settings().chunkSize()) {
      ctx.write(frame.chunks().retainedDuplicate(), ctx.voidPromise());
    } else {
      int csid = frame.isAudio() ? LiveStream.CSID_AUDIO : frame.isVideo() ? LiveStream.CSID_VIDEO : LiveStream.CSID_DATA;
      ctx.write(new RtmpMessage(csid, frame.typeId(), frame.timestamp(), streamId, frame.payload().retainedDuplicate()), ctx.voidPromise());
    }
    frame.release();
  }

  @Override
  public void flush() {
    ctx.flush();
  }

  @Override
  public void tooSlow(String detail) {
    connection.streams().stats().slowDisconnect();
    connection.endPlay(this, "slow_consumer", detail);
  }
}
