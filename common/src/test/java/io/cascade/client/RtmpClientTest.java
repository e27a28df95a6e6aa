package io.cascade.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.chunk.ChunkDecoder;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.handshake.ServerHandshakeHandler;
import io.cascade.rtmp.message.Command;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.rtmp.message.ProtocolControl;
import io.cascade.rtmp.message.UserControl;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The client against scripted servers: replies, refusals, silence, control messages and close. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class RtmpClientTest {
  private static final Duration SHORT = Duration.ofMillis(300);
  private static EventLoopGroup group;

  private Channel server;
  private RtmpClient client;
  private final Events events = new Events();
  /** Completed when the scripted server's side of a connection closes, after its last read. */
  private final CompletableFuture<Void> serverSawClose = new CompletableFuture<>();

  @BeforeAll
  static void startGroup() {
    group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stopGroup() {
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @AfterEach
  void closeAll() throws Exception {
    if (client != null) {
      client.close().get(5, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close().syncUninterruptibly();
    }
  }

  @Test
  void refusedConnectionFailsConnectAndReportsClose() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    client = RtmpClient.create(group, options(), events);
    Throwable e = failure(client.connect(new RtmpUrl("127.0.0.1", port, "live", "x")));
    assertThat(e).isInstanceOf(IOException.class).hasMessageContaining("cannot connect to 127.0.0.1:" + port);
    assertThat(events.closed.get(5, TimeUnit.SECONDS)).isSameAs(e);
  }

  @Test
  void silentServerTimesOutTheHandshake() throws Exception {
    server = startServer(false, (ctx, m) -> { });
    client = RtmpClient.create(group, options().handshakeTimeout(SHORT), events);
    Throwable e = failure(client.connect(url()));
    assertThat(e).isInstanceOf(RtmpProtocolException.class).hasMessageContaining("handshake not completed");
    assertThat(((RtmpProtocolException) e).reason()).isEqualTo("handshake_timeout");
    assertThat(events.closed.get(5, TimeUnit.SECONDS)).isSameAs(e);
  }

  @Test
  void unansweredConnectTimesOutAndCloses() throws Exception {
    server = startServer(true, (ctx, m) -> { });
    client = RtmpClient.create(group, options().commandTimeout(SHORT), events);
    long start = System.nanoTime();
    Throwable e = failure(client.connect(url()));
    assertThat(e).isInstanceOf(TimeoutException.class).hasMessageContaining("no reply to connect");
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(SHORT);
    assertThat(events.closed.get(5, TimeUnit.SECONDS)).isSameAs(e);
    assertThat(client.isOpen()).isFalse();
  }

  @Test
  void connectSendsTheUrlAndExtraPropertiesThenAnnouncesTheChunkSize() throws Exception {
    BlockingQueue<RtmpMessage> seen = new LinkedBlockingQueue<>();
    server = startServer(true, (ctx, m) -> {
      seen.add(m.retain());
      reply(ctx, m, "connect", c -> command(ctx, "_result", c.transactionId(), null,
          NetStatus.status(NetStatus.CONNECT_SUCCESS, "ok")));
    });
    client = RtmpClient.create(group, options(), events);
    Map<String, Object> info = client.connect(url(), Map.of("type", "nonprivate")).get(5, TimeUnit.SECONDS);
    assertThat(info).containsEntry("code", NetStatus.CONNECT_SUCCESS);
    assertThat(client.isOpen()).isTrue();

    RtmpMessage connect = seen.poll(5, TimeUnit.SECONDS);
    RtmpMessage chunkSize = seen.poll(5, TimeUnit.SECONDS);
    try {
      Command c = Commands.decodeCommand(connect, AmfLimits.DEFAULTS);
      assertThat(c.name()).isEqualTo("connect");
      assertThat(asMap(c.commandObject())).containsEntry("app", "live")
          .containsEntry("tcUrl", "rtmp://127.0.0.1:" + port() + "/live").containsEntry("type", "nonprivate");
      assertThat(chunkSize.typeId()).isEqualTo(MessageType.SET_CHUNK_SIZE);
      assertThat(ProtocolControl.readChunkSize(chunkSize)).isEqualTo(RtmpClientOptions.DEFAULT_CHUNK_SIZE);
    } finally {
      connect.release();
      chunkSize.release();
    }
  }

  @Test
  void errorStatusFailsPlayWithItsCodeAndKeepsTheConnection() throws Exception {
    server = startServer(true, (ctx, m) -> {
      reply(ctx, m, "connect", c -> command(ctx, "_result", c.transactionId(), null, NetStatus.status(NetStatus.CONNECT_SUCCESS, "ok")));
      reply(ctx, m, "createStream", c -> command(ctx, "_result", c.transactionId(), null, 1.0));
      reply(ctx, m, "play", c -> ctx.writeAndFlush(Commands.command(ctx.alloc(), Commands.CSID_STREAM, 1, "onStatus", 0, null,
          NetStatus.error(NetStatus.PLAY_STREAM_NOT_FOUND, "no such stream"))));
    });
    client = RtmpClient.create(group, options(), events);
    client.connect(url()).get(5, TimeUnit.SECONDS);
    Throwable e = failure(client.play("missing"));
    assertThat(e).isInstanceOf(RtmpStatusException.class);
    assertThat(((RtmpStatusException) e).code()).isEqualTo(NetStatus.PLAY_STREAM_NOT_FOUND);
    assertThat(events.statuses.poll(5, TimeUnit.SECONDS)).containsEntry("code", NetStatus.PLAY_STREAM_NOT_FOUND);
    assertThat(client.isOpen()).isTrue();
    assertThat(client.streamId()).isEqualTo(-1);
  }

  @Test
  void playWithoutConnectFails() {
    client = RtmpClient.create(group, options(), events);
    assertThat(failure(client.play("x"))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void answersPingsAcknowledgesAndDeliversMediaThenSaysGoodbyeOnClose() throws Exception {
    BlockingQueue<RtmpMessage> seen = new LinkedBlockingQueue<>();
    server = startServer(true, (ctx, m) -> {
      if (m.typeId() != MessageType.SET_CHUNK_SIZE) {
        seen.add(m.retain());
      }
      reply(ctx, m, "connect", c -> {
        ctx.write(ProtocolControl.windowAckSize(ctx.alloc(), 1000));
        command(ctx, "_result", c.transactionId(), null, NetStatus.status(NetStatus.CONNECT_SUCCESS, "ok"));
      });
      reply(ctx, m, "createStream", c -> command(ctx, "_result", c.transactionId(), null, 1.0));
      reply(ctx, m, "play", c -> {
        ctx.write(Commands.command(ctx.alloc(), Commands.CSID_STREAM, 1, "onStatus", 0, null,
            NetStatus.status(NetStatus.PLAY_START, "go")));
        ctx.write(UserControl.pingRequest(ctx.alloc(), 12345));
        ctx.writeAndFlush(new RtmpMessage(7, MessageType.VIDEO, 40, 1, Unpooled.buffer(3000).writeZero(3000)));
      });
    });
    client = RtmpClient.create(group, options(), events);
    client.connect(url()).get(5, TimeUnit.SECONDS);
    client.play("stream").get(5, TimeUnit.SECONDS);

    assertThat(events.media.poll(5, TimeUnit.SECONDS)).isEqualTo(MessageType.VIDEO + ":40:3000");
    boolean pong = false;
    boolean ack = false;
    for (int i = 0; i < 20 && !(pong && ack); i++) {
      RtmpMessage m = seen.poll(5, TimeUnit.SECONDS);
      assertThat(m).isNotNull();
      try {
        if (m.typeId() == MessageType.USER_CONTROL && UserControl.Event.parse(m).type() == UserControl.PING_RESPONSE) {
          assertThat(UserControl.Event.parse(m).value()).isEqualTo(12345);
          pong = true;
        } else if (m.typeId() == MessageType.ACKNOWLEDGEMENT) {
          assertThat(ProtocolControl.readUint32(m)).isGreaterThan(1000);
          ack = true;
        }
      } finally {
        m.release();
      }
    }
    assertThat(pong).isTrue();
    assertThat(ack).isTrue();

    client.close().get(5, TimeUnit.SECONDS);
    assertThat(events.closed.get(5, TimeUnit.SECONDS)).isNull();
    // The server has read everything the client sent once it sees the connection close.
    serverSawClose.get(5, TimeUnit.SECONDS);
    String last = null;
    for (RtmpMessage m; (m = seen.poll()) != null; ) {
      try {
        if (m.typeId() == MessageType.COMMAND_AMF0) {
          last = Commands.decodeCommand(m, AmfLimits.DEFAULTS).name();
        }
      } finally {
        m.release();
      }
    }
    assertThat(last).isEqualTo("deleteStream");
  }

  /** Generous limits: a loaded CI machine must not turn a slow reply into a timeout. */
  private static RtmpClientOptions options() {
    return new RtmpClientOptions().commandTimeout(Duration.ofSeconds(5)).handshakeTimeout(Duration.ofSeconds(5))
        .connectTimeout(Duration.ofSeconds(5));
  }

  private RtmpUrl url() {
    return new RtmpUrl("127.0.0.1", port(), "live", "stream");
  }

  private int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> asMap(Object o) {
    return (Map<String, Object>) o;
  }

  private static Throwable failure(CompletableFuture<?> f) {
    try {
      f.get(10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      return e.getCause();
    } catch (Exception e) {
      throw new AssertionError("no failure: " + e, e);
    }
    throw new AssertionError("expected a failure");
  }

  private static void reply(ChannelHandlerContext ctx, RtmpMessage m, String name, Consumer<Command> action) {
    if (m.typeId() == MessageType.COMMAND_AMF0) {
      Command c = Commands.decodeCommand(m, AmfLimits.DEFAULTS);
      if (c.name().equals(name)) {
        action.accept(c);
      }
    }
  }

  private static void command(ChannelHandlerContext ctx, String name, double tx, Object commandObject, Object... args) {
    Object[] values = new Object[args.length + 1];
    values[0] = commandObject;
    System.arraycopy(args, 0, values, 1, args.length);
    ctx.writeAndFlush(Commands.command(ctx.alloc(), Commands.CSID_COMMAND, 0, name, tx, values));
  }

  /** A server on loopback; {@code rtmp} false leaves out the handshake and chunk layer, so it never answers. */
  private Channel startServer(boolean rtmp, BiConsumer<ChannelHandlerContext, RtmpMessage> onMessage) {
    return new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            if (rtmp) {
              ch.pipeline().addLast(new ServerHandshakeHandler(Duration.ofSeconds(5)), new ChunkDecoder(), new ChunkEncoder());
            }
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                try {
                  if (msg instanceof RtmpMessage m) {
                    onMessage.accept(ctx, m);
                  }
                } finally {
                  ReferenceCountUtil.release(msg);
                }
              }

              @Override
              public void channelInactive(ChannelHandlerContext ctx) {
                serverSawClose.complete(null);
              }
            });
          }
        })
        .bind("127.0.0.1", 0).syncUninterruptibly().channel();
  }

  /** Records what the client reports. */
  private static final class Events implements RtmpClientListener {
    final BlockingQueue<Map<String, Object>> statuses = new LinkedBlockingQueue<>();
    final BlockingQueue<String> media = new LinkedBlockingQueue<>();
    final CompletableFuture<Throwable> closed = new CompletableFuture<>();

    @Override
    public void onMessage(RtmpMessage message) {
      media.add(message.typeId() + ":" + message.timestamp() + ":" + message.length());
    }

    @Override
    public void onStatus(Map<String, Object> info) {
      statuses.add(info);
    }

    @Override
    public void onClose(Throwable cause) {
      closed.complete(cause);
    }
  }
}
