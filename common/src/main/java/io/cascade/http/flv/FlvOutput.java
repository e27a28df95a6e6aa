package io.cascade.http.flv;

import io.cascade.flv.FlvTagPackager;
import io.cascade.live.MediaFrame;
import io.cascade.live.MediaOutput;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.transport.FrameBatch;
import io.cascade.transport.FrameWriter;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.function.LongSupplier;

/**
 * The write end of one HTTP-FLV or WebSocket-FLV player: the tags the queue hands over go to the
 * socket as RTMP players' chunks do, by reference, batched between the live core's flushes.
 *
 * <p>Why past Vert.x: a {@code response.write} per tag costs a promise, a write task, an HTTP chunk
 * header and a flush (a syscall) per tag and player. Instead, once Vert.x has sent the head and the
 * FLV header, a {@link FrameWriter} goes first in the connection's pipeline and collects the
 * stream's shared tag buffers (taking each frame's reference, released once its last byte is in the
 * socket or the connection closes); each flush sends them as one HTTP chunk (or one WebSocket
 * binary message) in one gathering write. Vert.x's own later writes (the last chunk, a close
 * frame, a pong) pass the writer, which sends what it holds first, so the byte order is the order
 * of the calls. Backpressure is the channel's: not writable above its high water mark (batches
 * count by their size, {@link HttpFlvRoute#prepare}), and the writer's
 * {@code channelWritabilityChanged} drains the queue again.
 *
 * <p>It also measures the sampled fan-out lag (protocol {@code http-flv} for both transports).
 * Confined to the connection's event loop; it ends the play only by closing its transport.
 */
final class FlvOutput implements MediaOutput, FrameBatch.Written {
  /** The fan-out lag {@code protocol} tag of both HTTP-FLV and WebSocket-FLV players. */
  static final String LAG_PROTOCOL = "http-flv";

  private final FlvTransport transport;
  private final RtmpMetrics metrics;
  private final RtmpMetrics.AppMeters meters;
  private final FlvMeters flvMeters;
  private final int maxBatchBytes;
  private final boolean measureLag;
  private final LongSupplier nanoTime;
  private ChannelHandlerContext ctx;
  private FrameWriter writer;
  private boolean closed;
  private long startedNanos;
  private int lagStride;

  FlvOutput(FlvTransport transport, FlvMeters flvMeters, RtmpMetrics.AppMeters meters, int maxBatchBytes,
      LongSupplier nanoTime) {
    this.transport = transport;
    this.flvMeters = flvMeters;
    this.metrics = flvMeters.rtmp();
    this.meters = meters;
    this.maxBatchBytes = maxBatchBytes;
    this.measureLag = metrics.measureLag();
    this.nanoTime = nanoTime;
    this.startedNanos = nanoTime.getAsLong();
  }

  /** Frames that reached the node before this instant come from the GOP cache and are not measured. */
  void restartLagClock() {
    startedNanos = nanoTime.getAsLong();
  }

  /**
   * The head and FLV header are out: tags go to the channel from now on. {@code onWritable} runs
   * now and whenever the channel becomes writable again.
   */
  void start(Runnable onWritable) {
    if (closed || writer != null) {
      return;
    }
    ctx = transport.channelContext();
    if (!ctx.channel().isActive()) {
      return;
    }
    ChannelPipeline pipeline = ctx.pipeline();
    // Tags are written ahead of the HTTP server's idle handler (http.idleTimeout), which would see
    // no write and close a healthy player; a player that stops reading is cut by its queue instead
    // (live.subscriber.maxBehindDuration, with http.sendBufferSize bounding what the kernel holds).
    IdleStateHandler idle = pipeline.get(IdleStateHandler.class);
    if (idle != null) {
      pipeline.remove(idle);
    }
    writer = new FrameWriter(maxBatchBytes, transport.framing(), onWritable);
    pipeline.addFirst(FrameWriter.NAME, writer);
    onWritable.run();
  }

  @Override
  public boolean isWritable() {
    return writer != null && !closed && ctx.channel().isWritable();
  }

  @Override
  public void write(MediaFrame frame) {
    if (writer == null || closed) {
      frame.release();
      return;
    }
    // A GOP-cache frame's age is the cache's, not a delivery delay: only later ones are measured.
    boolean sample = measureLag && !frame.isData() && frame.receivedNanos() >= startedNanos
        && lagStride++ % RtmpMetrics.LAG_SAMPLE_EVERY == 0;
    ByteBuf tag = frame.wire(FlvTagPackager.INSTANCE);
    if (tag != null) {
      metrics.flvBytesOut(tag.readableBytes());
      writer.add(frame, tag, sample ? this : null);
      return;
    }
    // Not packaged by the stream (not expected while this player subscribes with the FLV packager): its own tag.
    ByteBuf own = FlvTagPackager.INSTANCE.encode(frame, ctx.alloc());
    frame.release();
    metrics.flvBytesOut(own.readableBytes());
    writer.add(null, own, null);
  }

  @Override
  public void flush() {
    if (writer != null && !closed) {
      writer.flushNow();
    }
  }

  /**
   * A normal end (the stream did not come back): what was written goes out, the writer leaves the
   * pipeline (an HTTP/1.1 connection may serve another request), then the transport ends.
   */
  void finish() {
    if (closed) {
      return;
    }
    closed = true;
    if (writer != null && ctx.channel().isActive()) {
      writer.flushNow();
      ctx.pipeline().remove(writer);
    }
    transport.end();
  }

  /** The queue gave up on this reader ({@code slow_consumer}): counted, then the connection is cut. */
  @Override
  public void close(String reason, String detail) {
    if (closed) {
      return;
    }
    closed = true;
    flvMeters.refused(reason);
    transport.abort(reason, detail);
  }

  /** A sampled tag's last byte is in the socket: arrival on this node → there, flush hold-back included. */
  @Override
  public void written(MediaFrame frame) {
    long origin = frame.originMillis();
    meters.delivered(LAG_PROTOCOL, nanoTime.getAsLong() - frame.receivedNanos(),
        origin > 0 ? Math.max(0, System.currentTimeMillis() - origin) : -1);
  }
}
