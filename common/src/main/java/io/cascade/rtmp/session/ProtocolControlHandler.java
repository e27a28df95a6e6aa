package io.cascade.rtmp.session;

import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.chunk.ChunkDecoder;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.AggregateMessages;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.ProtocolControl;
import io.cascade.rtmp.message.UserControl;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.util.ArrayList;
import java.util.List;

/**
 * The protocol control of one RTMP connection, the same for a server and a client (RTMP 1.0
 * sections 5.4, 6.2 and 7.1.6). It sits right after the {@link ChunkDecoder} and answers what the
 * peer's chunk stream asks of this end, so the role handler after it sees only application
 * messages: commands, data, audio, video, shared objects and User Control stream events.
 *
 * <ul>
 *   <li>Set Chunk Size and Abort were already applied by the decoder, at the exact chunk where
 *       they arrived; they stop here. Ours go out through {@link #setChunkSize}, and the chunk
 *       encoder switches as it writes the message.
 *   <li>Window Acknowledgement Size sets the window; after each message, once that many bytes came
 *       in since the last Acknowledgement (counted by the decoder, chunk headers included), one is
 *       sent. Set Peer Bandwidth is recorded, never obeyed: live output is paced by its source.
 *       The peer's Acknowledgements are recorded.
 *   <li>User Control Ping Request is answered with a Ping Response; ping responses stop here;
 *       the other events go up.
 *   <li>Aggregate messages go up as their parts, at most {@link #MAX_AGGREGATE_PARTS} of them, each
 *       audio, video or data; anything else in an aggregate is a protocol error.
 * </ul>
 *
 * <p>Malformed control messages raise {@link RtmpProtocolException}, which reaches the role
 * handler's {@code exceptionCaught} and closes the connection with that reason. One instance per
 * connection, used on its event loop.
 */
public final class ProtocolControlHandler extends ChannelInboundHandlerAdapter {
  /**
   * Parts one aggregate may hold: the parts share the aggregate's payload, so this bounds the work
   * and the bookkeeping one message can cause. Encoders aggregate a few frames; 4096 is far above.
   */
  public static final int MAX_AGGREGATE_PARTS = 4096;

  private final ChunkDecoder decoder;
  private final int maxAggregateParts;
  private ChannelHandlerContext ctx;
  private long ackWindow;
  private long lastAckSent;
  private long peerBandwidth;
  private long peerAcknowledged;
  private int outboundChunkSize = ChunkDecoder.DEFAULT_CHUNK_SIZE;

  /** Counts received bytes with {@code decoder}, which must be the decoder before this handler. */
  public ProtocolControlHandler(ChunkDecoder decoder) {
    this(decoder, MAX_AGGREGATE_PARTS);
  }

  public ProtocolControlHandler(ChunkDecoder decoder, int maxAggregateParts) {
    if (maxAggregateParts < 1) {
      throw new IllegalArgumentException("maxAggregateParts must be at least 1: " + maxAggregateParts);
    }
    this.decoder = decoder;
    this.maxAggregateParts = maxAggregateParts;
  }

  /** Bytes received so far, as Acknowledgements count them. */
  public long bytesReceived() {
    return decoder.bytesRead();
  }

  /** The Window Acknowledgement Size the peer asked for; 0 until it does. */
  public long ackWindow() {
    return ackWindow;
  }

  /** The window of the peer's last Set Peer Bandwidth; 0 until it sends one. */
  public long peerBandwidth() {
    return peerBandwidth;
  }

  /** The byte count of the peer's last Acknowledgement (32 bits, wraps after 4 GiB). */
  public long peerAcknowledged() {
    return peerAcknowledged;
  }

  /** The chunk size this end sends with once what was written is encoded. */
  public int outboundChunkSize() {
    return outboundChunkSize;
  }

  /** The chunk size the peer sends with. */
  public int inboundChunkSize() {
    return decoder.chunkSize();
  }

  /** Writes Set Chunk Size (not flushed): the messages written after it use {@code size}. */
  public void setChunkSize(int size) {
    ctx.write(ProtocolControl.setChunkSize(ctx.alloc(), size));
    outboundChunkSize = size;
  }

  /**
   * Writes Window Acknowledgement Size and Set Peer Bandwidth (dynamic), not flushed: the peer is
   * to acknowledge every {@code windowAckSize} bytes and may send unacknowledged up to {@code peerBandwidth}.
   */
  public void setWindows(long windowAckSize, long peerBandwidth) {
    ctx.write(ProtocolControl.windowAckSize(ctx.alloc(), windowAckSize));
    ctx.write(ProtocolControl.setPeerBandwidth(ctx.alloc(), peerBandwidth, ProtocolControl.LIMIT_DYNAMIC));
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof RtmpMessage m)) {
      ctx.fireChannelRead(msg);
      return;
    }
    if (m.typeId() == MessageType.AGGREGATE) {
      List<RtmpMessage> parts = split(m);
      for (RtmpMessage part : parts) {
        ctx.fireChannelRead(part);
      }
    } else if (!handleControl(ctx, m)) {
      ctx.fireChannelRead(m);
    }
    acknowledge();
  }

  /** Handles and releases a control message; false (keeping it) for everything else. */
  private boolean handleControl(ChannelHandlerContext ctx, RtmpMessage m) {
    try {
      switch (m.typeId()) {
        case MessageType.SET_CHUNK_SIZE, MessageType.ABORT -> {
          // Applied by the decoder already.
        }
        case MessageType.ACKNOWLEDGEMENT -> peerAcknowledged = ProtocolControl.readUint32(m);
        case MessageType.WINDOW_ACK_SIZE -> ackWindow = ProtocolControl.readUint32(m);
        case MessageType.SET_PEER_BANDWIDTH -> peerBandwidth = ProtocolControl.readUint32(m);
        case MessageType.USER_CONTROL -> {
          UserControl.Event e = UserControl.Event.parse(m);
          if (e.type() == UserControl.PING_REQUEST) {
            ctx.writeAndFlush(UserControl.pingResponse(ctx.alloc(), e.value()));
          } else if (e.type() != UserControl.PING_RESPONSE) {
            return false;
          }
        }
        default -> {
          return false;
        }
      }
    } catch (RuntimeException e) {
      m.release();
      throw e;
    }
    m.release();
    return true;
  }

  /** The parts of an aggregate, all checked before any goes up; releases the aggregate. */
  private List<RtmpMessage> split(RtmpMessage aggregate) {
    List<RtmpMessage> parts = new ArrayList<>();
    try {
      AggregateMessages.split(aggregate, maxAggregateParts, parts::add);
      for (RtmpMessage part : parts) {
        if (!isAggregatePart(part.typeId())) {
          throw new RtmpProtocolException("aggregate", "malformed aggregate message: a "
              + MessageType.name(part.typeId()) + " part, only audio, video and data may be aggregated");
        }
      }
      return parts;
    } catch (RuntimeException e) {
      parts.forEach(RtmpMessage::release);
      throw e;
    } finally {
      aggregate.release();
    }
  }

  private static boolean isAggregatePart(int typeId) {
    return MessageType.isMedia(typeId) || typeId == MessageType.DATA_AMF0 || typeId == MessageType.DATA_AMF3;
  }

  private void acknowledge() {
    if (ackWindow <= 0 || !ctx.channel().isActive()) {
      return;
    }
    long read = decoder.bytesRead();
    if (read - lastAckSent >= ackWindow) {
      lastAckSent = read;
      ctx.writeAndFlush(ProtocolControl.acknowledgement(ctx.alloc(), read & 0xFFFFFFFFL));
    }
  }
}
