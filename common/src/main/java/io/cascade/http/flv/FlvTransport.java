package io.cascade.http.flv;

import io.cascade.transport.FrameBatch;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.http.WebSocketInternal;
import io.vertx.core.net.impl.ConnectionBase;

/**
 * The connection an FLV player's bytes go over: a chunked HTTP/1.1 response (HTTP/1.0: a body that
 * ends with the connection) or a WebSocket. Vert.x sends the head, the FLV header, refusals and the
 * orderly end; the tags themselves go past Vert.x, straight to the connection's Netty channel
 * ({@link FlvOutput}), framed as this transport's messages ({@link #framing()}). Confined to the
 * connection's event loop.
 */
interface FlvTransport {

  /**
   * Sends the head (HTTP status and headers) and the 13-byte FLV header; takes {@code header}. The
   * future completes once they are in the socket: only then does anything go to the channel directly.
   */
  Future<Void> begin(ByteBuf header);

  /** The connection's channel context: where the FLV output adds its writer. */
  ChannelHandlerContext channelContext();

  /** How one batch of tags is framed as one message of this transport; null: no framing. */
  FrameBatch.Framing framing();

  /** Refuses before {@link #begin}: an HTTP status with a reason text, a WebSocket close. */
  void refuse(int status, String reason);

  /** The stream ended normally: finish the response or close the WebSocket. */
  void end();

  /**
   * Cuts the connection (slow consumer): no orderly end the reader could take for the stream's
   * end; the close handler then hears {@code reason} and {@code detail}.
   */
  void abort(String reason, String detail);

  /** Runs once when the connection goes away or the transport was closed: why, and a detail. */
  void closeHandler(Ending onClose);

  /** Why a transport closed. */
  interface Ending {
    void closed(String reason, String detail);
  }

  /**
   * Whether {@code channel} can take tags past Vert.x: plain NIO TCP, whose channel hands the
   * gathering {@link FrameBatch} the socket itself (TLS would need buffers to encrypt; the HTTP
   * port has none today), and batches counted by size ({@link HttpFlvRoute#prepare}).
   */
  static boolean batchable(ChannelHandlerContext ctx) {
    return ctx != null && ctx.channel() instanceof NioSocketChannel && ctx.pipeline().get(SslHandler.class) == null
        && ctx.channel().config().getMessageSizeEstimator() == FrameBatch.SIZE_ESTIMATOR;
  }

  /** Buffers whose release does nothing, for trailers every batch shares. */
  private static ByteBuf constant(byte... bytes) {
    return Unpooled.unreleasableBuffer(Unpooled.directBuffer(bytes.length).writeBytes(bytes)).asReadOnly();
  }

  /** A chunked HTTP/1.1 response, status and headers sent with the FLV header. */
  final class Http implements FlvTransport {
    private static final ByteBuf CRLF = constant((byte) '\r', (byte) '\n');

    /** One batch is one chunk: its size in hex and CRLF, the tags, CRLF (RFC 9112, 7.1). */
    static final FrameBatch.Framing CHUNKED = new FrameBatch.Framing() {
      @Override
      public long maxPayload() {
        return Long.MAX_VALUE;
      }

      @Override
      public ByteBuf header(ByteBufAllocator alloc, long payload, boolean first, boolean last) {
        ByteBuf line = alloc.directBuffer(18);
        int digits = Math.max(1, (67 - Long.numberOfLeadingZeros(payload)) / 4);
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
          line.writeByte(Character.forDigit((int) (payload >>> shift) & 0xF, 16));
        }
        return line.writeByte('\r').writeByte('\n');
      }

      @Override
      public ByteBuf trailer() {
        return CRLF;
      }
    };

    private final HttpServerResponse response;
    private final ChannelHandlerContext ctx;
    private final boolean chunked;
    private String reason = "closed_by_player";
    private String detail = "";

    /** The response to {@code req}; {@code ctx} is its connection's channel context. */
    Http(HttpServerRequest req, ChannelHandlerContext ctx) {
      this.response = req.response();
      this.ctx = ctx;
      this.chunked = req.version() != HttpVersion.HTTP_1_0;
    }

    /** The channel context of an HTTP/1.x request's connection; null for HTTP/2 (a shared, framed connection). */
    static ChannelHandlerContext channelContext(HttpServerRequest req) {
      return req.version() != HttpVersion.HTTP_2 && req.connection() instanceof ConnectionBase c
          ? c.channelHandlerContext() : null;
    }

    @Override
    public Future<Void> begin(ByteBuf header) {
      response.setStatusCode(200).setChunked(chunked)
          .putHeader("content-type", "video/x-flv")
          .putHeader("cache-control", "no-cache, no-store");
      return response.write(copy(header));
    }

    @Override
    public ChannelHandlerContext channelContext() {
      return ctx;
    }

    /** HTTP/1.0 has no chunks: the body is the bytes until the connection closes. */
    @Override
    public FrameBatch.Framing framing() {
      return chunked ? CHUNKED : null;
    }

    @Override
    public void refuse(int status, String reason) {
      if (!response.ended() && !response.closed()) {
        response.setStatusCode(status).putHeader("content-type", "text/plain; charset=utf-8").end(reason + "\n");
      }
    }

    @Override
    public void end() {
      if (!response.ended() && !response.closed()) {
        response.end();
      }
    }

    @Override
    public void abort(String reason, String detail) {
      this.reason = reason;
      this.detail = detail;
      ctx.channel().close();
    }

    @Override
    public void closeHandler(Ending onClose) {
      boolean[] once = new boolean[1];
      Runnable fire = () -> {
        if (!once[0]) {
          once[0] = true;
          onClose.closed(reason, detail);
        }
      };
      response.closeHandler(v -> fire.run());
      response.endHandler(v -> fire.run());
    }
  }

  /** A WebSocket: the FLV header, then each batch of tags, as binary messages. */
  final class WebSocket implements FlvTransport {
    /** RFC 6455 close codes. */
    private static final short POLICY_VIOLATION = 1008;
    private static final short TRY_AGAIN_LATER = 1013;

    /**
     * Most payload in one WebSocket frame: a larger batch is one message in several frames (a
     * binary frame, then continuations), as Vert.x itself fragments (its and Netty's decoders
     * refuse frames over 64 KiB by default).
     */
    static final int MAX_FRAME_PAYLOAD = 65536;

    /**
     * One batch is one binary message of unmasked frames (RFC 6455, 5.2), sent as they are even when
     * permessage-deflate was agreed: a message without RSV1 is uncompressed (RFC 7692, 6), and
     * deflating video costs much for nothing. mpegts.js reads the messages as one byte stream
     * (its WebSocket loader hands each on to a demuxer that keeps partial tags), so where a
     * message ends does not matter to it.
     */
    static final FrameBatch.Framing BINARY = new FrameBatch.Framing() {
      @Override
      public long maxPayload() {
        return MAX_FRAME_PAYLOAD;
      }

      @Override
      public ByteBuf header(ByteBufAllocator alloc, long payload, boolean first, boolean last) {
        ByteBuf head = alloc.directBuffer(10);
        // FIN on the last frame; opcode 2 (binary) on the first, 0 (continuation) after it.
        head.writeByte((last ? 0x80 : 0) | (first ? 0x2 : 0x0));
        if (payload < 126) {
          head.writeByte((int) payload);
        } else if (payload <= 0xFFFF) {
          head.writeByte(126).writeShort((int) payload);
        } else {
          head.writeByte(127).writeLong(payload);
        }
        return head;
      }

      @Override
      public ByteBuf trailer() {
        return null;
      }
    };

    private final ServerWebSocket ws;
    private final ChannelHandlerContext ctx;
    private String reason = "closed_by_player";
    private String detail = "";

    WebSocket(ServerWebSocket ws) {
      this.ws = ws;
      this.ctx = ws instanceof WebSocketInternal internal ? internal.channelHandlerContext() : null;
    }

    @Override
    public Future<Void> begin(ByteBuf header) {
      return ws.writeBinaryMessage(copy(header));
    }

    @Override
    public ChannelHandlerContext channelContext() {
      return ctx;
    }

    @Override
    public FrameBatch.Framing framing() {
      return BINARY;
    }

    @Override
    public void refuse(int status, String reason) {
      ws.close(status == 404 ? (short) 4404 : status == 503 ? TRY_AGAIN_LATER : POLICY_VIOLATION, reason);
    }

    @Override
    public void end() {
      ws.close();
    }

    /** A close frame, if the reader ever reads it, then the TCP connection closes at once. */
    @Override
    public void abort(String reason, String detail) {
      this.reason = reason;
      this.detail = detail;
      ws.close(POLICY_VIOLATION, reason);
      ctx.channel().close();
    }

    @Override
    public void closeHandler(Ending onClose) {
      ws.closeHandler(v -> onClose.closed(reason, detail));
    }
  }

  /** The FLV header as a Vert.x buffer (13 bytes, once per connection); releases {@code header}. */
  private static Buffer copy(ByteBuf header) {
    try {
      byte[] bytes = new byte[header.readableBytes()];
      header.getBytes(header.readerIndex(), bytes);
      return Buffer.buffer(bytes);
    } finally {
      header.release();
    }
  }
}
