package io.cascade.edge;

import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.chunk.ChunkDecoder;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.handshake.ServerHandshakeHandler;
import io.cascade.rtmp.message.Command;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.NetStatus;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/** An origin that answers play with NetStream.Play.Start and then hangs up, every time. */
final class FlappingOrigin {
  private final Channel server;
  final AtomicInteger plays = new AtomicInteger();

  FlappingOrigin(EventLoopGroup group) {
    server = new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(new ServerHandshakeHandler(Duration.ofSeconds(5)), new ChunkDecoder(),
                new ChunkEncoder(), new ChannelInboundHandlerAdapter() {
                  @Override
                  public void channelRead(ChannelHandlerContext ctx, Object msg) {
                    try {
                      if (msg instanceof RtmpMessage m && m.typeId() == MessageType.COMMAND_AMF0) {
                        answer(ctx, Commands.decodeCommand(m, AmfLimits.DEFAULTS));
                      }
                    } finally {
                      ReferenceCountUtil.release(msg);
                    }
                  }
                });
          }
        })
        .bind("127.0.0.1", 0).syncUninterruptibly().channel();
  }

  int port() {
    return ((java.net.InetSocketAddress) server.localAddress()).getPort();
  }

  void close() {
    server.close().syncUninterruptibly();
  }

  private void answer(ChannelHandlerContext ctx, Command c) {
    switch (c.name()) {
      case "connect" -> ctx.writeAndFlush(Commands.command(ctx.alloc(), Commands.CSID_COMMAND, 0, "_result",
          c.transactionId(), null, NetStatus.status(NetStatus.CONNECT_SUCCESS, "ok")));
      case "createStream" -> ctx.writeAndFlush(Commands.command(ctx.alloc(), Commands.CSID_COMMAND, 0, "_result",
          c.transactionId(), null, 1.0));
      case "play" -> {
        plays.incrementAndGet();
        ctx.writeAndFlush(Commands.command(ctx.alloc(), Commands.CSID_STREAM, 1, "onStatus", 0, null,
            NetStatus.status(NetStatus.PLAY_START, "go"))).addListener(ChannelFutureListener.CLOSE);
      }
      default -> { }
    }
  }
}
