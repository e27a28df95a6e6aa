package io.cascade.client;

import io.cascade.rtmp.chunk.ChunkDecoder;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.handshake.ClientHandshakeHandler;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.session.ProtocolControlHandler;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * Cascade's RTMP client: one connection that plays or publishes one stream.
 *
 * <pre>{@code
 * RtmpClient client = RtmpClient.create(group, new RtmpClientOptions(), listener);
 * client.connect(RtmpUrl.parse("rtmp://127.0.0.1/live/key"))
 *     .thenCompose(info -> client.play("key"))
 *     .whenComplete((v, e) -> ...);
 * }</pre>
 *
 * <p>Pipeline, on a channel of the caller's event loop group: {@link ClientHandshakeHandler} →
 * {@link ChunkDecoder} → {@link ChunkEncoder} → {@link ProtocolControlHandler} → the protocol
 * handler. Once connected the client announces its chunk size; the protocol control handler
 * acknowledges by the server's window, answers pings and splits aggregates.
 *
 * <p><b>Futures.</b> Operations return {@link CompletableFuture}s completed on the client's event
 * loop, so non-async dependent stages run there too and must not block. They fail with
 * {@link RtmpStatusException} when the server refuses (the status code inside), with
 * {@link java.util.concurrent.TimeoutException} when a reply does not come within
 * {@link RtmpClientOptions#commandTimeout()} (the connection is then closed, its state being
 * unknown), and with {@link java.io.IOException} when the connection fails or closes first.
 *
 * <p><b>Messages.</b> Received media and data go to {@link RtmpClientListener#onMessage}, which
 * borrows them: the client releases each message after the callback. {@link #sendMedia} takes
 * ownership of its payload whatever happens. Closing releases everything the connection holds.
 *
 * <p>Methods may be called from any thread; they hop to the event loop when needed.
 */
public final class RtmpClient {
  private final EventLoopGroup group;
  private final RtmpClientOptions options;
  private final RtmpClientListener listener;
  private volatile RtmpClientHandler handler;
  private volatile Channel channel;
  private volatile RtmpUrl url;

  private RtmpClient(EventLoopGroup group, RtmpClientOptions options, RtmpClientListener listener) {
    this.group = group;
    this.options = options;
    this.listener = listener;
  }

  /**
   * A client that will connect on {@code group} (a transport matching
   * {@link RtmpClientOptions#channelFactory()}, NIO by default) and report to {@code listener}.
   */
  public static RtmpClient create(EventLoopGroup group, RtmpClientOptions options, RtmpClientListener listener) {
    return new RtmpClient(Objects.requireNonNull(group, "group"), new RtmpClientOptions(options),
        Objects.requireNonNull(listener, "listener"));
  }

  /** {@link #connect(RtmpUrl, Map)} without extra properties. */
  public CompletableFuture<Map<String, Object>> connect(RtmpUrl target) {
    return connect(target, Map.of());
  }

  /**
   * Opens the TCP connection, does the handshake and sends connect for {@code target.app()} with
   * {@code target.tcUrl()}; {@code extraConnectProperties} are added to (or replace) the command
   * object's. Completes with the info object of {@code _result} (NetConnection.Connect.Success).
   * Once per client.
   */
  public synchronized CompletableFuture<Map<String, Object>> connect(RtmpUrl target, Map<String, ?> extraConnectProperties) {
    Objects.requireNonNull(target, "target");
    if (handler != null) {
      return CompletableFuture.failedFuture(new IllegalStateException("connect was already called for " + url));
    }
    url = target;
    CompletableFuture<Map<String, Object>> connected = new CompletableFuture<>();
    ChunkDecoder decoder = new ChunkDecoder(options.chunkLimits());
    ProtocolControlHandler control = new ProtocolControlHandler(decoder);
    RtmpClientHandler h = new RtmpClientHandler(options, listener, control, target, Map.copyOf(extraConnectProperties), connected);
    handler = h;
    Bootstrap bootstrap = new Bootstrap()
        .group(group)
        .channelFactory(options.channelFactory())
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_RCVBUF, options.receiveBufferSize() > 0 ? options.receiveBufferSize() : null)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) options.connectTimeout().toMillis())
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK,
            new WriteBufferWaterMark(options.writeBufferLowWaterMark(), options.writeBufferHighWaterMark()))
        .handler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast("handshake", new ClientHandshakeHandler(options.handshakeTimeout(), options.complexHandshake()));
            ch.pipeline().addLast("chunkDecoder", decoder);
            ch.pipeline().addLast("chunkEncoder", new ChunkEncoder());
            ch.pipeline().addLast("protocolControl", control);
            ch.pipeline().addLast("rtmp", h);
          }
        });
    ChannelFuture f;
    try {
      f = bootstrap.connect(target.host(), target.port());
    } catch (RuntimeException e) {
      h.connectFailed(e);
      return connected;
    }
    channel = f.channel();
    f.addListener(done -> {
      if (!done.isSuccess()) {
        h.connectFailed(done.cause());
      }
    });
    return connected;
  }

  /**
   * Creates a stream and plays {@code name} (a stream name, query allowed); completes when the
   * server sends NetStream.Play.Start and fails on an error-level status such as
   * NetStream.Play.StreamNotFound. Needs a connected client without a stream.
   */
  public CompletableFuture<Void> play(String name) {
    Objects.requireNonNull(name, "name");
    return onLoop(result -> handler.play(name, result));
  }

  /**
   * Creates a stream and publishes {@code name} live; completes on NetStream.Publish.Start and fails
   * on an error-level status such as NetStream.Publish.BadName.
   */
  public CompletableFuture<Void> publish(String name) {
    Objects.requireNonNull(name, "name");
    return onLoop(result -> handler.publish(name, result));
  }

  /**
   * Sends one audio or video message (an FLV tag body) on the published stream and flushes.
   * Takes ownership of {@code payload}, also when it throws. Writes are queued even while the
   * client is not {@link #isWritable() writable}; a publisher that cares watches writability.
   *
   * @throws IllegalStateException when not publishing
   * @throws IllegalArgumentException when {@code typeId} is not audio or video
   */
  public void sendMedia(int typeId, long timestamp, ByteBuf payload) {
    if (!MessageType.isMedia(typeId)) {
      payload.release();
      throw new IllegalArgumentException("not an audio or video type: " + typeId);
    }
    RtmpClientHandler h = handler;
    if (h == null) {
      payload.release();
      throw new IllegalStateException("not publishing: not connected");
    }
    int csid = typeId == MessageType.AUDIO ? RtmpClientHandler.CSID_AUDIO : RtmpClientHandler.CSID_VIDEO;
    h.send(csid, typeId, timestamp, payload, true);
  }

  /** Sends {@code @setDataFrame("onMetaData", metadata)} at timestamp 0, as encoders do. */
  public void sendMetadata(Map<String, ?> metadata) {
    RtmpClientHandler h = handler;
    if (h == null) {
      throw new IllegalStateException("not publishing: not connected");
    }
    h.sendMetadata(metadata);
  }

  /** False while more than the high water mark of outbound bytes is queued. */
  public boolean isWritable() {
    Channel ch = channel();
    return ch != null && ch.isWritable();
  }

  /** Stops or resumes reading from the socket; a reader that stops pushes back on the server. */
  public void autoRead(boolean on) {
    Channel ch = channel();
    if (ch != null) {
      ch.config().setAutoRead(on);
    }
  }

  /** The event loop of the connection, for scheduling work beside it; null before connect. */
  public EventLoop eventLoop() {
    Channel ch = channel();
    return ch == null ? null : ch.eventLoop();
  }

  /** The connection's buffer allocator, for payloads passed to {@link #sendMedia}. */
  public ByteBufAllocator alloc() {
    Channel ch = channel();
    return ch == null ? ByteBufAllocator.DEFAULT : ch.alloc();
  }

  /** The message stream id of play or publish, -1 before createStream answered. */
  public int streamId() {
    RtmpClientHandler h = handler;
    return h == null ? -1 : h.streamId();
  }

  /** The URL given to connect, or null before. */
  public RtmpUrl url() {
    return url;
  }

  /** True once connected and not closed. */
  public boolean isOpen() {
    RtmpClientHandler h = handler;
    if (h == null) {
      return false;
    }
    RtmpClientHandler.State s = h.state();
    return s != RtmpClientHandler.State.CONNECTING && s != RtmpClientHandler.State.CONNECTING_APP
        && s != RtmpClientHandler.State.CLOSED;
  }

  /**
   * Ends the stream (FCUnpublish/deleteStream), closes the connection once that is written and
   * completes when it is closed and released; the listener then gets {@code onClose(null)}.
   * Pending operations fail. Safe to call more than once and before connect.
   */
  public CompletableFuture<Void> close() {
    RtmpClientHandler h;
    synchronized (this) {
      h = handler;
      if (h == null) {
        return CompletableFuture.completedFuture(null);
      }
    }
    Channel ch = channel();
    if (ch == null) {
      return h.closeFuture();
    }
    try {
      ch.eventLoop().execute(h::closeGracefully);
    } catch (RejectedExecutionException | IllegalStateException e) {
      // The loop is gone or the channel never registered: nothing left to say to the server.
      ch.close();
    }
    return h.closeFuture();
  }

  private Channel channel() {
    RtmpClientHandler h = handler;
    Channel ch = h == null ? null : h.channel();
    return ch != null ? ch : channel;
  }

  private CompletableFuture<Void> onLoop(Consumer<CompletableFuture<Void>> action) {
    CompletableFuture<Void> result = new CompletableFuture<>();
    Channel ch = channel();
    if (ch == null) {
      result.completeExceptionally(new IllegalStateException("not connected"));
      return result;
    }
    Runnable task = () -> {
      try {
        action.accept(result);
      } catch (RuntimeException e) {
        result.completeExceptionally(e);
      }
    };
    EventLoop loop = ch.eventLoop();
    if (loop.inEventLoop()) {
      task.run();
    } else {
      try {
        loop.execute(task);
      } catch (RejectedExecutionException e) {
        result.completeExceptionally(e);
      }
    }
    return result;
  }
}
