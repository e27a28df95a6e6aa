package io.cascade.transport;

import io.cascade.live.MediaFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;

/**
 * Collects a player connection's live frames between flushes into one {@link FrameBatch}, which
 * goes out as a single outbound message (one gathering write of the shared packaged buffers). RTMP
 * players write the batch as it is; HTTP-FLV wraps each batch in one HTTP chunk and WebSocket-FLV
 * in one binary message ({@link FrameBatch.Framing}).
 *
 * <p>Sits next to the transport, in front of every other protocol handler, so every other outbound
 * message passes it: a write or flush first puts the collected frames into the outbound buffer,
 * keeping the connection's byte order exactly the order of the calls. A batch also goes out, still
 * unflushed, when it reaches {@code maxBatchBytes} or {@link #MAX_BATCH_FRAMES}, so what sits here
 * uncounted by the channel's water marks is bounded; once in the outbound buffer a batch counts
 * like a buffer of its size ({@link FrameBatch#SIZE_ESTIMATOR}).
 *
 * <p>Only for plaintext NIO channels: TLS needs buffers to encrypt (sessions over RTMPS write
 * duplicates of the chunk buffers instead). Confined to the channel's event loop.
 */
public final class FrameWriter extends ChannelDuplexHandler {
  public static final String NAME = "frameWriter";
  public static final int MAX_BATCH_FRAMES = 256;

  private final int maxBatchBytes;
  private final FrameBatch.Framing framing;
  private final Runnable onWritable;
  private ChannelHandlerContext ctx;
  private FrameBatch batch;
  private boolean closed;

  public FrameWriter(int maxBatchBytes) {
    this(maxBatchBytes, null, null);
  }

  /**
   * @param framing wraps each batch (null: the frames' bytes go out as they are)
   * @param onWritable run when the channel becomes writable again (null: nobody asks), for writers
   *     whose connection handler does not pass that on itself
   */
  public FrameWriter(int maxBatchBytes, FrameBatch.Framing framing, Runnable onWritable) {
    this.maxBatchBytes = maxBatchBytes;
    this.framing = framing;
    this.onWritable = onWritable;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  /**
   * Queues a frame's packaged bytes {@code wire} (owned by the frame) after everything written so
   * far (takes the frame's reference); they are sent by the next flush. {@code listener} (may be
   * null) hears when the last byte is in the socket. With a null {@code frame} the writer takes
   * {@code wire} itself.
   */
  public void add(MediaFrame frame, ByteBuf wire, FrameBatch.Written listener) {
    if (closed || !ctx.channel().isActive()) {
      if (frame != null) {
        frame.release();
      } else {
        wire.release();
      }
      return;
    }
    if (batch == null) {
      batch = new FrameBatch(4);
    }
    batch.add(frame, wire, listener);
    if (batch.count() >= maxBatchBytes || batch.frames() >= MAX_BATCH_FRAMES) {
      spill();
    }
  }

  /**
   * Sends the collected frames and everything written before them: the same as a flush through the
   * pipeline, without passing the RTMP handlers behind this one (none of them holds writes back).
   */
  public void flushNow() {
    spill();
    ctx.flush();
  }

  /** Bytes collected and not yet handed to the outbound buffer. */
  public long pendingBytes() {
    return batch == null ? 0 : batch.count();
  }

  private void spill() {
    FrameBatch b = batch;
    if (b != null) {
      batch = null;
      if (framing != null) {
        b.frame(framing, ctx.alloc());
      }
      ctx.write(b, ctx.voidPromise());
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
    if (onWritable != null && ctx.channel().isWritable()) {
      onWritable.run();
    }
    super.channelWritabilityChanged(ctx);
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    spill();
    ctx.write(msg, promise);
  }

  @Override
  public void flush(ChannelHandlerContext ctx) {
    spill();
    ctx.flush();
  }

  @Override
  public void close(ChannelHandlerContext ctx, ChannelPromise promise) throws Exception {
    discard();
    super.close(ctx, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    discard();
    super.channelInactive(ctx);
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    discard();
  }

  private void discard() {
    closed = true;
    FrameBatch b = batch;
    if (b != null) {
      batch = null;
      b.release();
    }
  }
}
