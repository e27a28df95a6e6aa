package io.cascade.origin;

import io.cascade.rtmp.amf.Amf0;
import io.cascade.rtmp.chunk.ChunkDecoder;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.handshake.HandshakeDigest;
import io.cascade.rtmp.message.Commands;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Random;

/**
 * A hand-driven RTMP peer on a plain blocking socket, for sending what no real client would. It
 * writes exactly the bytes it is told to and reads only when asked, so a test controls where the
 * conversation stops. Chunks go out at the default chunk size (128), which the server assumes
 * until told otherwise.
 */
final class RawRtmpPeer implements Closeable {
  static final int C1_SIZE = HandshakeDigest.PACKET_SIZE;
  private static final int POLL_MILLIS = 100;

  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private final Random random;

  private RawRtmpPeer(Socket socket, long seed) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = socket.getInputStream();
    this.random = new Random(seed);
  }

  /** Connects to the server; a positive {@code receiveBuffer} shrinks the TCP window we advertise. */
  static RawRtmpPeer connect(int port, int receiveBuffer, long seed) throws IOException {
    Socket s = new Socket();
    if (receiveBuffer > 0) {
      // Must be set before connecting: the window scale is agreed in the SYN.
      s.setReceiveBufferSize(receiveBuffer);
    }
    s.setTcpNoDelay(true);
    s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
    return new RawRtmpPeer(s, seed);
  }

  /** The local port, which the server logs as the peer's port. */
  int localPort() {
    return socket.getLocalPort();
  }

  byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  /** C0 (version 3) and a plain C1: time 0, zero, random. */
  void sendC0C1() throws IOException {
    byte[] c0c1 = randomBytes(1 + C1_SIZE);
    c0c1[0] = 3;
    for (int i = 1; i <= 8; i++) {
      c0c1[i] = 0;
    }
    send(c0c1);
  }

  /** Reads S0, S1 and S2 and returns S1, which a plain C2 echoes. */
  byte[] readS0S1S2() throws IOException {
    socket.setSoTimeout(5_000);
    DataInputStream data = new DataInputStream(in);
    byte[] s0s1s2 = new byte[1 + 2 * C1_SIZE];
    data.readFully(s0s1s2);
    byte[] s1 = new byte[C1_SIZE];
    System.arraycopy(s0s1s2, 1, s1, 0, C1_SIZE);
    return s1;
  }

  /** A complete plain handshake. */
  void handshake() throws IOException {
    sendC0C1();
    send(readS0S1S2());
  }

  /** {@code connect} for {@code app}, as a well-behaved client sends it. */
  void sendConnect(String app) throws IOException {
    Map<String, Object> obj = Map.of("app", app, "tcUrl", "rtmp://127.0.0.1/" + app,
        "flashVer", "LNX 9,0,124,2", "objectEncoding", 0.0);
    sendCommand(Commands.CSID_COMMAND, 0, "connect", 1, obj);
  }

  void sendCommand(int csid, int streamId, String name, double tx, Object... values) throws IOException {
    RtmpMessage m = Commands.command(UnpooledByteBufAllocator.DEFAULT, csid, streamId, name, tx, values);
    try {
      send(encode(m));
    } finally {
      m.release();
    }
  }

  /** One whole message with a type-0 header, chunked at 128 bytes. */
  static byte[] message(int csid, int typeId, int streamId, byte[] payload) {
    RtmpMessage m = new RtmpMessage(csid, typeId, 0, streamId, Unpooled.wrappedBuffer(payload));
    try {
      return encode(m);
    } finally {
      m.release();
    }
  }

  /** The start of an AMF0 command body: its name and transaction id 0; the caller writes the rest. */
  static void commandStart(DataOutputStream out, String name) throws IOException {
    out.writeByte(Amf0.STRING);
    out.writeShort(name.length());
    out.writeBytes(name);
    out.writeByte(Amf0.NUMBER);
    out.writeDouble(0);
  }

  /** A type-0 chunk header declaring a message of {@code length} bytes, without any payload. */
  static byte[] header(int csid, int typeId, int streamId, int length) {
    return new byte[] {(byte) csid, 0, 0, 0, (byte) (length >>> 16), (byte) (length >>> 8), (byte) length,
        (byte) typeId, (byte) streamId, (byte) (streamId >>> 8), (byte) (streamId >>> 16), (byte) (streamId >>> 24)};
  }

  private static byte[] encode(RtmpMessage m) {
    ByteBuf chunks = ChunkEncoder.encode(m, ChunkDecoder.DEFAULT_CHUNK_SIZE, UnpooledByteBufAllocator.DEFAULT);
    try {
      return ByteBufUtil.getBytes(chunks);
    } finally {
      chunks.release();
    }
  }

  /** Half-closes: the server reads end of stream; we can still read what it sends. */
  void shutdownOutput() throws IOException {
    socket.shutdownOutput();
  }

  /** Closes with a TCP reset instead of a FIN. */
  void abort() throws IOException {
    socket.setSoLinger(true, 0);
    socket.close();
  }

  boolean isClosedLocally() {
    return socket.isClosed();
  }

  /**
   * Reads and discards what the server sends until it closes the connection (end of stream or a
   * reset). Returns whether that happened within {@code limit}.
   */
  boolean awaitServerClose(Duration limit) throws IOException {
    long deadline = System.nanoTime() + limit.toNanos();
    byte[] sink = new byte[16 * 1024];
    socket.setSoTimeout(POLL_MILLIS);
    while (System.nanoTime() < deadline) {
      try {
        if (in.read(sink) < 0) {
          return true;
        }
      } catch (SocketTimeoutException e) {
        // Nothing yet; poll again until the deadline.
      } catch (SocketException e) {
        // Reset: the server closed while our bytes were still unread on its side.
        return true;
      }
    }
    return false;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
