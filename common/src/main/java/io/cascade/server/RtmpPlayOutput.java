package io.cascade.server;

import io.cascade.transport.FrameBatch;
import io.cascade.transport.FrameWriter;
import io.cascade.cluster.RelayClock;
import io.cascade.live.MediaFrame;
import io.cascade.live.MediaOutput;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.rtmp.media.RtmpChunkPackager;
import io.micrometer.core.instrument.Timer;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.DefaultChannelPromise;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The write end of one RTMP play: how a frame the queue hands over reaches the player's socket.
 * Three ways, chosen per frame: the stream's shared chunk bytes by reference in the next
 * {@link FrameWriter} batch (plain TCP, the shared stream id and chunk size); a retained duplicate
 * of them (RTMPS, whose TLS handler must see buffers); or the body re-chunked for this player (its
 * own chunk size or stream id). It also measures the sampled fan-out lag and stamps the origin's
 * clock into relays. Confined to the connection's event loop; it ends the play only by closing the
 * connection.
 */
final class RtmpPlayOutput implements MediaOutput, FrameBatch.Written {
  private final RtmpConnection connection;
  private final ChannelHandlerContext ctx;
  private final ChannelHandlerContext encoded;
  /** Batches shared frames by reference; null over RTMPS. */
  private final FrameWriter writer;
  /** The stream's RTMP packager when this play writes its shared bytes; null when it re-chunks. */
  private final RtmpChunkPackager packager;
  private final int streamId;
  private final String key;
  private final boolean relay;
  private final RtmpMetrics.AppMeters meters;
  private Timer streamLag;
  private final boolean measureLag;
  private final long clockIntervalNanos;
  private final LongSupplier nanoTime;
  private long lastClockNanos;
  private long startedNanos;
  private int lagStride;

  RtmpPlayOutput(RtmpConnection connection, RtmpChunkPackager packager, int streamId, String key, boolean relay,
      LongSupplier nanoTime) {
    this.connection = connection;
    this.ctx = connection.context();
    this.encoded = connection.encodedContext();
    this.writer = connection.frameWriter();
    this.packager = packager;
    this.streamId = streamId;
    this.key = key;
    this.relay = relay;
    this.meters = connection.appMeters();
    this.measureLag = connection.metrics().measureLag();
    this.clockIntervalNanos = connection.metrics().node().settings().relayClockInterval().toNanos();
    this.nanoTime = nanoTime;
    this.startedNanos = nanoTime.getAsLong();
  }

  /** The per-stream lag timer ({@code metrics.perStream}), or null. */
  void streamLag(Timer timer) {
    streamLag = timer;
  }

  /** Frames that reached the node before this instant come from the GOP cache and are not measured. */
  void restartLagClock() {
    startedNanos = nanoTime.getAsLong();
  }

  @Override
  public boolean isWritable() {
    return ctx.channel().isWritable();
  }

  @Override
  public void write(MediaFrame frame) {
    boolean media = !frame.isData();
    if (relay && media && frame.originMillis() > 0) {
      stampClock(frame);
    }
    // A GOP-cache frame's age is the cache's, not a delivery delay: only later ones are measured.
    boolean sample = measureLag && media && frame.receivedNanos() >= startedNanos
        && lagStride++ % RtmpMetrics.LAG_SAMPLE_EVERY == 0;
    ByteBuf wire = packager == null ? null : frame.wire(packager);
    if (wire != null) {
      connection.metrics().bytesOut(wire.readableBytes());
      if (writer != null) {
        // The shared chunk buffer itself, by reference, in the next batch (takes the frame's reference).
        writer.add(frame, wire, sample ? this : null);
        return;
      }
      // A duplicate per player: the socket moves its reader index, the shared bytes stay put.
      encoded.write(wire.retainedDuplicate(), sample ? new Delivery(frame) : ctx.voidPromise());
    } else {
      connection.metrics().bytesOut(frame.size());
      ctx.write(RtmpChunkPackager.message(frame, streamId), sample ? new Delivery(frame) : ctx.voidPromise());
    }
    frame.release();
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
  public void close(String reason, String detail) {
    connection.close(reason, detail + " stream=" + key);
  }

  /** A sampled frame's last byte is in the socket (batched writes). */
  @Override
  public void written(MediaFrame frame) {
    recordLag(frame.receivedNanos(), frame.originMillis());
  }

  /**
   * One sampled media message's delivery: arrival on this node → its bytes in the socket, so the
   * time a flush was held back ({@code live.subscriber.flushInterval}) is included.
   */
  private void recordLag(long receivedNanos, long originMillis) {
    long lag = nanoTime.getAsLong() - receivedNanos;
    long ingest = originMillis > 0 ? Math.max(0, System.currentTimeMillis() - originMillis) : -1;
    meters.delivered(lag, ingest);
    if (streamLag != null) {
      streamLag.record(Math.max(0, lag), TimeUnit.NANOSECONDS);
    }
  }

  /** Relays get the origin's receive clock every metrics.relayClockInterval, see {@link RelayClock}. */
  private void stampClock(MediaFrame frame) {
    long now = nanoTime.getAsLong();
    if (lastClockNanos != 0 && now - lastClockNanos < clockIntervalNanos) {
      return;
    }
    lastClockNanos = now;
    ctx.write(RelayClock.stamp(ctx.alloc(), RtmpChunkPackager.CSID_DATA, streamId, RtmpChunkPackager.timestamp(frame),
        frame.originMillis()), ctx.voidPromise());
  }

  /**
   * The write of one sampled media message when it does not go through the {@link FrameWriter}
   * (RTMPS, or a player's own chunk size or stream id): measured when the write completes.
   */
  private final class Delivery extends DefaultChannelPromise implements ChannelFutureListener {
    private final long receivedNanos;
    private final long originMillis;

    Delivery(MediaFrame frame) {
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
}
