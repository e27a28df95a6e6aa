package io.cascade.bench;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;

/**
 * Reads an FLV byte stream (FLV 10.1, E.2 to E.4: the file header, PreviousTagSize0, then tags,
 * each followed by its PreviousTagSize) from pieces of any size, as the body of an HTTP-FLV
 * response arrives: a tag may be split anywhere, across chunks and socket reads.
 *
 * <p>Nothing is assembled: of each tag body only the first {@link BenchPlayer#HEAD_BYTES} are
 * copied (into one buffer reused for every tag), the rest is skipped, so reading costs the same
 * whatever the frame size. Every tag is checked as it passes (tag type 8, 9 or 18, stream id 0,
 * PreviousTagSize equal to the tag's length), so a reader that lost its place fails at once
 * instead of miscounting; the failure is a {@link CorruptedFrameException} naming the offset.
 *
 * <p>Not thread-safe: one reader per connection, used on its event loop.
 */
final class FlvTagReader {
  /** Where each tag goes. */
  @FunctionalInterface
  interface Sink {
    /**
     * One tag: its type (8 audio, 9 video, 18 script data), its 32-bit timestamp in milliseconds,
     * the first bytes of its body (all of them when the body is shorter than
     * {@link BenchPlayer#HEAD_BYTES}; read it, do not keep it) and the body's full size.
     */
    void onTag(int type, long timestamp, ByteBuf head, int size);
  }

  private static final int FILE_HEADER_SIZE = 9;
  private static final int TAG_HEADER_SIZE = 11;
  private static final int PREVIOUS_TAG_SIZE = 4;
  private static final int TAG_AUDIO = 8;
  private static final int TAG_VIDEO = 9;
  private static final int TAG_SCRIPT_DATA = 18;

  private enum State { FILE_HEADER, SKIP_TO_DATA, PREVIOUS_TAG_SIZE, TAG_HEADER, TAG_BODY }

  private final Sink sink;
  /** The fixed-size field being gathered: file header, tag header or PreviousTagSize. */
  private final byte[] field = new byte[TAG_HEADER_SIZE];
  /** A heap buffer owned by this reader for its lifetime; nothing to release. */
  private final ByteBuf head = Unpooled.wrappedBuffer(new byte[BenchPlayer.HEAD_BYTES]);
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

  FlvTagReader(Sink sink) {
    this.sink = sink;
  }

  /** Reads everything {@code in} holds (its reader index moves to the end); the caller keeps ownership. */
  void read(ByteBuf in) {
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
          if (gather(in, TAG_HEADER_SIZE)) {
            tagHeader();
          }
        }
        case TAG_BODY -> body(in);
      }
    }
  }

  /** Tags read so far. */
  long tags() {
    return tags;
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
      throw bad("no FLV signature");
    }
    long dataOffset = uint(5, 4);
    if (dataOffset < FILE_HEADER_SIZE) {
      throw bad("DataOffset " + dataOffset + " inside the header");
    }
    skip = dataOffset - FILE_HEADER_SIZE;
    expectedPreviousTagSize = 0;
    state = skip > 0 ? State.SKIP_TO_DATA : State.PREVIOUS_TAG_SIZE;
  }

  private void tagHeader() {
    // Reserved (2 bits) and Filter (1 bit, encryption) above the 5-bit TagType; neither matters here.
    tagType = field[0] & 0x1F;
    if (tagType != TAG_AUDIO && tagType != TAG_VIDEO && tagType != TAG_SCRIPT_DATA) {
      throw bad("tag type " + tagType);
    }
    tagSize = (int) uint(1, 3);
    tagTimestamp = uint(4, 3) | uint(7, 1) << 24;
    if (uint(8, 3) != 0) {
      throw bad("stream id " + uint(8, 3) + " (always 0)");
    }
    head.clear();
    bodyRead = 0;
    state = State.TAG_BODY;
    if (tagSize == 0) {
      endTag();
    }
  }

  private void body(ByteBuf in) {
    int n = Math.min(tagSize - bodyRead, in.readableBytes());
    int keep = Math.min(n, head.writableBytes());
    head.writeBytes(in, keep);
    offset += keep;
    consume(in, n - keep);
    bodyRead += n;
    if (bodyRead == tagSize) {
      endTag();
    }
  }

  private void endTag() {
    tags++;
    expectedPreviousTagSize = TAG_HEADER_SIZE + tagSize;
    state = State.PREVIOUS_TAG_SIZE;
    sink.onTag(tagType, tagTimestamp, head, tagSize);
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
    return new CorruptedFrameException("bad FLV after " + tags + " tags, at byte " + offset + " of the body: " + what);
  }
}
