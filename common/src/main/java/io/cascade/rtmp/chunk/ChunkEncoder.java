package io.cascade.rtmp.chunk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;

/**
 * Splits outbound {@link RtmpMessage}s into chunks (RTMP 1.0 section 5.3).
 *
 * <p>Headers are stateless: a type-0 header opens every message and type-3 headers continue it, so
 * the bytes of a message depend only on the message and the chunk size. That lets a publisher's
 * message be encoded once with {@link #encode(RtmpMessage, int, ByteBufAllocator)} and the same
 * buffer written to every viewer; such pre-encoded {@link ByteBuf}s pass through this handler
 * untouched. When the timestamp needs the extended field, every type-3 chunk repeats it, which is
 * what ffmpeg and Flash expect.
 *
 * <p>The only state is the outbound chunk size. Encoding a Set Chunk Size message switches to the
 * announced size for the messages after it, so the peer and this encoder change at the same point
 * of the stream. Use it from the channel's event loop.
 */
public final class ChunkEncoder extends MessageToByteEncoder<RtmpMessage> {
  private static final int EXTENDED_TIMESTAMP_MARKER = 0xFFFFFF;
  private static final int MAX_CHUNK_STREAM_ID = 65599;
  private static final int MAX_MESSAGE_LENGTH = 0xFFFFFF;
  private static final int TYPE_0_MESSAGE_HEADER = 11;

  private int chunkSize = ChunkDecoder.DEFAULT_CHUNK_SIZE;

  public ChunkEncoder() {
    super(RtmpMessage.class);
  }

  public int chunkSize() {
    return chunkSize;
  }

  /**
   * Sets the outbound chunk size without telling the peer; normally the connection sends a Set
   * Chunk Size message instead, which switches this encoder by itself.
   */
  public void chunkSize(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("chunk size must be in 1..2147483647: " + size);
    }
    chunkSize = size;
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, RtmpMessage msg, ByteBuf out) {
    encode(msg, chunkSize, out);
    if (msg.typeId() == ChunkControl.SET_CHUNK_SIZE) {
      chunkSize(ChunkControl.readChunkSize(msg));
    }
  }

  @Override
  protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, RtmpMessage msg, boolean preferDirect) {
    int size = encodedLength(msg, chunkSize);
    return preferDirect ? ctx.alloc().ioBuffer(size, size) : ctx.alloc().heapBuffer(size, size);
  }

  /** Encodes {@code message} into a new buffer of exactly {@link #encodedLength} bytes. */
  public static ByteBuf encode(RtmpMessage message, int chunkSize, ByteBufAllocator alloc) {
    int size = encodedLength(message, chunkSize);
    ByteBuf out = alloc.buffer(size, size);
    try {
      encode(message, chunkSize, out);
      return out;
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
  }

  /**
   * Writes {@code message} as chunks of at most {@code chunkSize} payload bytes. The message's
   * payload reader index is left unchanged, so one message can be encoded several times.
   */
  public static void encode(RtmpMessage message, int chunkSize, ByteBuf out) {
    int csid = message.chunkStreamId();
    int length = message.length();
    checkArguments(csid, length, chunkSize);
    long timestamp = message.timestamp();
    boolean extended = timestamp >= EXTENDED_TIMESTAMP_MARKER;

    writeBasicHeader(out, 0, csid);
    out.writeMedium(extended ? EXTENDED_TIMESTAMP_MARKER : (int) timestamp);
    out.writeMedium(length);
    out.writeByte(message.typeId());
    out.writeIntLE(message.streamId());
    if (extended) {
      out.writeInt((int) timestamp);
    }

    ByteBuf payload = message.payload();
    int offset = payload.readerIndex();
    int end = offset + length;
    int n = Math.min(chunkSize, length);
    out.writeBytes(payload, offset, n);
    offset += n;
    while (offset < end) {
      writeBasicHeader(out, 3, csid);
      if (extended) {
        out.writeInt((int) timestamp);
      }
      n = Math.min(chunkSize, end - offset);
      out.writeBytes(payload, offset, n);
      offset += n;
    }
  }

  /** Bytes {@link #encode} writes for a message with these fields. */
  public static int encodedLength(int csid, long timestamp, int payloadLength, int chunkSize) {
    checkArguments(csid, payloadLength, chunkSize);
    int basicHeader = basicHeaderLength(csid);
    int extended = (timestamp & 0xFFFFFFFFL) >= EXTENDED_TIMESTAMP_MARKER ? 4 : 0;
    int chunks = payloadLength == 0 ? 1 : (payloadLength - 1) / chunkSize + 1;
    return basicHeader + TYPE_0_MESSAGE_HEADER + extended + payloadLength
        + (chunks - 1) * (basicHeader + extended);
  }

  private static int encodedLength(RtmpMessage message, int chunkSize) {
    return encodedLength(message.chunkStreamId(), message.timestamp(), message.length(), chunkSize);
  }

  private static void checkArguments(int csid, int length, int chunkSize) {
    if (csid < ChunkControl.CONTROL_CHUNK_STREAM_ID || csid > MAX_CHUNK_STREAM_ID) {
      throw new IllegalArgumentException("chunk stream id must be in 2..65599: " + csid);
    }
    if (length > MAX_MESSAGE_LENGTH) {
      throw new IllegalArgumentException("message of " + length + " bytes exceeds the 24-bit length field");
    }
    if (chunkSize < 1) {
      throw new IllegalArgumentException("chunk size must be positive: " + chunkSize);
    }
  }

  private static int basicHeaderLength(int csid) {
    return csid < 64 ? 1 : csid < 320 ? 2 : 3;
  }

  private static void writeBasicHeader(ByteBuf out, int fmt, int csid) {
    if (csid < 64) {
      out.writeByte(fmt << 6 | csid);
    } else if (csid < 320) {
      out.writeByte(fmt << 6);
      out.writeByte(csid - 64);
    } else {
      out.writeByte(fmt << 6 | 1);
      out.writeShortLE(csid - 64);
    }
  }
}
