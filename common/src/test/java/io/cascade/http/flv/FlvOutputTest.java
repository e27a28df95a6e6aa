package io.cascade.http.flv;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.flv.FlvTagPackager;
import io.cascade.live.MediaFrame;
import io.cascade.live.TestFrames;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.transport.FrameBatch;
import io.cascade.testing.Await;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
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
import io.vertx.core.Future;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@link FlvOutput} over a real loopback TCP connection, its transport standing in for Vert.x's:
 * tags arrive whole and in order across flushes, each flush is one HTTP chunk (or one WebSocket
 * binary message) that parses back, backpressure turns the output unwritable and drains it again,
 * every frame reference is given back once, and sampled tags report their fan-out lag.
 */
class FlvOutputTest {
  private static final int LOW = 32 * 1024;
  private static final int HIGH = 64 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(10);

  private EventLoopGroup group;
  private Channel serverChannel;
  private Channel server;
  private ChannelHandlerContext app;
  private Channel client;
  private final ByteArrayOutputStream received = new ByteArrayOutputStream();
  private final RtmpMetrics metrics = RtmpMetrics.standalone();
  private final FlvMeters flvMeters = new FlvMeters(metrics);
  private final AtomicInteger writableSignals = new AtomicInteger();
  private final List<MediaFrame> frames = new ArrayList<>();
  private final ByteArrayOutputStream expected = new ByteArrayOutputStream();

  @BeforeEach
  void connect() throws Exception {
    group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    CompletableFuture<ChannelHandlerContext> accepted = new CompletableFuture<>();
    serverChannel = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(LOW, HIGH))
        .childOption(ChannelOption.SO_SNDBUF, 64 * 1024)
        .childHandler(new ChannelInitializer<SocketChannel>() {
          @Override
          protected void initChannel(SocketChannel ch) {
            // As HttpFlvRoute.prepare does for every HTTP connection.
            ch.config().setMessageSizeEstimator(FrameBatch.SIZE_ESTIMATOR);
            // Where Vert.x's connection handler sits: the last handler of the pipeline.
            ch.pipeline().addLast("app", new ChannelInboundHandlerAdapter() {
              @Override
              public void handlerAdded(ChannelHandlerContext ctx) {
                accepted.complete(ctx);
              }

              @Override
              public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                // Batches still queued when the channel closes fail their (void) promises here.
              }
            });
          }
        }).bind(new InetSocketAddress("127.0.0.1", 0)).sync().channel();
    client = new Bootstrap().group(group).channel(NioSocketChannel.class)
        .option(ChannelOption.SO_RCVBUF, 64 * 1024)
        .handler(new ChannelInboundHandlerAdapter() {
          @Override
          public void channelRead(ChannelHandlerContext ctx, Object msg) {
            ByteBuf b = (ByteBuf) msg;
            try {
              byte[] bytes = new byte[b.readableBytes()];
              b.readBytes(bytes);
              synchronized (received) {
                received.writeBytes(bytes);
              }
            } finally {
              b.release();
            }
          }
        }).connect(serverChannel.localAddress()).sync().channel();
    app = accepted.get(5, TimeUnit.SECONDS);
    server = app.channel();
  }

  @AfterEach
  void close() throws Exception {
    client.close().sync();
    server.close().sync();
    serverChannel.close().sync();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).sync();
    for (MediaFrame f : frames) {
      assertThat(f.refCnt()).as("the test's own reference of %s, all others given back", f).isEqualTo(1);
      f.release();
    }
  }

  /** Stands in for the HTTP response or WebSocket: the channel and framing; records an abort. */
  private final class TestTransport implements FlvTransport {
    private final FrameBatch.Framing framing;
    String aborted;

    TestTransport(FrameBatch.Framing framing) {
      this.framing = framing;
    }

    @Override
    public Future<Void> begin(ByteBuf header) {
      throw new UnsupportedOperationException();
    }

    @Override
    public ChannelHandlerContext channelContext() {
      return app;
    }

    @Override
    public FrameBatch.Framing framing() {
      return framing;
    }

    @Override
    public void refuse(int status, String reason) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void end() {
    }

    @Override
    public void abort(String reason, String detail) {
      aborted = reason;
      server.close();
    }

    @Override
    public void closeHandler(Ending onClose) {
    }
  }

  private FlvOutput started(TestTransport transport) throws Exception {
    FlvOutput output = new FlvOutput(transport, flvMeters, metrics.app("live"), LOW, System::nanoTime);
    onLoop(() -> {
      output.start(writableSignals::incrementAndGet);
      return null;
    });
    return output;
  }

  private <T> T onLoop(Callable<T> task) throws Exception {
    return server.eventLoop().submit(task).get(5, TimeUnit.SECONDS);
  }

  /**
   * A frame of {@code size} body bytes, packaged as an FLV tag as the stream does for FLV players
   * (or not: then the output packages it itself); its tag is appended to {@link #expected}.
   */
  private MediaFrame frame(int index, int size, boolean packaged) {
    byte[] content = new byte[size];
    for (int i = 0; i < size; i++) {
      content[i] = (byte) (index * 31 + i);
    }
    // One bulk write: under paranoid leak detection every buffer access records a stack trace.
    ByteBuf body = PooledByteBufAllocator.DEFAULT.directBuffer(size).writeBytes(content);
    MediaFrame f = TestFrames.video(index * 40L, body);
    if (packaged) {
      TestFrames.packaged(f, FlvTagPackager.INSTANCE, PooledByteBufAllocator.DEFAULT);
    }
    ByteBuf tag = FlvTagPackager.INSTANCE.encode(f, PooledByteBufAllocator.DEFAULT);
    try {
      byte[] bytes = new byte[tag.readableBytes()];
      tag.getBytes(tag.readerIndex(), bytes);
      expected.writeBytes(bytes);
    } finally {
      tag.release();
    }
    frames.add(f);
    return f;
  }

  private int receivedSize() {
    synchronized (received) {
      return received.size();
    }
  }

  @Test
  void eachFlushIsOneHttpChunkAndTheChunksCarryEveryTagInOrder() throws Exception {
    FlvOutput output = started(new TestTransport(FlvTransport.Http.CHUNKED));
    assertThat(writableSignals).as("start drains the queue once").hasValue(1);
    int flushes = 5;
    onLoop(() -> {
      int index = 0;
      for (int flush = 0; flush < flushes; flush++) {
        for (int i = 0; i < 3 + flush; i++) {
          // Every seventh frame is one the stream did not package: the output makes its own tag.
          output.write(frame(index, 200 + 97 * index, index % 7 != 3).retain());
          index++;
        }
        output.flush();
      }
      return null;
    });
    int payload = expected.size();
    List<byte[]> chunks = HttpChunks.parse(awaitReceivedChunks(flushes));
    assertThat(chunks).as("one chunk per flush").hasSize(flushes);
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    chunks.forEach(joined::writeBytes);
    assertThat(joined.size()).isEqualTo(payload);
    assertThat(joined.toByteArray()).as("the tags, whole and in order").isEqualTo(expected.toByteArray());
    onLoop(() -> null);
  }

  /** Waits until {@code count} complete chunks have arrived, and returns the bytes. */
  private byte[] awaitReceivedChunks(int count) {
    Await.until(WAIT, count + " chunks", () -> {
      synchronized (received) {
        return HttpChunks.complete(received.toByteArray()) >= count;
      }
    }, () -> "received " + receivedSize() + " bytes");
    synchronized (received) {
      return received.toByteArray();
    }
  }

  @Test
  void aStalledReaderMakesItUnwritableAndTheDrainSignalComesBackWithEveryByteInOrder() throws Exception {
    client.config().setAutoRead(false);
    FlvOutput output = started(new TestTransport(FlvTransport.WebSocket.BINARY));
    int written = onLoop(() -> {
      // A tag larger than a WebSocket frame may be: one message of three frames.
      output.write(frame(9999, 150_000, true).retain());
      output.flush();
      int i = 0;
      // Bounded: 2000 tags of ~7 KB are far more than the socket buffers and water marks hold.
      while (output.isWritable() && i < 2000) {
        output.write(frame(i, 7_000 + i, true).retain());
        if (i % 4 == 3) {
          output.flush();
        }
        i++;
      }
      output.flush();
      return i;
    });
    assertThat(written).as("tags written before the output turned unwritable").isLessThan(2000);
    assertThat(onLoop(output::isWritable)).isFalse();
    int signalsWhileStalled = writableSignals.get();
    client.config().setAutoRead(true);
    List<byte[]> messages = WebSocketFrames.parse(awaitReceivedMessagesBytes());
    ByteArrayOutputStream joined = new ByteArrayOutputStream();
    messages.forEach(joined::writeBytes);
    assertThat(joined.toByteArray()).as("every tag, in order").isEqualTo(expected.toByteArray());
    assertThat(messages.size()).as("one message per flush").isEqualTo(1 + (written + 3) / 4);
    assertThat(messages.get(0)).hasSize(150_000 + FlvTagPackager.TAG_HEADER_SIZE + FlvTagPackager.PREVIOUS_TAG_SIZE);
    Await.until(WAIT, "the writable signal after the drain", () -> writableSignals.get() > signalsWhileStalled);
    assertThat(onLoop(output::isWritable)).isTrue();
  }

  private byte[] awaitReceivedMessagesBytes() {
    Await.until(WAIT, "all tags as WebSocket messages", () -> {
      synchronized (received) {
        return WebSocketFrames.payloadBytes(received.toByteArray()) >= expected.size();
      }
    }, () -> "received " + receivedSize() + " of at least " + expected.size() + " bytes");
    synchronized (received) {
      return received.toByteArray();
    }
  }

  @Test
  void aCutReleasesTagsNotYetSentAndLaterOnes() throws Exception {
    client.config().setAutoRead(false);
    TestTransport transport = new TestTransport(FlvTransport.Http.CHUNKED);
    FlvOutput output = started(transport);
    Counter cuts = metrics.node().registry().find("cascade.httpflv.refused").tag("reason", "slow_consumer").counter();
    double before = cuts.count();
    onLoop(() -> {
      for (int i = 0; i < 60; i++) {
        output.write(frame(i, 10_000, true).retain());
      }
      output.flush();
      for (int i = 60; i < 80; i++) {
        output.write(frame(i, 10_000, true).retain());
      }
      output.close("slow_consumer", "behind");
      output.write(frame(80, 100, true).retain());
      assertThat(output.isWritable()).isFalse();
      return null;
    });
    server.closeFuture().sync();
    onLoop(() -> null);
    assertThat(transport.aborted).isEqualTo("slow_consumer");
    assertThat(cuts.count()).as("the cut is counted by reason").isEqualTo(before + 1);
  }

  @Test
  void sampledTagsReportTheirLagOnceTheyAreInTheSocket() throws Exception {
    FlvOutput output = started(new TestTransport(FlvTransport.Http.CHUNKED));
    onLoop(() -> {
      for (int i = 0; i < 2 * RtmpMetrics.LAG_SAMPLE_EVERY; i++) {
        output.write(frame(i, 1000, true).retain());
      }
      output.flush();
      return null;
    });
    awaitReceivedChunks(1);
    Timer lag = metrics.node().registry().find("cascade.edge.fanout.lag").tag("protocol", FlvOutput.LAG_PROTOCOL)
        .timer();
    assertThat(lag).isNotNull();
    Await.until(WAIT, "two lag samples", () -> lag.count() == 2, () -> "samples " + lag.count());
  }

  /** Reads HTTP/1.1 chunked encoding back (RFC 9112, 7.1), strictly. */
  static final class HttpChunks {
    /** The complete chunks in {@code bytes} (a last partial one is not counted). */
    static int complete(byte[] bytes) {
      return parse(bytes, false).size();
    }

    static List<byte[]> parse(byte[] bytes) {
      return parse(bytes, true);
    }

    private static List<byte[]> parse(byte[] bytes, boolean strict) {
      List<byte[]> chunks = new ArrayList<>();
      int at = 0;
      while (at < bytes.length) {
        int lineEnd = indexOfCrlf(bytes, at);
        if (lineEnd < 0) {
          break;
        }
        String line = new String(bytes, at, lineEnd - at, StandardCharsets.US_ASCII);
        assertThat(line).as("chunk size line").matches("[0-9a-f]+");
        int size = Integer.parseInt(line, 16);
        int data = lineEnd + 2;
        if (data + size + 2 > bytes.length) {
          break;
        }
        assertThat(size).as("a chunk with data (size 0 would end the body)").isPositive();
        assertThat(new String(bytes, data + size, 2, StandardCharsets.US_ASCII)).as("CRLF after chunk data")
            .isEqualTo("\r\n");
        chunks.add(Arrays.copyOfRange(bytes, data, data + size));
        at = data + size + 2;
      }
      if (strict) {
        assertThat(at).as("no bytes after the last complete chunk").isEqualTo(bytes.length);
      }
      return chunks;
    }

    private static int indexOfCrlf(byte[] b, int from) {
      for (int i = from; i + 1 < b.length; i++) {
        if (b[i] == '\r' && b[i + 1] == '\n') {
          return i;
        }
      }
      return -1;
    }
  }

  /**
   * Reads unmasked server-to-client WebSocket frames back (RFC 6455, 5.2) into messages: a binary
   * frame, then continuations until FIN; no RSV bits, at most 64 KiB of payload per frame.
   */
  static final class WebSocketFrames {
    static List<byte[]> parse(byte[] bytes) {
      List<byte[]> messages = new ArrayList<>();
      ByteArrayOutputStream message = null;
      int at = 0;
      while (at < bytes.length) {
        int first = bytes[at] & 0xff;
        assertThat(first & 0x70).as("no RSV bits").isZero();
        assertThat(first & 0x0f).as(message == null ? "a binary frame starts a message" : "a continuation frame")
            .isEqualTo(message == null ? 2 : 0);
        int len = bytes[at + 1] & 0xff;
        assertThat(len & 0x80).as("server frames are not masked").isZero();
        int header = 2;
        long size = len;
        if (len == 126) {
          size = ((bytes[at + 2] & 0xff) << 8) | (bytes[at + 3] & 0xff);
          header = 4;
          assertThat(size).as("shortest length form").isGreaterThanOrEqualTo(126);
        } else if (len == 127) {
          size = 0;
          for (int i = 0; i < 8; i++) {
            size = (size << 8) | (bytes[at + 2 + i] & 0xff);
          }
          header = 10;
          assertThat(size).as("shortest length form").isGreaterThan(0xFFFF);
        }
        assertThat(size).as("frame payload").isPositive().isLessThanOrEqualTo(FlvTransport.WebSocket.MAX_FRAME_PAYLOAD);
        if (message == null) {
          message = new ByteArrayOutputStream();
        }
        message.write(bytes, at + header, (int) size);
        at += header + (int) size;
        if ((first & 0x80) != 0) {
          messages.add(message.toByteArray());
          message = null;
        }
      }
      assertThat(at).as("frames end with the bytes").isEqualTo(bytes.length);
      assertThat(message).as("the last message is complete").isNull();
      return messages;
    }

    /** Payload bytes of the complete frames at the start of {@code bytes}. */
    static long payloadBytes(byte[] bytes) {
      long total = 0;
      int at = 0;
      while (at + 2 <= bytes.length) {
        int len = bytes[at + 1] & 0x7f;
        int header = len == 126 ? 4 : len == 127 ? 10 : 2;
        if (at + header > bytes.length) {
          break;
        }
        long size = len;
        if (len == 126) {
          size = ((bytes[at + 2] & 0xff) << 8) | (bytes[at + 3] & 0xff);
        } else if (len == 127) {
          size = 0;
          for (int i = 0; i < 8; i++) {
            size = (size << 8) | (bytes[at + 2 + i] & 0xff);
          }
        }
        if (at + header + size > bytes.length) {
          break;
        }
        total += size;
        at += header + (int) size;
      }
      return total;
    }
  }
}
