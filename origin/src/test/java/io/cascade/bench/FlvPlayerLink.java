package io.cascade.bench;

import io.cascade.client.SyntheticMedia;
import io.cascade.testing.FlvTagReader;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderResultProvider;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A bench player over HTTP-FLV: one HTTP/1.1 GET of {@code /{app}/{stream}.flv} on raw Netty
 * ({@link HttpClientCodec} takes the chunked framing off; pieces are handed on as they arrive, not
 * aggregated) and a {@link FlvTagReader} that gives each tag to the player, keeping only the first
 * {@link BenchPlayer#HEAD_BYTES} of each body. The play is answered by the response's status line:
 * 200 starts the FLV body; any other status fails the play with the status and the server's reason
 * text. Once playing, the response ending, a malformed tag, a second FLV header (the server starting
 * the stream over on the same response), or the connection closing without the bench asking counts
 * as a close by the server, with the reason.
 *
 * <p>Slow players work as over RTMP: {@link #autoRead} turns the socket's reads off and on.
 */
final class FlvPlayerLink implements PlayerLink {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  /** From the request written to the status line; the server answers once the stream is live. */
  static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(10);
  /** Largest piece of a chunk handed on at once (the codec's default is 8 KiB). */
  private static final int MAX_CONTENT_PIECE = 64 * 1024;
  /** Of a refusal's body, this much is kept for the failure message. */
  private static final int MAX_REASON = 200;

  private final EventLoopGroup group;
  private final String host;
  private final int port;
  private final String path;
  private final int receiveBuffer;
  private final BenchPlayer player;
  private final FlvTagReader reader;
  private final CompletableFuture<Void> answered = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile Channel channel;
  private volatile boolean closeRequested;
  /** Event loop only: the player has had onClose. */
  private boolean finished;

  /**
   * @param receiveBuffer SO_RCVBUF, 0 for the OS default
   */
  FlvPlayerLink(EventLoopGroup group, String host, int port, String path, int receiveBuffer, BenchPlayer player) {
    this.group = group;
    this.host = host;
    this.port = port;
    this.path = path;
    this.receiveBuffer = receiveBuffer;
    this.player = player;
    this.reader = new FlvTagReader(BenchPlayer.HEAD_BYTES, this::onTag);
  }

  /** Each tag of the body goes to the player; none after a second FLV header: that is a failure. */
  private void onTag(int type, long timestamp, ByteBuf head, int size) {
    if (reader.headers() > 1) {
      throw new CorruptedFrameException("the server started the stream over: FLV header " + reader.headers()
          + " before tag " + reader.tags());
    }
    player.onTag(type, timestamp, head, size);
  }

  /** The HTTP-FLV path of an RTMP app and stream name; a query on the name stays a query. */
  static String path(String app, String stream) {
    int query = stream.indexOf('?');
    return query < 0 ? "/" + app + "/" + stream + ".flv"
        : "/" + app + "/" + stream.substring(0, query) + ".flv" + stream.substring(query);
  }

  @Override
  public CompletableFuture<Void> play() {
    player.connectStartNanos = System.nanoTime();
    Bootstrap bootstrap = new Bootstrap()
        .group(group)
        .channel(NioSocketChannel.class)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.SO_RCVBUF, receiveBuffer > 0 ? receiveBuffer : null)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) CONNECT_TIMEOUT.toMillis())
        .handler(new ChannelInitializer<>() {
          @Override
          protected void initChannel(Channel ch) {
            initPipeline(ch.pipeline());
          }
        });
    ChannelFuture f = bootstrap.connect(host, port);
    channel = f.channel();
    f.addListener((ChannelFutureListener) done -> {
      if (done.isSuccess()) {
        connected(done.channel());
      } else {
        finish(new IOException("cannot connect to " + host + ":" + port + ": " + done.cause().getMessage(), done.cause()));
      }
    });
    return answered;
  }

  /** The codec and the response handler; apart from {@link #play()} so a test can drive them. */
  void initPipeline(ChannelPipeline pipeline) {
    pipeline.addLast("http", new HttpClientCodec(new HttpDecoderConfig().setMaxChunkSize(MAX_CONTENT_PIECE), false, false));
    pipeline.addLast("flv", new ResponseHandler());
  }

  /**
   * On the loop, once TCP is up: the request goes out and the wait for its answer is bounded.
   * Returns the play's answer (what {@link #play()} returns).
   */
  CompletableFuture<Void> connected(Channel ch) {
    channel = ch;
    long now = System.nanoTime();
    player.connectedNanos = now;
    player.playCalledNanos = now;
    player.playCalledMicros = SyntheticMedia.epochMicros();
    FullHttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.EMPTY_BUFFER);
    request.headers().set(HttpHeaderNames.HOST, host + ":" + port).set(HttpHeaderNames.USER_AGENT, "cascade-bench")
        .set(HttpHeaderNames.ACCEPT, "*/*");
    ch.writeAndFlush(request).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    ch.eventLoop().schedule(() -> {
      if (!answered.isDone()) {
        ch.pipeline().fireExceptionCaught(new TimeoutException("no answer to GET " + path + " within "
            + ANSWER_TIMEOUT.toMillis() + " ms"));
      }
    }, ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    return answered;
  }

  @Override
  public void autoRead(boolean on) {
    Channel ch = channel;
    if (ch != null) {
      ch.config().setAutoRead(on);
    }
  }

  @Override
  public EventLoop eventLoop() {
    Channel ch = channel;
    return ch == null ? null : ch.eventLoop();
  }

  @Override
  public CompletableFuture<Void> close() {
    closeRequested = true;
    Channel ch = channel;
    if (ch == null) {
      return CompletableFuture.completedFuture(null);
    }
    ch.close();
    return closed;
  }

  /**
   * Once, on the loop: the connection is gone (or never came). A play that was never answered
   * fails with the cause (as a refused RTMP play does; it is not also a close by the server); a
   * playing player hears it through {@link BenchPlayer#onClose}, with null if the bench asked.
   */
  private void finish(Throwable cause) {
    if (finished) {
      return;
    }
    finished = true;
    boolean playing = answered.isDone() && !answered.isCompletedExceptionally();
    answered.completeExceptionally(cause);
    player.onClose(closeRequested || !playing ? null : cause);
    closed.complete(null);
  }

  /** The response: status line, then the FLV body piece by piece; releases every message it reads. */
  private final class ResponseHandler extends ChannelInboundHandlerAdapter {
    private Throwable cause;
    /** Non-null while a refusal's body is read. */
    private StringBuilder refusal;
    private HttpResponseStatus status;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (cause != null) {
          // Closing already; what the same read still decoded is dropped.
          return;
        }
        if (msg instanceof DecoderResultProvider p && p.decoderResult().isFailure()) {
          fail(ctx, p.decoderResult().cause());
          return;
        }
        if (msg instanceof HttpResponse response) {
          status = response.status();
          if (status.code() == 200) {
            answered.complete(null);
          } else {
            refusal = new StringBuilder();
          }
        }
        if (msg instanceof HttpContent content) {
          if (refusal != null) {
            if (refusal.length() < MAX_REASON) {
              refusal.append(content.content().toString(StandardCharsets.UTF_8).strip());
            }
          } else if (status != null) {
            reader.read(content.content());
          }
          if (msg instanceof LastHttpContent) {
            fail(ctx, refusal != null ? new IOException("HTTP " + status + ": " + refusal)
                : new IOException("the server ended the response after " + reader.tags() + " tags"));
          }
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable e) {
      fail(ctx, e);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      finish(cause != null ? cause : new IOException("connection closed by the server"));
      ctx.fireChannelInactive();
    }

    private void fail(ChannelHandlerContext ctx, Throwable e) {
      if (cause == null) {
        cause = e;
      }
      ctx.close();
    }
  }
}
