package io.cascade.rtmp.amf;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;

/**
 * What one decode call has built so far, shared by the AMF0 and AMF3 decoders it involves, checked
 * against its {@link AmfLimits}.
 *
 * <p>Values and nesting are counted as if every reference were written out in full: a few bytes of
 * references could otherwise describe a graph whose traversal (equals, toString, re-encoding) is
 * exponential or deeper than the stack.
 */
final class DecodeContext {
  private final AmfLimits limits;
  private int depth;
  /** Deepest level reached since the innermost open container began; gives its height. */
  private int deepest;
  private long values;

  DecodeContext(AmfLimits limits) {
    this.limits = limits;
  }

  /**
   * Runs one decode call. On failure the reader index goes back to where it was, and running off
   * the end of the buffer (which every fixed-size read may do) becomes an {@link AmfException}.
   */
  static <T> T run(ByteBuf in, Supplier<T> decode) {
    int start = in.readerIndex();
    try {
      return decode.get();
    } catch (IndexOutOfBoundsException e) {
      int available = in.writerIndex() - start;
      in.readerIndex(start);
      throw new AmfException("AMF data truncated: " + available + " bytes end inside a value");
    } catch (AmfException e) {
      in.readerIndex(start);
      throw e;
    }
  }

  /** Counts values about to be produced. */
  void count(long n) {
    values += n;
    if (values > limits.maxElements()) {
      throw new AmfException("more than " + limits.maxElements() + " AMF values in one message");
    }
  }

  long values() {
    return values;
  }

  /**
   * Checks a peer's claim of {@code count} entries, each taking at least {@code minBytesEach}
   * bytes, before anything is sized by it.
   */
  void claim(ByteBuf in, long count, int minBytesEach, String what) {
    if (count > limits.maxElements() - values) {
      throw new AmfException(what + " claims " + count + " entries, over the limit of "
          + limits.maxElements() + " AMF values in one message");
    }
    if (count * minBytesEach > in.readableBytes()) {
      throw new AmfException(what + " claims " + count + " entries but only "
          + in.readableBytes() + " bytes remain");
    }
  }

  /** Checks a peer's claim of a {@code length}-byte string or blob before anything is sized. */
  void claimBytes(ByteBuf in, long length, String what) {
    if (length > limits.maxStringLength()) {
      throw new AmfException(what + " of " + length + " bytes exceeds the limit of "
          + limits.maxStringLength());
    }
    if (length > in.readableBytes()) {
      throw new AmfException(what + " claims " + length + " bytes but only "
          + in.readableBytes() + " remain");
    }
  }

  String readUtf8(ByteBuf in, long length) {
    claimBytes(in, length, "string");
    return in.readCharSequence((int) length, StandardCharsets.UTF_8).toString();
  }

  void checkTableRoom(int size, String table) {
    if (size >= limits.maxElements()) {
      throw new AmfException(table + " reference table is full at " + size + " entries");
    }
  }

  /** Enters a container; returns what {@link #leave} needs to restore. */
  int enter() {
    if (depth >= limits.maxDepth()) {
      throw new AmfException("AMF values nested deeper than " + limits.maxDepth() + " levels");
    }
    depth++;
    int saved = deepest;
    deepest = depth;
    return saved;
  }

  /** Leaves the innermost container; returns its height in levels, itself included. */
  int leave(int savedDeepest) {
    int height = deepest - depth + 1;
    deepest = Math.max(savedDeepest, deepest);
    depth--;
    return height;
  }

  /**
   * Accounts for a reference to a finished value as if it were written out here again: {@code
   * height} more levels and {@code extraValues} beyond the one already counted for the reference.
   */
  void repeat(int height, long extraValues) {
    if (depth + height > limits.maxDepth()) {
      throw new AmfException("reference nests AMF values deeper than " + limits.maxDepth()
          + " levels");
    }
    deepest = Math.max(deepest, depth + height);
    count(extraValues);
  }
}
