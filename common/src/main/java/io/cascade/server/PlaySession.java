package io.cascade.server;

import io.cascade.live.DeliveryQueue;
import io.cascade.live.LiveStream;
import io.cascade.live.MediaFrame;
import io.cascade.live.Packager;
import io.cascade.live.PublisherWait;
import io.cascade.live.StreamManager;
import io.cascade.live.Subscriber;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.rtmp.media.RtmpChunkPackager;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.rtmp.message.UserControl;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoop;
import java.time.Duration;

/**
 * A play on one message stream of a connection: subscribes to the live stream, keeps the player
 * informed (PublishNotify/UnpublishNotify) and waits, bounded, for a publisher that has not
 * started yet or has left. Frames go one way: stream → its {@link DeliveryQueue} → its
 * {@link RtmpPlayOutput} → the socket. Runs on the connection's event loop.
 */
final class PlaySession implements Subscriber {
  private final RtmpConnection connection;
  private final ChannelHandlerContext ctx;
  private final int streamId;
  private final String key;
  private final SessionPolicy.Request request;
  /** The stream's shared RTMP bytes when this play can write them as they are; null: re-chunked per player. */
  private final RtmpChunkPackager packager;
  private final RtmpPlayOutput output;
  private final DeliveryQueue queue;
  private final boolean relay;
  private final RtmpMetrics.AppMeters meters;
  private boolean counted;
  private LiveStream stream;
  private boolean live;
  /** Counted in the node's waiting players until the stream goes live; the bounded waits. */
  private final PublisherWait wait;
  private boolean sawPublish;
  private boolean paused;
  private boolean audio = true;
  private boolean video = true;
  private boolean stopped;

  PlaySession(RtmpConnection connection, int streamId, SessionPolicy.Request request, boolean relay) {
    this.connection = connection;
    this.ctx = connection.context();
    this.streamId = streamId;
    this.key = request.key();
    this.request = request;
    this.relay = relay;
    this.meters = connection.appMeters();
    int chunkSize = connection.streams().settings().chunkSize();
    this.packager = streamId == RtmpChunkPackager.SHARED_STREAM_ID && connection.outboundChunkSize() == chunkSize
        ? new RtmpChunkPackager(chunkSize) : null;
    this.output = new RtmpPlayOutput(connection, packager, streamId, key, relay, System::nanoTime);
    this.queue = new DeliveryQueue(output, connection.streams().settings(), connection.streams().stats(), System::nanoTime);
    this.wait = new PublisherWait(connection.streams(), ctx.channel().eventLoop());
  }

  String key() {
    return key;
  }

  SessionPolicy.Request request() {
    return request;
  }

  int streamId() {
    return streamId;
  }

  boolean isLive() {
    return stream != null && stream.isLive();
  }

  /**
   * Subscribes; returns null, or the limit that refused it ({@code max_streams},
   * {@code max_players_per_stream}, {@code max_waiting_players}), after which only {@link #stop}
   * is left to call.
   */
  String start() {
    output.restartLagClock();
    StreamManager streams = connection.streams();
    StreamManager.JoinResult joined = streams.join(key, this);
    if (joined.stream() == null) {
      return joined.refusal() == StreamManager.JoinRefusal.TOO_MANY_STREAMS ? "max_streams" : "max_players_per_stream";
    }
    stream = joined.stream();
    boolean streamLive = stream.isLive();
    if (!streamLive && !wait.startCounting()) {
      streams.unsubscribe(stream, this);
      stream = null;
      return "max_waiting_players";
    }
    counted = true;
    meters.playStarted(relay);
    output.streamLag(connection.metrics().streamLag(key));
    if (!streamLive) {
      armWait(connection.streams().settings().playerWaitTimeout(), "stream_not_found",
          NetStatus.PLAY_STREAM_NOT_FOUND, "no publisher for " + key);
    }
    return null;
  }

  void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    wait.end();
    if (counted) {
      counted = false;
      meters.playEnded(relay);
    }
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
      output.restartLagClock();
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
  public void onFrame(MediaFrame frame) {
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

  /** Relays flush at once: the edge's own players wait for its flush interval already. */
  @Override
  public boolean coalesceFlushes() {
    return !relay;
  }

  @Override
  public boolean relay() {
    return relay;
  }

  @Override
  public void onPublish() {
    if (stopped) {
      return;
    }
    boolean notify = sawPublish || wait.isArmed();
    wait.end();
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
    wait.arm(timeout, () -> {
      if (stopped || live) {
        return;
      }
      ctx.write(UserControl.streamEof(ctx.alloc(), streamId));
      connection.sendStatus(streamId, NetStatus.error(code, description));
      connection.endPlay(this, reason, "waited " + timeout.toMillis() + " ms");
    });
  }

  @Override
  public Packager packager() {
    return packager;
  }
}
