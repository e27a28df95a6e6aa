package io.cascade.cmaf;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * Writes ISO BMFF boxes (ISO/IEC 14496-12 §4.2) into a buffer the caller owns: {@link #start} writes
 * a size placeholder and the type, {@link #end} patches the size of the innermost open box, so boxes
 * nest without knowing their sizes ahead. Full boxes add the version and 24-bit flags.
 *
 * <p>The writer never allocates, retains or releases the buffer; it only appends to it. Boxes are
 * 32-bit sized (every box we write is far below 4 GiB).
 */
public final class BoxWriter {
  /** Deeper than any box tree we write (moov/trak/mdia/minf/stbl/stsd/entry/config is 8). */
  private static final int MAX_DEPTH = 12;

  private final ByteBuf out;
  private final int[] open = new int[MAX_DEPTH];
  private int depth;

  public BoxWriter(ByteBuf out) {
    this.out = out;
  }

  /** Opens a box of {@code type} (four ASCII characters). */
  public BoxWriter start(String type) {
    if (depth == MAX_DEPTH) {
      throw new IllegalStateException("boxes nested deeper than " + MAX_DEPTH);
    }
    if (type.length() != 4) {
      throw new IllegalArgumentException("not a box type: '" + type + "'");
    }
    open[depth++] = out.writerIndex();
    out.writeInt(0);
    return fourCc(type);
  }

  /** Opens a full box: a box whose body starts with an 8-bit version and 24-bit flags. */
  public BoxWriter startFull(String type, int version, int flags) {
    start(type);
    out.writeByte(version);
    out.writeMedium(flags);
    return this;
  }

  /** Closes the innermost open box, writing its size. */
  public BoxWriter end() {
    if (depth == 0) {
      throw new IllegalStateException("no open box");
    }
    int at = open[--depth];
    out.setInt(at, out.writerIndex() - at);
    return this;
  }

  /** Boxes opened and not yet closed. */
  public int depth() {
    return depth;
  }

  /** The buffer's writer index: where the next byte goes. */
  public int position() {
    return out.writerIndex();
  }

  public ByteBuf buffer() {
    return out;
  }

  public BoxWriter u8(int value) {
    out.writeByte(value);
    return this;
  }

  public BoxWriter u16(int value) {
    out.writeShort(value);
    return this;
  }

  public BoxWriter u24(int value) {
    out.writeMedium(value);
    return this;
  }

  public BoxWriter u32(long value) {
    out.writeInt((int) value);
    return this;
  }

  public BoxWriter u64(long value) {
    out.writeLong(value);
    return this;
  }

  public BoxWriter zeros(int count) {
    out.writeZero(count);
    return this;
  }

  public BoxWriter bytes(byte[] value) {
    out.writeBytes(value);
    return this;
  }

  /** Copies the readable bytes of {@code value} without moving its indexes. */
  public BoxWriter bytes(ByteBuf value) {
    out.writeBytes(value, value.readerIndex(), value.readableBytes());
    return this;
  }

  /** A four-character code such as a box type or a brand. */
  public BoxWriter fourCc(String code) {
    if (code.length() != 4) {
      throw new IllegalArgumentException("not a four-character code: '" + code + "'");
    }
    out.writeCharSequence(code, StandardCharsets.ISO_8859_1);
    return this;
  }

  /** A 16.16 fixed-point number from an integer. */
  public BoxWriter fixed16x16(int value) {
    out.writeInt(value << 16);
    return this;
  }

  /** The unity transformation matrix of tkhd and mvhd (§8.2.2.3). */
  public BoxWriter unityMatrix() {
    out.writeInt(0x00010000).writeInt(0).writeInt(0);
    out.writeInt(0).writeInt(0x00010000).writeInt(0);
    out.writeInt(0).writeInt(0).writeInt(0x40000000);
    return this;
  }
}
