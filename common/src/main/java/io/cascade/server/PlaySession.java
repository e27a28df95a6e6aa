package io.cascade.server;

import io.cascade.cluster.RelayClock;
import io.cascade.live.DeliveryQueue;
import io.cascade.live.LiveFrame;
import io.cascade.live.LiveStream;
import io.cascade.live.StreamManager;
import io.cascade.live.Subscriber;
import io.cascade.metrics.RtmpMetrics;
import io.micrometer.core.instrument.Timer;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.rtmp.message.UserControl;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A play on one message stream of a connection: subscribes to the live stream, keeps the player
 * informed (PublishNotify/UnpublishNotify) and waits, bounded, for a publisher that has not
 * started yet or has left. Runs on the connection's event loop.
 */
final class PlaySession implements Subscriber, DeliveryQueue.Sink, FrameBatch.Written {
  private final RtmpConnection connection;
  private final ChannelHandlerContext ctx;
  private final ChannelHandlerContext encoded;
  /** Batches live frames by reference; null over RTMPS. */
  private final FrameWriter writer;
  private final int streamId;
  private final String key;
  private final SessionPolicy.Request request;
  private final DeliveryQueue queue;
  private final boolean relay;
  private final RtmpMetrics.AppMeters meters;
  private final boolean measureLag;
  private final long clockIntervalNanos;
  private long lastClockNanos;
  private long startedNanos;
  private int lagStride;
  private Timer streamLag;
  private boolean counted;
  private LiveStream stream;
  private boolean live;
  /** Counted in the node's waiting players until the stream goes live. */
  private boolean waiting;
  private boolean sawPublish;
  private boolean paused;
  private boolean audio = true;
  private boolean video = true;
  private boolean stopped;
  private ScheduledFuture<?> waitTimer;

  PlaySession(RtmpConnection connection, int streamId, SessionPolicy.Request request, boolean relay) {
    this.connection = connection;
    this.ctx = connection.context();
    this.encoded = connection.encodedContext();
    this.writer = connection.frameWriter();
    this.streamId = streamId;
    this.key = request.key();
    this.request = request;
    this.relay = relay;
    this.meters = connection.appMeters();
    this.measureLag = connection.metrics().measureLag();
    this.clockIntervalNanos = connection.metrics().node().settings().relayClockInterval().toNanos();
    this.queue = new DeliveryQueue(this, connection.streams().settings(), connection.streams().stats());
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
    startedNanos = System.nanoTime();
    StreamManager streams = connection.streams();
    StreamManager.JoinResult joined = streams.join(key, this);
    if (joined.stream() == null) {
      return joined.refusal() == StreamManager.JoinRefusal.TOO_MANY_STREAMS ? "max_streams" : "max_players_per_stream";
    }
    stream = joined.stream();
    if (!stream.isLive()) {
      if (!streams.startWaiting()) {
        streams.unsubscribe(stream, this);
        stream = null;
        return "max_waiting_players";
      }
      waiting = true;
    }
    counted = true;
    meters.playStarted(relay);
    streamLag = connection.metrics().streamLag(key);
    if (waiting) {
      armWait(connection.streams().settings().playerWaitTimeout(), "stream_not_found",
          NetStatus.PLAY_STREAM_NOT_FOUND, "no publisher for " + key);
    }
    return null;
  }

  private void endWaiting() {
    if (waiting) {
      waiting = false;
      connection.streams().stopWaiting();
    }
  }

  void stop() {
    if (stopped) {
      return;
    }
    stopped = true;
    endWaiting();
    if (counted) {
      counted = false;
      meters.playEnded(relay);
    }
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
      startedNanos = System.nanoTime();
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

  /** Relays flush at once: the edge's own players wait for its flush interval already. */
  @Override
  public boolean coalesceFlushes() {
    return !relay;
  }

  @Override
  public void onPublish() {
    if (stopped) {
      return;
    }
    boolean notify = sawPublish || waitTimer != null;
    cancelWait();
    endWaiting();
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
    boolean media = frame.isAudio() || frame.isVideo();
    if (relay && media && frame.originMillis() > 0) {
      stampClock(frame);
    }
    // Frames that reached the node before this player joined come from the GOP cache: their age
    // is the cache's, not a delivery delay, so only later ones are measured.
    boolean sample = measureLag && media && frame.receivedNanos() >= startedNanos
        && lagStride++ % RtmpMetrics.LAG_SAMPLE_EVERY == 0;
    connection.metrics().bytesOut(frame.chunks().readableBytes());
    if (streamId == LiveStream.SHARED_STREAM_ID && connection.outboundChunkSize() == connection.streams().settings().chunkSize()) {
      if (writer != null) {
        // The shared chunk buffer itself, by reference, in the next batch (takes the frame's reference).
        writer.add(frame, sample ? this : null);
        return;
      }
      // A duplicate per player: the socket moves its reader index, the shared bytes stay put.
      encoded.write(frame.chunks().retainedDuplicate(), sample ? new Delivery(frame) : ctx.voidPromise());
    } else {
      int csid = frame.isAudio() ? LiveStream.CSID_AUDIO : frame.isVideo() ? LiveStream.CSID_VIDEO : LiveStream.CSID_DATA;
      ctx.write(new RtmpMessage(csid, frame.typeId(), frame.timestamp(), streamId, frame.payload().retainedDuplicate()),
          sample ? new Delivery(frame) : ctx.voidPromise());
    }
    frame.release();
  }

  /** A sampled frame's last byte is in the socket (batched writes). */
  @Override
  public void written(LiveFrame frame) {
    recordLag(frame.receivedNanos(), frame.originMillis());
  }

  /**
   * One sampled media message's delivery: arrival on this node → its bytes in the socket, so the
   * time a flush was held back ({@code live.subscriber.flushInterval}) is included.
   */
  private void recordLag(long receivedNanos, long originMillis) {
    long lag = System.nanoTime() - receivedNanos;
    long ingest = originMillis > 0 ? Math.max(0, System.currentTimeMillis() - originMillis) : -1;
    meters.delivered(lag, ingest);
    if (streamLag != null) {
      streamLag.record(Math.max(0, lag), TimeUnit.NANOSECONDS);
    }
  }

  /** Relays get the origin's receive clock every metrics.relayClockInterval, see {@link RelayClock}. */
  private void stampClock(LiveFrame frame) {
    long now = System.nanoTime();
    if (lastClockNanos != 0 && now - lastClockNanos < clockIntervalNanos) {
      return;
    }
    lastClockNanos = now;
    ctx.write(RelayClock.stamp(ctx.alloc(), LiveStream.CSID_DATA, streamId, frame.timestamp(), frame.originMillis()),
        ctx.voidPromise());
  }

  /**
   * The write of one sampled media message when it does not go through the {@link FrameWriter}
   * (RTMPS, or a player's own chunk size or stream id): measured when the write completes.
   */
  private final class Delivery extends DefaultChannelPromise implements ChannelFutureListener {
    private final long receivedNanos;
    private final long originMillis;

    Delivery(LiveFrame frame) {
      super(ctx.channel(), ctx.executor());
      this.receivedNanos = frame.receivedNanos();
      this.originMillis = frame.originMillis();
      addListener(this);
    }

    @Override
    public void operationComplete(ChannelFuture future) {
      if (future.isSuccess()) {
        recordLag(receivedNanos, originMillis);
      }
    }
  }

  @Override
  public void flush() {
    if (writer != null) {
      writer.flushNow();
    } else {
      ctx.flush();
    }
  }

  @Override
  public void tooSlow(String detail) {
    connection.streams().stats().slowDisconnect();
    connection.endPlay(this, "slow_consumer", detail);
  }
}
