package io.cascade.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.live.MediaFrame;
import io.cascade.live.TestFrames;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link FrameWriter} and {@link FrameBatch} over a real loopback TCP connection: byte order,
 * partial writes under backpressure, water-mark accounting and reference counts.
 */
class FrameWriterTest {
  private static final int LOW = 32 * 1024;
  private static final int HIGH = 64 * 1024;

  private EventLoopGroup group;
  private Channel serverChannel;
  private Channel server;
  private Channel client;
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  /** Completed by the client's read that brings {@link #received} to {@code wanted} bytes; guarded by received. */
  private CompletableFuture<Void> arrived;
  private int wanted;
  private final List<Boolean> writabilityChanges = new CopyOnWriteArrayList<>();

  @BeforeEach
  void connect() throws Exception {
    group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    CompletableFuture<Channel> accepted = new CompletableFuture<>();
    serverChannel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(LOW, HIGH))
        .childOption(ChannelOption.SO_SNDBUF, 64 * 1024)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            ch.config().setMessageSizeEstimator(FrameBatch.SIZE_ESTIMATOR);
            ch.pipeline().addLast(FrameWriter.NAME, new FrameWriter(LOW));
            ch.pipeline().addLast(new ChannelInboundHandlerAdapter() {
              @Override
              public void channelWritabilityChanged(ChannelHandlerContext ctx) {
                writabilityChanges.add(ctx.channel().isWritable());
              }

              @Override
              public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // Batches still queued when the channel closes fail their (void) promises here.
              }
            });
            accepted.complete(ch);
          }
        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    client = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.SO_RCVBUF, 64 * 1024)
        .option(ChannelOption.TCP_NODELAY, true)
        .handler(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            try {
              synchronized (received) {
                b.readBytes(received, b.readableBytes());
                if (arrived != null && received.size() >= wanted) {
                  arrived.complete(null);
                }
              }
            } catch (java.io.IOException e) {
              throw new IllegalStateException(e);
            } finally {
              b.release();
            }
          }
        }).connect(serverChannel.localAddress()).sync().channel();
    server = accepted.get(5, TimeUnit.SECONDS);
  }

  @AfterEach
  void close() throws Exception {
    client.close().sync();
    server.close().sync();
    serverChannel.close().sync();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
  }

  private FrameWriter writer() {
    return server.pipeline().get(FrameWriter.class);
  }

  private <T> T onLoop(Callable<T> task) throws Exception {
    return server.eventLoop().submit(task).get(5, TimeUnit.SECONDS);
  }

  private static MediaFrame frame(int index, int size) {
    byte[] content = new byte[size];
    for (int i = 0; i < size; i++) {
      content[i] = (byte) (index * 31 + i);
    }
    // One bulk write: under paranoid leak detection every buffer access records a stack trace.
    ByteBuf chunks = PooledByteBufAllocator.DEFAULT.directBuffer(size).writeBytes(content);
    return TestFrames.video(index, chunks);
  }

  private static byte[] bytesOf(MediaFrame f) {
    ByteBuf c = f.body();
    byte[] b = new byte[c.readableBytes()];
    c.getBytes(c.readerIndex(), b);
    return b;
  }

  /** Waits, bounded, for the client's read that brings the received bytes to {@code length}. */
  private byte[] awaitReceived(int length) throws Exception {
    CompletableFuture<Void> done = new CompletableFuture<>();
    synchronized (received) {
      wanted = length;
      arrived = done;
      if (received.size() >= length) {
        done.complete(null);
      }
    }
    try {
      done.get(10, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      synchronized (received) {
        throw new AssertionError("received " + received.size() + " of " + length + " bytes");
      }
    }
    synchronized (received) {
      arrived = null;
      return received.toByteArray();
    }
  }

  @Test
  void framesAndOtherWritesLeaveInCallOrder() throws Exception {
    MediaFrame a = frame(1, 100);
    MediaFrame b = frame(2, 5000);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    expected.write(bytesOf(a));
    expected.write(new byte[] {9, 9, 9});
    expected.write(bytesOf(b));
    List<MediaFrame> told = new ArrayList<>();
    onLoop(() -> {
      writer().add(a.retain(), a.body(), null);
      server.write(Unpooled.wrappedBuffer(new byte[] {9, 9, 9}));
      writer().add(b.retain(), b.body(), told::add);
      assertThat(writer().pendingBytes()).isEqualTo(5000);
      server.flush();
      assertThat(writer().pendingBytes()).isZero();
      return null;
    });
    assertThat(awaitReceived(expected.size())).isEqualTo(expected.toByteArray());
    assertThat(onLoop(() -> told)).containsExactly(b);
    assertThat(a.refCnt()).isEqualTo(1);
    assertThat(b.refCnt()).isEqualTo(1);
    a.release();
    b.release();
  }

  @Test
  void backpressureCountsBatchesAndEveryByteArrivesInOrder() throws Exception {
    client.config().setAutoRead(false);
    int frames = 300;
    int size = 7_000;
    List<MediaFrame> all = new ArrayList<>();
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    for (int i = 0; i < frames; i++) {
      MediaFrame f = frame(i, size + i);
      all.add(f);
      expected.write(bytesOf(f));
    }
    List<MediaFrame> told = new CopyOnWriteArrayList<>();
    boolean[] sawUnwritable = {false};
    long[] maxPending = {0};
    onLoop(() -> {
      for (int i = 0; i < frames; i++) {
        writer().add(all.get(i).retain(), all.get(i).body(), i % 8 == 0 ? told::add : null);
        maxPending[0] = Math.max(maxPending[0], writer().pendingBytes());
        if (i % 5 == 4) {
          server.flush();
        }
        if (!server.isWritable()) {
          sawUnwritable[0] = true;
        }
      }
      server.flush();
      return null;
    });
    // The reader is stopped: the socket buffers fill, the rest waits in the outbound buffer as
    // batches, counted against the high water mark.
    assertThat(sawUnwritable[0]).isTrue();
    assertThat(maxPending[0]).isLessThan(LOW + size + frames);
    assertThat(onLoop(() -> server.unsafe().outboundBuffer().totalPendingWriteBytes())).isGreaterThan(HIGH);
    client.config().setAutoRead(true);
    assertThat(awaitReceived(expected.size())).isEqualTo(expected.toByteArray());
    onLoop(() -> null);
    assertThat(server.isWritable()).isTrue();
    assertThat(writabilityChanges).containsSubsequence(false, true);
    List<MediaFrame> marked = new ArrayList<>();
    for (int i = 0; i < frames; i += 8) {
      marked.add(all.get(i));
    }
    assertThat(told).containsExactlyElementsOf(marked);
    for (MediaFrame f : all) {
      assertThat(f.refCnt()).isEqualTo(1);
      f.release();
    }
  }

  @Test
  void closeReleasesFramesNotYetWritten() throws Exception {
    client.config().setAutoRead(false);
    FrameWriter writer = writer();
    List<MediaFrame> all = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      all.add(frame(i, 10_000));
    }
    onLoop(() -> {
      for (int i = 0; i < 60; i++) {
        writer.add(all.get(i).retain(), all.get(i).body(), null);
      }
      server.flush();
      for (int i = 60; i < 80; i++) {
        writer.add(all.get(i).retain(), all.get(i).body(), null);
      }
      return null;
    });
    server.close().sync();
    onLoop(() -> {
      for (int i = 80; i < 100; i++) {
        writer.add(all.get(i).retain(), all.get(i).body(), null);
      }
      return null;
    });
    for (MediaFrame f : all) {
      assertThat(f.refCnt()).isEqualTo(1);
      f.release();
    }
  }
}
