package io.cascade.server;

import io.cascade.transport.FrameWriter;
import io.cascade.live.StreamManager;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.amf.AmfObject;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.handshake.HandshakeCompleted;
import io.cascade.rtmp.message.Command;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.DataMessage;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.rtmp.session.CommandDispatcher;
import io.cascade.rtmp.session.ProtocolControlHandler;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One server RTMP connection, the last handler of its pipeline: handshake → chunk decoder and
 * encoder → the shared {@link ProtocolControlHandler} (chunk size, windows and acknowledgements,
 * ping, aggregates) → this. It routes a publisher's media and data to its {@link PublishSession},
 * hands commands to {@link CommandDispatcher}, whose typed calls {@link ServerCommands} serves,
 * and owns the connection's lifecycle: the close with one reason and log line, the idle and
 * no-data timeouts, and the role it is counted under in the metrics. Whether a publish or play may
 * start, and the words of every refusal, are {@link Admission}'s; the message streams and their
 * sessions are {@link NetStreams}. Runs on the connection's event loop.
 */
public final class RtmpConnection extends ChannelInboundHandlerAdapter {
  static final Logger LOG = LoggerFactory.getLogger("cascade.rtmp");
  private static final AtomicLong IDS = new AtomicLong();

  private final RtmpServerSettings settings;
  private final StreamManager streams;
  private final Admission admission;
  private final RtmpMetrics metrics;
  private final ProtocolControlHandler control;
  private final ServerCommands served;
  private final ChunkEncoder encoder;
  /** Batches live frames by reference; null over RTMPS. */
  private final FrameWriter writer;
  private final CommandDispatcher commands;
  private final long id = IDS.incrementAndGet();
  private final NetStreams netStreams = new NetStreams();
  private ChannelHandlerContext ctx;
  private String peer = "?";
  private String app;
  private boolean closing;
  private long bytesCounted;
  private long lastReadNanos = System.nanoTime();
  private ScheduledFuture<?> watchdog;
  private RtmpMetrics.Kind kind = RtmpMetrics.Kind.PENDING;
  private RtmpMetrics.AppMeters appMeters;
  private boolean handshakeDone;

  /**
   * {@code control}, {@code encoder} and {@code writer} are the ones of this connection's pipeline;
   * {@code writer} is null where live frames cannot be written by reference (RTMPS, tests).
   */
  public RtmpConnection(RtmpServerSettings settings, StreamManager streams, SessionPolicy policy,
      RtmpMetrics metrics, ProtocolControlHandler control, ChunkEncoder encoder, FrameWriter writer) {
    this.settings = settings;
    this.streams = streams;
    this.admission = new Admission(streams, policy, metrics);
    this.metrics = metrics;
    this.control = control;
    this.encoder = encoder;
    this.writer = writer;
    this.served = new ServerCommands(this, netStreams, admission, control);
    this.commands = new CommandDispatcher(settings.amfLimits(), served);
  }

  String peer() {
    return peer;
  }

  long id() {
    return id;
  }

  ChannelHandlerContext context() {
    return ctx;
  }

  StreamManager streams() {
    return streams;
  }

  RtmpServerSettings settings() {
    return settings;
  }

  RtmpMetrics metrics() {
    return metrics;
  }

  /** The app's meters; set at connect. */
  RtmpMetrics.AppMeters appMeters() {
    return appMeters;
  }

  /** The chunk size this connection currently sends with. */
  int outboundChunkSize() {
    return encoder.chunkSize();
  }

  /** The batching writer of live frames, or null (RTMPS, or a pipeline without one). */
  FrameWriter frameWriter() {
    return writer;
  }

  /**
   * The chunk encoder's context: writing a ByteBuf of already encoded chunks here starts at the
   * handler before the encoder, which would only pass it on. Same event loop and order as writes
   * through {@link #context()}, since the encoder writes synchronously.
   */
  ChannelHandlerContext encodedContext() {
    ChannelHandlerContext c = context().pipeline().context(encoder);
    return c != null ? c : context();
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    if (ctx.channel().remoteAddress() instanceof InetSocketAddress a) {
      peer = a.getAddress().getHostAddress() + ":" + a.getPort();
    }
    metrics.connectionOpened();
    long period = Math.max(250, Math.min(settings.idleTimeout().toMillis(), settings.publisherNoDataTimeout().toMillis()) / 4);
    watchdog = ctx.executor().scheduleAtFixedRate(this::checkTimeouts, period, period, TimeUnit.MILLISECONDS);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    countBytesIn();
    if (!(msg instanceof RtmpMessage m)) {
      // Bytes that never became a message (e.g. after a protocol error): nothing to do with them.
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      if (!closing) {
        handle(m);
      }
    } finally {
      m.release();
    }
  }

  /** Adds what the peer sent since the last count to the metric; notes when it last sent anything. */
  private void countBytesIn() {
    long read = control.bytesReceived();
    if (read != bytesCounted) {
      metrics.bytesIn(read - bytesCounted);
      bytesCounted = read;
      lastReadNanos = System.nanoTime();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof HandshakeCompleted done) {
      handshakeDone = true;
      LOG.debug("event=handshake peer={} conn={} complex={}", peer, id, done.complex());
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      for (PlaySession p : netStreams.players()) {
        p.drain();
      }
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof RtmpProtocolException e) {
      close(e.reason(), e.getMessage());
    } else if (cause instanceof IOException) {
      close("io_error", cause.getMessage());
    } else {
      LOG.warn("event=internal_error peer={} conn={}", peer, id, cause);
      close("internal_error", String.valueOf(cause));
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (!closing) {
      closing = true;
      LOG.info("event=disconnect peer={} conn={} app={} role={} reason=peer_closed", peer, id, app, kind.tag());
      metrics.connectionClosed(kind, "peer_closed", handshakeDone);
    }
    cleanup();
    ctx.fireChannelInactive();
  }

  /** Closes this connection once, with one log line naming the reason. */
  void close(String reason, String detail) {
    if (startClosing(reason, detail)) {
      ctx.close();
    }
  }

  /** Sends what is queued, then closes (used after a final onStatus or _error). */
  void closeAfterFlush(String reason, String detail) {
    if (startClosing(reason, detail)) {
      ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  private boolean startClosing(String reason, String detail) {
    if (closing) {
      return false;
    }
    closing = true;
    LOG.info("event=close peer={} conn={} app={} role={} reason={} detail=\"{}\"", peer, id, app, kind.tag(), reason,
        detail);
    metrics.connectionClosed(kind, reason, handshakeDone);
    cleanup();
    return true;
  }

  private void cleanup() {
    if (watchdog != null) {
      watchdog.cancel(false);
      watchdog = null;
    }
    countBytesIn();
    for (PublishSession p : netStreams.publishers()) {
      p.stop();
      admission.publishEnded(p);
      appMeters.publishEnded();
    }
    for (PlaySession p : netStreams.players()) {
      p.stop();
      admission.playEnded(p);
    }
    netStreams.clear();
  }

  private void checkTimeouts() {
    if (closing) {
      return;
    }
    countBytesIn();
    long now = System.nanoTime();
    for (PublishSession p : netStreams.publishers()) {
      if (now - p.lastMediaNanos() > settings.publisherNoDataTimeout().toNanos()) {
        close("publisher_no_data", "no media for " + settings.publisherNoDataTimeout().toMillis() + " ms on " + p.key());
        return;
      }
    }
    if (netStreams.players().isEmpty() && now - lastReadNanos > settings.idleTimeout().toNanos()) {
      close("idle", "nothing received for " + settings.idleTimeout().toMillis() + " ms");
    }
  }

  private void handle(RtmpMessage m) {
    switch (m.typeId()) {
      case MessageType.AUDIO, MessageType.VIDEO -> {
        PublishSession p = netStreams.publisherFor(m.streamId());
        if (p != null) {
          p.onMedia(m);
        }
      }
      case MessageType.DATA_AMF0, MessageType.DATA_AMF3 -> onData(m);
      case MessageType.COMMAND_AMF0, MessageType.COMMAND_AMF3 -> {
        Command c = commands.decode(m);
        if (!served.isConnected() && !"connect".equals(c.name())) {
          throw new RtmpProtocolException("command_before_connect", "'" + c.name() + "' before connect");
        }
        commands.dispatch(c, m.streamId());
      }
      case MessageType.USER_CONTROL -> {
        // Stream events and buffer lengths from a client change nothing for a live server.
      }
      case MessageType.SHARED_OBJECT_AMF0, MessageType.SHARED_OBJECT_AMF3 ->
          LOG.debug("event=ignored peer={} conn={} type=shared_object", peer, id);
      default -> throw new RtmpProtocolException("unknown_message_type", "unknown message type " + m.typeId());
    }
  }

  private void onData(RtmpMessage m) {
    PublishSession p = netStreams.publisherFor(m.streamId());
    if (p == null) {
      return;
    }
    DataMessage data = Commands.decodeData(m, settings.amfLimits());
    if (DataMessage.SET_DATA_FRAME.equals(data.name())) {
      if (!data.values().isEmpty() && DataMessage.ON_METADATA.equals(data.values().get(0))) {
        p.onMetadata(m.timestamp(), Commands.dataBody(ctx.alloc(), DataMessage.ON_METADATA, data.values().subList(1, data.values().size())));
      }
    } else if (DataMessage.ON_METADATA.equals(data.name())) {
      p.onMetadata(m.timestamp(), m.payload().retainedSlice());
    } else if (!DataMessage.CLEAR_DATA_FRAME.equals(data.name())) {
      p.onData(m);
    }
  }

  /** connect succeeded for {@code app}: the connection is counted under that app from now on. */
  void connected(String app) {
    this.app = app;
    appMeters = metrics.app(app);
  }

  boolean isClosing() {
    return closing;
  }

  /** What the connection is counted as in the metrics (pending, publisher, player, relay). */
  RtmpMetrics.Kind role() {
    return kind;
  }

  void role(RtmpMetrics.Kind next) {
    metrics.connectionKind(kind, next);
    kind = next;
  }

  /** Closes from any thread (node draining). */
  void closeLater(String reason, String detail) {
    ctx.executor().execute(() -> close(reason, detail));
  }

  /** Called by a play session that cannot continue (no publisher in time, too slow). */
  void endPlay(PlaySession session, String reason, String detail) {
    if (netStreams.playing(session.streamId()) == session) {
      close(reason, detail + " stream=" + session.key());
    }
  }

  /** Ends a publish whose right to the key was withdrawn (registry claim lost). */
  void revokePublish(PublishSession session, String code, String description, String reason) {
    if (netStreams.publishing(session.streamId()) != session || closing) {
      return;
    }
    sendStatus(session.streamId(), NetStatus.error(code, description));
    closeAfterFlush(reason, description + " stream=" + session.key());
  }

  void sendStatus(int sid, AmfObject info) {
    ctx.write(Commands.command(ctx.alloc(), Commands.CSID_STREAM, sid, "onStatus", 0, null, info));
    ctx.flush();
  }

  void sendCommand(int sid, String name, double tx, Object commandObject, Object... args) {
    Object[] values = new Object[args.length + 1];
    values[0] = commandObject;
    System.arraycopy(args, 0, values, 1, args.length);
    ctx.writeAndFlush(Commands.command(ctx.alloc(), Commands.CSID_COMMAND, sid, name, tx, values));
  }
}
