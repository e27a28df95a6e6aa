package io.cascade.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;

/**
 * Reads an FLV byte stream (FLV 10.1, E.2 to E.4: the file header, PreviousTagSize0, then tags,
 * each followed by its PreviousTagSize) from pieces of any size, as the body of an HTTP-FLV
 * response arrives: a header or tag may be split anywhere, across chunks and socket reads.
 *
 * <p>Nothing is assembled beyond what the caller asks to see: of each tag body the first
 * {@code keep} bytes are copied into one buffer the reader reuses for every tag, and the rest is
 * skipped. A bench player keeps only the head it parses, so reading costs the same whatever the
 * frame size and allocates nothing per tag; a test that checks whole frames passes
 * {@link #WHOLE_BODIES}.
 *
 * <p>Every tag is checked as it passes (reserved and filter bits 0, tag type 8, 9 or 18, stream
 * id 0, PreviousTagSize equal to the tag's length), so a reader that lost its place fails at once
 * instead of miscounting. FLV headers are counted: a live stream has one, at the start, and one
 * where a tag should begin (its "F" is no valid tag's first byte) is a server starting the stream
 * over on the same response. The first problem is a {@link CorruptedFrameException} naming the
 * tag count and byte offset; {@link #problem()} keeps it and later reads throw it again.
 *
 * <p>Not thread-safe: one reader per connection, fed by one thread at a time.
 */
public final class FlvTagReader {
  /** Where each tag goes. */
  @FunctionalInterface
  public interface Sink {
    /**
     * One tag: its type ({@link #AUDIO}, {@link #VIDEO}, {@link #SCRIPT}), its 32-bit timestamp in
     * milliseconds, the first bytes of its body (up to the reader's {@code keep}; all of them when
     * the body is shorter) and the body's full size. {@code body} is the reader's own buffer: read
     * it, do not keep or release it.
     */
    void onTag(int type, long timestamp, ByteBuf body, int size);
  }

  public static final int AUDIO = 8;
  public static final int VIDEO = 9;
  public static final int SCRIPT = 18;
  /** The tag header's DataSize is 24 bits: a {@code keep} of this much keeps every body whole. */
  public static final int WHOLE_BODIES = 0xFFFFFF;

  private static final int FILE_HEADER_SIZE = 9;
  private static final int TAG_HEADER_SIZE = 11;
  private static final int PREVIOUS_TAG_SIZE = 4;
  /** The body buffer's first size when whole bodies are kept; it grows to the largest tag seen. */
  private static final int INITIAL_BODY_CAPACITY = 64 * 1024;

  private enum State { FILE_HEADER, SKIP_TO_DATA, PREVIOUS_TAG_SIZE, TAG_HEADER, TAG_BODY }

  private final Sink sink;
  private final int keep;
  /** The fixed-size field being gathered: file header, tag header or PreviousTagSize. */
  private final byte[] field = new byte[TAG_HEADER_SIZE];
  /** A heap buffer owned by this reader (wrapped, nothing to release), replaced only to grow. */
  private ByteBuf body;
  private State state = State.FILE_HEADER;
  private int gathered;
  private long skip;
  private long expectedPreviousTagSize;
  private int tagType;
  private long tagTimestamp;
  private int tagSize;
  private int bodyRead;
  private long offset;
  private long tags;
  private int headers;
  private CorruptedFrameException failure;

  /**
   * @param keep bytes of each tag body to hand to {@code sink}, at least 1; {@link #WHOLE_BODIES}
   *     for all of them
   */
  public FlvTagReader(int keep, Sink sink) {
    if (keep < 1 || keep > WHOLE_BODIES) {
      throw new IllegalArgumentException("keep " + keep + " outside 1.." + WHOLE_BODIES);
    }
    this.keep = keep;
    this.sink = sink;
    this.body = Unpooled.wrappedBuffer(new byte[Math.min(keep, INITIAL_BODY_CAPACITY)]);
  }

  /**
   * Reads everything {@code in} holds (its reader index moves to the end); the caller keeps
   * ownership. Throws on the first malformed byte, and again on every read after it.
   */
  public void read(ByteBuf in) {
    if (failure != null) {
      throw failure;
    }
    while (in.isReadable()) {
      switch (state) {
        case FILE_HEADER -> {
          if (gather(in, FILE_HEADER_SIZE)) {
            fileHeader();
          }
        }
        case SKIP_TO_DATA -> {
          int n = (int) Math.min(skip, in.readableBytes());
          consume(in, n);
          skip -= n;
          if (skip == 0) {
            state = State.PREVIOUS_TAG_SIZE;
          }
        }
        case PREVIOUS_TAG_SIZE -> {
          if (gather(in, PREVIOUS_TAG_SIZE)) {
            long previous = uint(0, 4);
            if (previous != expectedPreviousTagSize) {
              throw bad("PreviousTagSize " + previous + " where " + expectedPreviousTagSize + " was due");
            }
            state = State.TAG_HEADER;
          }
        }
        case TAG_HEADER -> {
          if (gathered == 0 && in.getByte(in.readerIndex()) == 'F') {
            // 0x46 has a reserved bit set, so no tag starts with it: an FLV header starts here.
            state = State.FILE_HEADER;
          } else if (gather(in, TAG_HEADER_SIZE)) {
            tagHeader();
          }
        }
        case TAG_BODY -> body(in);
      }
    }
  }

  /** Tags read so far, of every type. */
  public long tags() {
    return tags;
  }

  /** FLV headers read so far: one on a healthy stream. */
  public int headers() {
    return headers;
  }

  /** Bytes read so far. */
  public long bytes() {
    return offset;
  }

  /** Why the reading stopped, or null while the stream is well formed. */
  public String problem() {
    return failure == null ? null : failure.getMessage();
  }

  /** Copies bytes of a fixed-size field; true once all {@code size} are there. */
  private boolean gather(ByteBuf in, int size) {
    int n = Math.min(size - gathered, in.readableBytes());
    in.readBytes(field, gathered, n);
    offset += n;
    gathered += n;
    if (gathered < size) {
      return false;
    }
    gathered = 0;
    return true;
  }

  private void fileHeader() {
    if (field[0] != 'F' || field[1] != 'L' || field[2] != 'V') {
      throw bad(headers == 0 ? "the stream does not start with an FLV header (signature FLV)" : "no FLV signature");
    }
    long dataOffset = uint(5, 4);
    if (dataOffset < FILE_HEADER_SIZE) {
      throw bad("FLV header " + (headers + 1) + " has DataOffset " + dataOffset + ", inside the header");
    }
    headers++;
    skip = dataOffset - FILE_HEADER_SIZE;
    expectedPreviousTagSize = 0;
    state = skip > 0 ? State.SKIP_TO_DATA : State.PREVIOUS_TAG_SIZE;
  }

  private void tagHeader() {
    int first = field[0] & 0xFF;
    // Reserved (2 bits, always 0) and Filter (1 bit, encryption, which no server of ours sends)
    // above the 5-bit TagType.
    tagType = first & 0x1F;
    if ((first & 0xE0) != 0 || tagType != AUDIO && tagType != VIDEO && tagType != SCRIPT) {
      throw bad(String.format("tag starts with byte 0x%02x: not an audio, video or script tag", first));
    }
    tagSize = (int) uint(1, 3);
    tagTimestamp = uint(4, 3) | uint(7, 1) << 24;
    if (uint(8, 3) != 0) {
      throw bad("stream id " + uint(8, 3) + " (always 0)");
    }
    int kept = Math.min(tagSize, keep);
    if (kept > body.capacity()) {
      body = Unpooled.wrappedBuffer(new byte[Math.min(keep, Math.max(kept, 2 * body.capacity()))]);
    }
    body.clear();
    bodyRead = 0;
    state = State.TAG_BODY;
    if (tagSize == 0) {
      endTag();
    }
  }

  private void body(ByteBuf in) {
    int n = Math.min(tagSize - bodyRead, in.readableBytes());
    int copied = Math.min(n, body.writableBytes());
    body.writeBytes(in, copied);
    offset += copied;
    consume(in, n - copied);
    bodyRead += n;
    if (bodyRead == tagSize) {
      endTag();
    }
  }

  private void endTag() {
    tags++;
    expectedPreviousTagSize = TAG_HEADER_SIZE + tagSize;
    state = State.PREVIOUS_TAG_SIZE;
    sink.onTag(tagType, tagTimestamp, body, tagSize);
  }

  private void consume(ByteBuf in, int n) {
    in.skipBytes(n);
    offset += n;
  }

  /** Big-endian unsigned value of {@code length} bytes of the gathered field from {@code at}. */
  private long uint(int at, int length) {
    long v = 0;
    for (int i = at; i < at + length; i++) {
      v = v << 8 | field[i] & 0xFF;
    }
    return v;
  }

  private CorruptedFrameException bad(String what) {
    failure = new CorruptedFrameException("bad FLV after " + headers + " headers and " + tags + " tags, at byte "
        + offset + ": " + what);
    return failure;
  }
}
