package io.cascade.rtmp.handshake;

import static io.cascade.rtmp.handshake.HandshakeDigest.PACKET_SIZE;

import io.cascade.rtmp.RtmpProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Server side of the RTMP handshake (spec 5.2), plain or with the Flash digest.
 *
 * <p>Reads C0+C1, answers S0+S1+S2 in one write, reads and discards C2 (many clients send junk
 * there), then fires {@link HandshakeCompleted} and removes itself; bytes that came after C2 go on
 * to the next handler. If C1 carries a version and a valid client digest in either layout, S1
 * gets a server digest in the same layout and S2 the signature the client checks; otherwise S1 is
 * plain and S2 echoes C1.
 *
 * <p>Errors (wrong version byte, timeout) travel down the pipeline as {@link RtmpProtocolException}
 * for the connection handler to log and close; afterwards this handler discards all input. One
 * instance per channel.
 */
public final class ServerHandshakeHandler extends ByteToMessageDecoder {
  private static final int RTMP_VERSION = 3;
  /** Encrypted RTMP, which Flash-era players may ask for; named in the error. */
  private static final int RTMPE_VERSION = 6;
  /**
   * Server version in S1 when it carries a digest. Non-zero tells the client to look for the
   * digest; ffmpeg checks it only if the first byte is at least 3.
   */
  private static final byte[] SERVER_VERSION = {4, 5, 0, 1};

  private enum State { READ_C0C1, READ_C2, DONE, BAD }

  private final HandshakeTimeout timeout;
  private State state = State.READ_C0C1;
  private boolean complex;

  /** @param timeout how long the client gets from connect to the end of C2 */
  public ServerHandshakeHandler(Duration timeout) {
    this.timeout = new HandshakeTimeout(timeout);
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    // Added to a live connection (Vert.x NetServer), channelActive has already passed.
    if (ctx.channel().isActive()) {
      timeout.start(ctx, () -> expire(ctx));
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    timeout.start(ctx, () -> expire(ctx));
    super.channelActive(ctx);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) throws Exception {
    timeout.cancel();
    super.channelInactive(ctx);
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    timeout.cancel();
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      case READ_C0C1 -> readC0C1(ctx, in);
      case READ_C2 -> readC2(ctx, in);
      case DONE, BAD -> in.skipBytes(in.readableBytes());
    }
  }

  private void readC0C1(ChannelHandlerContext ctx, ByteBuf in) {
    if (!in.isReadable()) {
      return;
    }
    // Checked before C1 is complete so that non-RTMP peers fail at once.
    int version = in.getUnsignedByte(in.readerIndex());
    if (version != RTMP_VERSION) {
      String hint = version == RTMPE_VERSION ? " (RTMPE, encrypted RTMP, is not supported)" : "";
      throw fail(in, "handshake_version", String.format(
          "C0 version byte %d (0x%02x), expected %d%s", version, version, RTMP_VERSION, hint));
    }
    if (in.readableBytes() < 1 + PACKET_SIZE) {
      return;
    }
    in.skipBytes(1);
    byte[] c1 = new byte[PACKET_SIZE];
    in.readBytes(c1);

    HandshakeDigest.Layout layout =
        HandshakeDigest.hasVersion(c1) ? HandshakeDigest.findClientDigest(c1) : null;
    complex = layout != null;
    ByteBuf reply = ctx.alloc().buffer(1 + 2 * PACKET_SIZE);
    reply.writeByte(RTMP_VERSION);
    if (complex) {
      reply.writeBytes(complexS1(layout));
      reply.writeBytes(complexS2(HandshakeDigest.digest(c1, layout)));
    } else {
      reply.writeBytes(plainS1());
      reply.writeBytes(c1);
    }
    ctx.writeAndFlush(reply);
    state = State.READ_C2;
  }

  private void readC2(ChannelHandlerContext ctx, ByteBuf in) {
    if (in.readableBytes() < PACKET_SIZE) {
      return;
    }
    in.skipBytes(PACKET_SIZE);
    state = State.DONE;
    timeout.cancel();
    ctx.fireUserEventTriggered(new HandshakeCompleted(complex));
    // ByteToMessageDecoder hands the rest of its buffer to the next handler on removal.
    ctx.pipeline().remove(this);
  }

  /** Time 0, version 0, random rest. */
  private static byte[] plainS1() {
    byte[] s1 = new byte[PACKET_SIZE];
    ThreadLocalRandom.current().nextBytes(s1);
    Arrays.fill(s1, 0, 8, (byte) 0);
    return s1;
  }

  private static byte[] complexS1(HandshakeDigest.Layout layout) {
    byte[] s1 = plainS1();
    System.arraycopy(SERVER_VERSION, 0, s1, 4, SERVER_VERSION.length);
    HandshakeDigest.writeServerDigest(s1, layout);
    return s1;
  }

  private static byte[] complexS2(byte[] clientDigest) {
    byte[] s2 = new byte[PACKET_SIZE];
    ThreadLocalRandom.current().nextBytes(s2);
    HandshakeDigest.signS2(s2, clientDigest);
    return s2;
  }

  /** Enters BAD, dropping what is buffered; the caller throws the result. */
  private RtmpProtocolException fail(ByteBuf in, String reason, String message) {
    in.skipBytes(in.readableBytes());
    state = State.BAD;
    timeout.cancel();
    return new RtmpProtocolException(reason, message);
  }

  private void expire(ChannelHandlerContext ctx) {
    boolean first = state == State.READ_C0C1;
    String message = String.format(
        "handshake not completed within %d ms: waiting for %s, %d of %d bytes received",
        timeout.millis(), first ? "C0+C1" : "C2", internalBuffer().readableBytes(),
        first ? 1 + PACKET_SIZE : PACKET_SIZE);
    state = State.BAD;
    ctx.fireExceptionCaught(new RtmpProtocolException("handshake_timeout", message));
  }
}
