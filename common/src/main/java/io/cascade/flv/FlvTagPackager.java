package io.cascade.flv;

import io.cascade.live.MediaFrame;
import io.cascade.live.Packager;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * FLV as an output format: a frame becomes one FLV tag followed by its PreviousTagSize (FLV 10.1
 * spec, E.4.1), so a reader writes shared tags back to back after one {@link FlvHeader}. The body
 * goes in as ingested: audio/video tag bodies are already FLV (or Enhanced-RTMP FLV) bodies, and
 * script data is AMF0 {@code onMetaData} or another handler without {@code @setDataFrame}.
 *
 * <p>Layout: type (8 audio, 9 video, 18 script data), DataSize (UI24), Timestamp (lower 24 bits)
 * and TimestampExtended (upper 8 bits) of the dts mod 2^32, StreamID (UI24, always 0), the body,
 * then PreviousTagSize (UI32) = 11 + DataSize.
 */
public final class FlvTagPackager implements Packager {
  /** One per node: the format has no parameters. */
  public static final FlvTagPackager INSTANCE = new FlvTagPackager();
  public static final int TAG_HEADER_SIZE = 11;
  public static final int PREVIOUS_TAG_SIZE = 4;
  public static final int TAG_AUDIO = 8;
  public static final int TAG_VIDEO = 9;
  public static final int TAG_SCRIPT_DATA = 18;
  /** DataSize is 24 bits. */
  public static final int MAX_DATA_SIZE = 0xFFFFFF;

  private FlvTagPackager() {
  }

  @Override
  public ByteBuf encode(MediaFrame frame, ByteBufAllocator alloc) {
    ByteBuf body = frame.body();
    int size = body.readableBytes();
    if (size > MAX_DATA_SIZE) {
      throw new IllegalArgumentException("frame of " + size + " bytes does not fit an FLV tag");
    }
    int length = TAG_HEADER_SIZE + size + PREVIOUS_TAG_SIZE;
    ByteBuf out = alloc.directBuffer(length, length);
    long ts = frame.dts() & 0xFFFFFFFFL;
    out.writeByte(tagType(frame));
    out.writeMedium(size);
    out.writeMedium((int) (ts & 0xFFFFFF));
    out.writeByte((int) (ts >>> 24));
    out.writeMedium(0);
    out.writeBytes(body, body.readerIndex(), size);
    out.writeInt(TAG_HEADER_SIZE + size);
    return out;
  }

  static int tagType(MediaFrame frame) {
    return switch (frame.kind()) {
      case AUDIO -> TAG_AUDIO;
      case VIDEO -> TAG_VIDEO;
      case DATA -> TAG_SCRIPT_DATA;
    };
  }

  @Override
  public String toString() {
    return "FlvTagPackager";
  }
}
