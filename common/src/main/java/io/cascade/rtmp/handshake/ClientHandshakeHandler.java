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
 * Client side of the RTMP handshake (spec 5.2) for Cascade's own connections to other servers.
 *
 * <p>Sends C0+C1 as soon as the connection is up, with a Flash Player client digest unless plain
 * mode was asked for. Reads S0+S1+S2; if S1 carries a server version (digest mode) its digest must
 * verify in either layout and C2 is the signed form, otherwise C2 echoes S1. S2 itself is not
 * checked, as the server does not check C2. Then fires {@link HandshakeCompleted}, removes itself
 * and passes any bytes that followed S2 to the next handler.
 *
 * <p>Errors travel down the pipeline as {@link RtmpProtocolException}; afterwards this handler
 * discards all input. One instance per channel.
 */
public final class ClientHandshakeHandler extends ByteToMessageDecoder {
  private static final int RTMP_VERSION = 3;
  /** The Flash Player version ffmpeg claims; servers take a non-zero value as "digest follows". */
  private static final byte[] CLIENT_VERSION = {9, 0, 124, 2};
  private static final int RESPONSE_SIZE = 1 + 2 * PACKET_SIZE;

  private enum State { START, READ_S0S1S2, DONE, BAD }

  private final HandshakeTimeout timeout;
  private final boolean complex;
  private State state = State.START;

  /** A digest handshake, what Flash-era servers and CDNs expect. */
  public ClientHandshakeHandler(Duration timeout) {
    this(timeout, true);
  }

  /**
   * @param timeout how long the server gets from connect to the end of S2
   * @param complex true for the digest handshake, false for the plain one
   */
  public ClientHandshakeHandler(Duration timeout, boolean complex) {
    this.timeout = new HandshakeTimeout(timeout);
    this.complex = complex;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    // Added to a live connection (Vert.x NetClient), channelActive has already passed.
    if (ctx.channel().isActive()) {
      start(ctx);
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    start(ctx);
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

  private void start(ChannelHandlerContext ctx) {
    if (!timeout.start(ctx, () -> expire(ctx))) {
      return;
    }
    ByteBuf c0c1 = ctx.alloc().buffer(1 + PACKET_SIZE);
    c0c1.writeByte(RTMP_VERSION);
    c0c1.writeBytes(c1());
    ctx.writeAndFlush(c0c1);
    state = State.READ_S0S1S2;
  }

  private byte[] c1() {
    byte[] c1 = new byte[PACKET_SIZE];
    ThreadLocalRandom.current().nextBytes(c1);
    Arrays.fill(c1, 0, 8, (byte) 0);
    if (complex) {
      System.arraycopy(CLIENT_VERSION, 0, c1, 4, CLIENT_VERSION.length);
      HandshakeDigest.writeClientDigest(c1, HandshakeDigest.Layout.DIGEST_FIRST);
    }
    return c1;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    switch (state) {
      // The server speaks only after C0+C1, so START sees no input.
      case START, DONE, BAD -> in.skipBytes(in.readableBytes());
      case READ_S0S1S2 -> readS0S1S2(ctx, in);
    }
  }

  private void readS0S1S2(ChannelHandlerContext ctx, ByteBuf in) {
    if (!in.isReadable()) {
      return;
    }
    int version = in.getUnsignedByte(in.readerIndex());
    if (version != RTMP_VERSION) {
      throw fail(in, "handshake_version", String.format(
          "S0 version byte %d (0x%02x), expected %d", version, version, RTMP_VERSION));
    }
    if (in.readableBytes() < RESPONSE_SIZE) {
      return;
    }
    in.skipBytes(1);
    byte[] s1 = new byte[PACKET_SIZE];
    in.readBytes(s1);
    in.skipBytes(PACKET_SIZE);

    boolean signed = complex && HandshakeDigest.hasVersion(s1);
    byte[] c2 = s1;
    if (signed) {
      HandshakeDigest.Layout layout = HandshakeDigest.findServerDigest(s1);
      if (layout == null) {
        throw fail(in, "handshake_digest", String.format(
            "S1 from server version %d.%d.%d.%d has no valid digest in either layout",
            s1[4] & 0xFF, s1[5] & 0xFF, s1[6] & 0xFF, s1[7] & 0xFF));
      }
      c2 = new byte[PACKET_SIZE];
      ThreadLocalRandom.current().nextBytes(c2);
      HandshakeDigest.signC2(c2, HandshakeDigest.digest(s1, layout));
    }
    ctx.writeAndFlush(ctx.alloc().buffer(PACKET_SIZE).writeBytes(c2));
    state = State.DONE;
    timeout.cancel();
    ctx.fireUserEventTriggered(new HandshakeCompleted(signed));
    // ByteToMessageDecoder hands the rest of its buffer to the next handler on removal.
    ctx.pipeline().remove(this);
  }

  /** Enters BAD, dropping what is buffered; the caller throws the result. */
  private RtmpProtocolException fail(ByteBuf in, String reason, String message) {
    in.skipBytes(in.readableBytes());
    state = State.BAD;
    timeout.cancel();
    return new RtmpProtocolException(reason, message);
  }

  private void expire(ChannelHandlerContext ctx) {
    String message = String.format(
        "handshake not completed within %d ms: waiting for S0+S1+S2, %d of %d bytes received",
        timeout.millis(), internalBuffer().readableBytes(), RESPONSE_SIZE);
    state = State.BAD;
    ctx.fireExceptionCaught(new RtmpProtocolException("handshake_timeout", message));
  }
}
