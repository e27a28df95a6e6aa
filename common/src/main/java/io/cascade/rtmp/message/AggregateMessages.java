package io.cascade.rtmp.message;

import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.netty.buffer.ByteBuf;
import java.util.function.Consumer;

/**
 * Splits an Aggregate message (type 22, RTMP 1.0 section 7.1.6) into its sub-messages without
 * copying.
 *
 * <p>The body is a run of FLV tags: type (UI8), data size (UI24), timestamp (UI24) plus its upper
 * 8 bits (UI8), stream id (UI24), data, then a UI32 back pointer. Each sub-message takes the
 * aggregate's chunk stream id and message stream id (the aggregate's overrides, per the spec), and
 * a timestamp rebased so that the first sub-message lands on the aggregate's timestamp while the
 * others keep their offset from the first, modulo 2^32. Sub-message types are passed on as written;
 * routing them is the caller's business.
 *
 * <p>The back pointer must be present but its value is not checked: it only serves backward seeks
 * in files, and writers disagree on whether it counts the 11-byte header.
 */
public final class AggregateMessages {
  /** Type, data size, timestamp, timestamp extension, stream id. */
  private static final int TAG_HEADER_SIZE = 11;
  private static final int BACK_POINTER_SIZE = 4;

  private AggregateMessages() {
  }

  /**
   * Emits each sub-message to {@code out}, which takes ownership of it (its payload is a retained
   * slice of the aggregate's payload). The aggregate itself is neither released nor read past its
   * reader index. The whole body is validated before anything is emitted, so on failure nothing
   * was emitted.
   *
   * @return how many sub-messages were emitted
   * @throws RtmpProtocolException with reason {@code aggregate} when a tag header is cut off, a
   *     data size runs past the body, a back pointer is missing, or there are more than
   *     {@code maxSubMessages} sub-messages
   */
  public static int split(RtmpMessage aggregate, int maxSubMessages, Consumer<RtmpMessage> out) {
    if (maxSubMessages < 1) {
      throw new IllegalArgumentException("maxSubMessages must be at least 1: " + maxSubMessages);
    }
    ByteBuf body = aggregate.payload();
    int base = body.readerIndex();
    int len = body.readableBytes();
    int count = validate(body, base, len, maxSubMessages);
    if (count == 0) {
      return 0;
    }
    long first = tagTimestamp(body, base);
    int pos = 0;
    while (pos < len) {
      int at = base + pos;
      int size = body.getUnsignedMedium(at + 1);
      long timestamp = aggregate.timestamp() + (tagTimestamp(body, at) - first);
      out.accept(new RtmpMessage(aggregate.chunkStreamId(), body.getUnsignedByte(at), timestamp,
          aggregate.streamId(), body.retainedSlice(at + TAG_HEADER_SIZE, size)));
      pos += TAG_HEADER_SIZE + size + BACK_POINTER_SIZE;
    }
    return count;
  }

  private static int validate(ByteBuf body, int base, int len, int maxSubMessages) {
    int count = 0;
    int pos = 0;
    while (pos < len) {
      int left = len - pos;
      if (left < TAG_HEADER_SIZE) {
        throw malformed("sub-message " + count + " header cut off: " + left + " bytes left of " + len);
      }
      int size = body.getUnsignedMedium(base + pos + 1);
      if (size > left - TAG_HEADER_SIZE - BACK_POINTER_SIZE) {
        throw malformed("sub-message " + count + " of " + size + " bytes and its back pointer overrun the "
            + (left - TAG_HEADER_SIZE) + " bytes left of " + len);
      }
      if (++count > maxSubMessages) {
        throw malformed("more than " + maxSubMessages + " sub-messages in " + len + " bytes");
      }
      pos += TAG_HEADER_SIZE + size + BACK_POINTER_SIZE;
    }
    return count;
  }

  /** The FLV tag timestamp: lower 24 bits, then the upper 8. */
  private static long tagTimestamp(ByteBuf body, int tagAt) {
    return (long) body.getUnsignedByte(tagAt + 7) << 24 | body.getUnsignedMedium(tagAt + 4);
  }

  private static RtmpProtocolException malformed(String detail) {
    return new RtmpProtocolException("aggregate", "malformed aggregate message: " + detail);
  }
}
