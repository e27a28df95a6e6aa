package io.cascade.flv;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * The start of an FLV stream (FLV 10.1 spec, E.2 and E.3): the 9-byte header ("FLV", version 1,
 * the audio/video presence flags, DataOffset 9) and PreviousTagSize0 (0). Written once per
 * connection, before the first {@link FlvTagPackager} tag.
 */
public final class FlvHeader {
  public static final int SIZE = 9;
  /** Header plus PreviousTagSize0. */
  public static final int LENGTH = SIZE + FlvTagPackager.PREVIOUS_TAG_SIZE;
  private static final int FLAG_AUDIO = 0x04;
  private static final int FLAG_VIDEO = 0x01;

  private FlvHeader() {
  }

  /** A new 13-byte buffer: the header with the given presence flags, then PreviousTagSize0. */
  public static ByteBuf encode(ByteBufAllocator alloc, boolean audio, boolean video) {
    ByteBuf out = alloc.buffer(LENGTH, LENGTH);
    out.writeByte('F').writeByte('L').writeByte('V');
    out.writeByte(1);
    out.writeByte((audio ? FLAG_AUDIO : 0) | (video ? FLAG_VIDEO : 0));
    out.writeInt(SIZE);
    out.writeInt(0);
    return out;
  }
}
