package io.cascade.http.flv;

import io.netty.buffer.ByteBuf;
import io.vertx.core.Future;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.internal.buffer.BufferInternal;

/**
 * Where an FLV player's bytes go: a chunked HTTP response or a WebSocket (one binary message per
 * FLV tag). Bytes are handed over by reference (the shared tag bodies are wrapped, never copied);
 * Vert.x does not release wrapped buffers, so each is released when its write completes.
 * Confined to the connection's event loop.
 */
interface FlvTransport {

  /** The 200 (HTTP) and the FLV header; takes {@code header}. */
  void begin(ByteBuf header);

  /** Writes {@code bytes} (takes them); the future completes once they are in the socket. */
  Future<Void> send(ByteBuf bytes);

  boolean isWritable();

  void drainHandler(Runnable onDrain);

  /** Refuses before {@link #begin}: an HTTP status with a reason text, a WebSocket close. */
  void refuse(int status, String reason);

  /** The stream ended normally: finish the response. */
  void end();

  /** Cuts the connection (slow consumer): no orderly end the reader could take for the stream's end. */
  void abort();

  /** Runs once when the peer goes away or the transport was closed. */
  void closeHandler(Runnable onClose);

  static Future<Void> release(Future<Void> written, ByteBuf bytes) {
    return written.andThen(ar -> bytes.release());
  }

  /** A chunked HTTP/1.1 response, status and headers sent with the FLV header. */
  final class Http implements FlvTransport {
    private final HttpServerResponse response;

    Http(HttpServerResponse response) {
      this.response = response;
    }

    @Override
    public void begin(ByteBuf header) {
      response.setStatusCode(200).setChunked(true)
          .putHeader("content-type", "video/x-flv")
          .putHeader("cache-control", "no-cache, no-store");
      send(header);
    }

    @Override
    public Future<Void> send(ByteBuf bytes) {
      if (response.closed() || response.ended()) {
        bytes.release();
        return Future.failedFuture("closed");
      }
      return release(response.write(BufferInternal.buffer(bytes)), bytes);
    }

    @Override
    public boolean isWritable() {
      return !response.closed() && !response.writeQueueFull();
    }

    @Override
    public void drainHandler(Runnable onDrain) {
      response.drainHandler(v -> onDrain.run());
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
    public void abort() {
      if (!response.closed()) {
        response.reset();
      }
    }

    @Override
    public void closeHandler(Runnable onClose) {
      boolean[] once = new boolean[1];
      Runnable fire = () -> {
        if (!once[0]) {
          once[0] = true;
          onClose.run();
        }
      };
      response.closeHandler(v -> fire.run());
      response.endHandler(v -> fire.run());
    }
  }

  /** A WebSocket: the FLV header, then each tag, as binary messages. */
  final class WebSocket implements FlvTransport {
    /** RFC 6455 close codes. */
    private static final short POLICY_VIOLATION = 1008;
    private static final short TRY_AGAIN_LATER = 1013;
    private final ServerWebSocket ws;

    WebSocket(ServerWebSocket ws) {
      this.ws = ws;
    }

    @Override
    public void begin(ByteBuf header) {
      send(header);
    }

    @Override
    public Future<Void> send(ByteBuf bytes) {
      if (ws.isClosed()) {
        bytes.release();
        return Future.failedFuture("closed");
      }
      return release(ws.writeBinaryMessage(BufferInternal.buffer(bytes)), bytes);
    }

    @Override
    public boolean isWritable() {
      // writeQueueFull() throws once the socket is closed; the close handler stops the player soon after.
      return !ws.isClosed() && !ws.writeQueueFull();
    }

    @Override
    public void drainHandler(Runnable onDrain) {
      ws.drainHandler(v -> onDrain.run());
    }

    @Override
    public void refuse(int status, String reason) {
      ws.close(status == 404 ? (short) 4404 : status == 503 ? TRY_AGAIN_LATER : POLICY_VIOLATION, reason);
    }

    @Override
    public void end() {
      ws.close();
    }

    @Override
    public void abort() {
      ws.close(POLICY_VIOLATION, "slow_consumer");
    }

    @Override
    public void closeHandler(Runnable onClose) {
      ws.closeHandler(v -> onClose.run());
    }
  }
}
