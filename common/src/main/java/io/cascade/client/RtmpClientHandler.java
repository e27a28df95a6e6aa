package io.cascade.client;

import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.amf.AmfEcmaArray;
import io.cascade.rtmp.amf.AmfObject;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.handshake.HandshakeCompleted;
import io.cascade.rtmp.message.Command;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.DataMessage;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.rtmp.message.UserControl;
import io.cascade.rtmp.session.CommandDispatcher;
import io.cascade.rtmp.session.CommandListener;
import io.cascade.rtmp.session.ProtocolControlHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import io.netty.util.concurrent.ScheduledFuture;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The protocol side of an {@link RtmpClient}: the last handler of its pipeline, after the
 * {@link ProtocolControlHandler} (which acknowledges, answers pings and splits aggregates). It
 * sends connect once the handshake is done, matches {@code _result}/{@code _error} to pending
 * calls by transaction id, waits for the onStatus that starts play or publish, and hands media and
 * data messages to the listener.
 *
 * <p>Everything except {@link #connectFailed} and the volatile fields runs on the channel's event
 * loop; {@link RtmpClient} hops there before calling in.
 *
 * <p>About 460 lines: the client's state machine (connect, create stream, play or publish, close)
 * and the futures it completes share one state and one close path. The pending calls and the
 * status wait could move to a class of their own; not done yet (issue 12).
 */
final class RtmpClientHandler extends ChannelInboundHandlerAdapter implements CommandListener {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.rtmp.client");
  static final int CSID_DATA = Commands.CSID_STREAM;
  static final int CSID_AUDIO = 6;
  static final int CSID_VIDEO = 7;
  /** Start argument of play: live only, as ffmpeg sends for a live stream. */
  private static final double PLAY_LIVE = -2000;

  enum State { CONNECTING, CONNECTING_APP, CONNECTED, STARTING_STREAM, PLAYING, PUBLISHING, CLOSED }

  /** A command that waits for its {@code _result} or {@code _error}. */
  private record Call(String name, CompletableFuture<Command> result, ScheduledFuture<?> timer) {}

  /** A play or publish that waits for the onStatus that starts it. */
  private record StatusWait(String command, String successCode, State next, CompletableFuture<Void> result,
      ScheduledFuture<?> timer) {}

  private final RtmpClientOptions options;
  private final RtmpClientListener listener;
  private final ProtocolControlHandler control;
  private final CommandDispatcher commands;
  private final RtmpUrl url;
  private final Map<String, ?> extraConnectProperties;
  private final CompletableFuture<Map<String, Object>> connected;
  private final IntObjectMap<Call> calls = new IntObjectHashMap<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile Channel channel;
  private volatile State state = State.CONNECTING;
  private volatile int streamId = -1;
  private ChannelHandlerContext ctx;
  private StatusWait statusWait;
  /** The name given to play or publish, for logs and FCUnpublish. */
  private String streamName = "";
  private int nextTransactionId = 1;
  private boolean everActive;
  private boolean closeRequested;
  private Throwable closeCause;
  private boolean finished;

  RtmpClientHandler(RtmpClientOptions options, RtmpClientListener listener, ProtocolControlHandler control,
      RtmpUrl url, Map<String, ?> extraConnectProperties, CompletableFuture<Map<String, Object>> connected) {
    this.options = options;
    this.listener = listener;
    this.control = control;
    this.commands = new CommandDispatcher(options.amfLimits(), this);
    this.url = url;
    this.extraConnectProperties = extraConnectProperties;
    this.connected = connected;
  }

  /** Null until the channel is registered. */
  Channel channel() {
    return channel;
  }

  State state() {
    return state;
  }

  int streamId() {
    return streamId;
  }

  CompletableFuture<Void> closeFuture() {
    return closed;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    this.ctx = ctx;
    channel = ctx.channel();
    ctx.channel().closeFuture().addListener(f -> onChannelClosed());
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    everActive = true;
    super.channelActive(ctx);
  }

  /** The TCP connect failed (refused, timed out, unresolvable); called on any thread. */
  void connectFailed(Throwable cause) {
    if (closeRequested) {
      finish(null);
      return;
    }
    finish(new IOException("cannot connect to " + url.host() + ":" + url.port() + ": " + cause.getMessage(), cause));
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof HandshakeCompleted) {
      sendConnect();
      return;
    }
    ctx.fireUserEventTriggered(evt);
  }

  private void sendConnect() {
    AmfObject props = new AmfObject();
    props.put("app", url.app());
    props.put("flashVer", options.flashVer());
    props.put("tcUrl", url.tcUrl());
    props.put("fpad", false);
    props.put("capabilities", 15.0);
    props.put("audioCodecs", 4071.0);
    props.put("videoCodecs", 252.0);
    props.put("videoFunction", 1.0);
    props.put("objectEncoding", 0.0);
    props.putAll(extraConnectProperties);
    state = State.CONNECTING_APP;
    call("connect", 0, props).whenComplete((result, error) -> {
      if (error != null) {
        connected.completeExceptionally(error);
        close(error);
        return;
      }
      // Our chunk size applies from the next message on; the encoder switches as it writes this.
      control.setChunkSize(options.chunkSize());
      ctx.flush();
      state = State.CONNECTED;
      LOG.debug("event=connected peer={} app={}", peer(), url.app());
      connected.complete(CommandDispatcher.info(result));
    });
  }

  /** Creates a stream and plays {@code name} on it; {@code result} completes on NetStream.Play.Start. */
  void play(String name, CompletableFuture<Void> result) {
    if (!readyToStart("play", result)) {
      return;
    }
    streamName = name;
    startStream("play", result, sid -> {
      if (!options.playBuffer().isZero()) {
        ctx.write(UserControl.setBufferLength(ctx.alloc(), sid, options.playBuffer().toMillis()));
      }
      ctx.writeAndFlush(Commands.command(ctx.alloc(), Commands.CSID_STREAM, sid, "play", 0, null, name, PLAY_LIVE));
      awaitStatus("play", NetStatus.PLAY_START, State.PLAYING, result);
    });
  }

  /** Creates a stream and publishes {@code name} live; {@code result} completes on NetStream.Publish.Start. */
  void publish(String name, CompletableFuture<Void> result) {
    if (!readyToStart("publish", result)) {
      return;
    }
    streamName = name;
    // ffmpeg and OBS announce the name first; some servers and CDNs expect it. Replies are ignored.
    ctx.write(Commands.command(ctx.alloc(), Commands.CSID_COMMAND, 0, "releaseStream", nextTransactionId++, null, name));
    ctx.write(Commands.command(ctx.alloc(), Commands.CSID_COMMAND, 0, "FCPublish", nextTransactionId++, null, name));
    startStream("publish", result, sid -> {
      ctx.writeAndFlush(Commands.command(ctx.alloc(), Commands.CSID_STREAM, sid, "publish", 0, null, name, "live"));
      awaitStatus("publish", NetStatus.PUBLISH_START, State.PUBLISHING, result);
    });
  }

  private boolean readyToStart(String command, CompletableFuture<Void> result) {
    if (state != State.CONNECTED) {
      result.completeExceptionally(new IllegalStateException(command + " needs a connected client without a stream, state " + state));
      return false;
    }
    return true;
  }

  private void startStream(String command, CompletableFuture<Void> result, IntConsumer start) {
    state = State.STARTING_STREAM;
    call("createStream", 0, null).whenComplete((reply, error) -> {
      if (error != null) {
        failStart(result, error);
        return;
      }
      double sid = reply.numberArgument(0, -1);
      if (sid < 1 || sid > Integer.MAX_VALUE || sid != Math.rint(sid)) {
        RtmpProtocolException e = new RtmpProtocolException("create_stream", "createStream result " + reply.argument(0) + " is not a stream id");
        result.completeExceptionally(e);
        close(e);
        return;
      }
      streamId = (int) sid;
      start.accept(streamId);
    });
  }

  private void failStart(CompletableFuture<Void> result, Throwable error) {
    if (state != State.CLOSED) {
      state = State.CONNECTED;
      streamId = -1;
    }
    result.completeExceptionally(error);
  }

  private void awaitStatus(String command, String successCode, State next, CompletableFuture<Void> result) {
    ScheduledFuture<?> timer = ctx.executor().schedule(() -> {
      if (statusWait != null && statusWait.result() == result) {
        statusWait = null;
        TimeoutException e = timeout(command + " status");
        result.completeExceptionally(e);
        close(e);
      }
    }, options.commandTimeout().toNanos(), TimeUnit.NANOSECONDS);
    statusWait = new StatusWait(command, successCode, next, result, timer);
  }

  /** Sends a command that expects {@code _result}; the future completes on the event loop. */
  private CompletableFuture<Command> call(String name, int sid, Object commandObject, Object... args) {
    int tx = nextTransactionId++;
    Object[] values = new Object[args.length + 1];
    values[0] = commandObject;
    System.arraycopy(args, 0, values, 1, args.length);
    CompletableFuture<Command> result = new CompletableFuture<>();
    ScheduledFuture<?> timer = ctx.executor().schedule(() -> {
      if (calls.remove(tx) != null) {
        TimeoutException e = timeout(name);
        result.completeExceptionally(e);
        close(e);
      }
    }, options.commandTimeout().toNanos(), TimeUnit.NANOSECONDS);
    calls.put(tx, new Call(name, result, timer));
    ctx.writeAndFlush(Commands.command(ctx.alloc(), Commands.CSID_COMMAND, sid, name, tx, values));
    return result;
  }

  private TimeoutException timeout(String what) {
    return new TimeoutException("no reply to " + what + " from " + peer() + " within "
        + options.commandTimeout().toMillis() + " ms");
  }

  /** Writes media or data on the publishing stream; takes ownership of {@code payload}. */
  void send(int csid, int typeId, long timestamp, ByteBuf payload, boolean flush) {
    Channel ch = channel;
    int sid = streamId;
    if (ch == null || state != State.PUBLISHING) {
      payload.release();
      throw new IllegalStateException("not publishing, state " + state);
    }
    RtmpMessage message = new RtmpMessage(csid, typeId, timestamp, sid, payload);
    if (flush) {
      ch.writeAndFlush(message, ch.voidPromise());
    } else {
      ch.write(message, ch.voidPromise());
    }
  }

  /** Sends {@code @setDataFrame("onMetaData", metadata)}, which the server keeps for late joiners. */
  void sendMetadata(Map<String, ?> metadata) {
    Channel ch = channel;
    if (ch == null || state != State.PUBLISHING) {
      throw new IllegalStateException("not publishing, state " + state);
    }
    ByteBuf body = Commands.dataBody(ch.alloc(), DataMessage.SET_DATA_FRAME,
        List.of(DataMessage.ON_METADATA, new AmfEcmaArray(metadata)));
    send(CSID_DATA, MessageType.DATA_AMF0, 0, body, true);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof RtmpMessage m)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      if (state != State.CLOSED) {
        handle(m);
      }
    } finally {
      m.release();
    }
  }

  private void handle(RtmpMessage m) {
    switch (m.typeId()) {
      case MessageType.AUDIO, MessageType.VIDEO, MessageType.DATA_AMF0, MessageType.DATA_AMF3 -> listener.onMessage(m);
      case MessageType.COMMAND_AMF0, MessageType.COMMAND_AMF3 -> commands.dispatch(m);
      default -> {
        // Stream Begin/EOF and shared objects need nothing from a client.
      }
    }
  }

  @Override
  public void onResult(double transactionId, Command reply) {
    Call call = settle(transactionId);
    if (call != null) {
      call.result().complete(reply);
    }
  }

  @Override
  public void onError(double transactionId, Map<String, Object> info) {
    Call call = settle(transactionId);
    if (call != null) {
      call.result().completeExceptionally(new RtmpStatusException(call.name(), info));
    }
  }

  /** The call waiting for the reply with {@code transactionId}, no longer waiting; or null. */
  private Call settle(double transactionId) {
    Call call = calls.remove((int) transactionId);
    if (call != null) {
      call.timer().cancel(false);
    }
    return call;
  }

  @Override
  public void onOtherCommand(int streamId, Command c) {
    LOG.debug("event=ignored_command peer={} command={}", peer(), c.name());
  }

  @Override
  public void onStatus(int streamId, Map<String, Object> info) {
    listener.onStatus(info);
    StatusWait wait = statusWait;
    if (wait == null || state == State.CLOSED) {
      return;
    }
    if (wait.successCode().equals(info.get("code"))) {
      statusWait = null;
      wait.timer().cancel(false);
      state = wait.next();
      LOG.debug("event={}.start peer={} stream={}", wait.command(), peer(), streamName);
      wait.result().complete(null);
    } else if (NetStatus.ERROR.equals(info.get("level"))) {
      statusWait = null;
      wait.timer().cancel(false);
      failStart(wait.result(), new RtmpStatusException(wait.command(), info));
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    listener.onWritabilityChanged(ctx.channel().isWritable());
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    close(cause);
  }

  /** Closes because of {@code cause}, unless a reason (or the user's request) came first. */
  private void close(Throwable cause) {
    if (state == State.CLOSED) {
      return;
    }
    if (closeCause == null && !closeRequested) {
      closeCause = cause;
    }
    ctx.close();
  }

  /** Tells the server the stream is over, then closes once that is on the wire. */
  void closeGracefully() {
    if (state == State.CLOSED || ctx == null) {
      return;
    }
    if (closeCause == null) {
      closeRequested = true;
    }
    int sid = streamId;
    if (sid > 0 && (state == State.PLAYING || state == State.PUBLISHING)) {
      if (state == State.PUBLISHING) {
        ctx.write(Commands.command(ctx.alloc(), Commands.CSID_COMMAND, 0, "FCUnpublish", 0, null, streamName));
      }
      ctx.write(Commands.command(ctx.alloc(), Commands.CSID_COMMAND, 0, "deleteStream", 0, null, (double) sid));
    }
    ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
  }

  private void onChannelClosed() {
    if (!everActive) {
      // Never connected: the connect future's listener reports the real cause.
      return;
    }
    Throwable failure = closeCause != null ? closeCause
        : closeRequested ? new IOException("closed by the client") : new IOException("connection closed by " + peer());
    finish(closeCause == null && closeRequested ? null : failure);
  }

  /** Fails whatever waits and tells the listener, once; {@code cause} null means closed on request. */
  private void finish(Throwable cause) {
    synchronized (this) {
      if (finished) {
        return;
      }
      finished = true;
    }
    state = State.CLOSED;
    Throwable failure = cause != null ? cause : new IOException("closed by the client");
    for (Call call : calls.values()) {
      call.timer().cancel(false);
      call.result().completeExceptionally(failure);
    }
    calls.clear();
    if (statusWait != null) {
      statusWait.timer().cancel(false);
      statusWait.result().completeExceptionally(failure);
      statusWait = null;
    }
    connected.completeExceptionally(failure);
    if (cause == null) {
      LOG.debug("event=close peer={} stream={} reason=requested", peer(), streamName);
    } else {
      LOG.debug("event=close peer={} stream={} reason=\"{}\"", peer(), streamName, cause.toString());
    }
    try {
      listener.onClose(cause);
    } finally {
      closed.complete(null);
    }
  }

  private String peer() {
    return url.host() + ":" + url.port();
  }
}
