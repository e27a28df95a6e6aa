package io.cascade.cmaf;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** A test-side ISO BMFF reader: the box tree of a byte array, found by path ("moof/traf/trun"). */
final class Boxes {
  /** Boxes whose payload is more boxes (with the bytes to skip before them). */
  private static final List<String> CONTAINERS = List.of("moov", "trak", "mdia", "minf", "dinf", "stbl", "mvex",
      "moof", "traf");

  final byte[] data;

  Boxes(byte[] data) {
    this.data = data;
  }

  static Boxes of(ByteBuf buf) {
    byte[] bytes = new byte[buf.readableBytes()];
    buf.getBytes(buf.readerIndex(), bytes);
    return new Boxes(bytes);
  }

  static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex.replace(" ", ""));
  }

  /** One box: type, where it starts, its size. */
  record Box(String type, int offset, int size) {
    int payload() {
      return offset + 8;
    }

    int end() {
      return offset + size;
    }
  }

  /** The top-level boxes, checking that their sizes tile the data exactly. */
  List<Box> top() {
    return children(0, data.length);
  }

  List<Box> children(int from, int to) {
    List<Box> boxes = new ArrayList<>();
    int pos = from;
    while (pos < to) {
      int size = u32(pos);
      if (size < 8 || pos + size > to) {
        throw new AssertionError("box at " + pos + " of size " + size + " overruns its parent (ends " + to + ")");
      }
      boxes.add(new Box(new String(data, pos + 4, 4, StandardCharsets.ISO_8859_1), pos, size));
      pos += size;
    }
    return boxes;
  }

  List<Box> children(Box parent) {
    if (!CONTAINERS.contains(parent.type())) {
      throw new AssertionError(parent.type() + " is not a container");
    }
    return children(parent.payload(), parent.end());
  }

  /** Every box at {@code path} under the top level, e.g. "moof/traf". */
  List<Box> all(String path) {
    List<Box> level = top();
    String[] parts = path.split("/");
    for (int i = 0; i < parts.length; i++) {
      List<Box> matching = new ArrayList<>();
      for (Box b : level) {
        if (b.type().equals(parts[i])) {
          matching.add(b);
        }
      }
      if (i == parts.length - 1) {
        return matching;
      }
      level = new ArrayList<>();
      for (Box b : matching) {
        level.addAll(children(b));
      }
    }
    return level;
  }

  Box one(String path) {
    List<Box> found = all(path);
    if (found.size() != 1) {
      throw new AssertionError(found.size() + " boxes at " + path);
    }
    return found.get(0);
  }

  int u8(int at) {
    return data[at] & 0xFF;
  }

  int u16(int at) {
    return (data[at] & 0xFF) << 8 | data[at + 1] & 0xFF;
  }

  int u32(int at) {
    return (data[at] & 0xFF) << 24 | (data[at + 1] & 0xFF) << 16 | (data[at + 2] & 0xFF) << 8 | data[at + 3] & 0xFF;
  }

  long u64(int at) {
    return (u32(at) & 0xFFFFFFFFL) << 32 | u32(at + 4) & 0xFFFFFFFFL;
  }

  /** Version byte of a full box. */
  int version(Box b) {
    return u8(b.payload());
  }

  /** 24-bit flags of a full box. */
  int flags(Box b) {
    return u32(b.payload()) & 0xFFFFFF;
  }

  /** One trun's entries (duration, size, flags, composition offset; -1 where absent) and its data offset. */
  record Trun(int dataOffset, List<long[]> samples) {
  }

  Trun trun(Box trun) {
    int flags = flags(trun);
    int pos = trun.payload() + 4;
    int count = u32(pos);
    pos += 4;
    int dataOffset = 0;
    if ((flags & 0x1) != 0) {
      dataOffset = u32(pos);
      pos += 4;
    }
    if ((flags & 0x4) != 0) {
      pos += 4;
    }
    List<long[]> samples = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long[] s = {-1, -1, -1, -1};
      int[] bits = {0x100, 0x200, 0x400, 0x800};
      for (int f = 0; f < 4; f++) {
        if ((flags & bits[f]) != 0) {
          s[f] = f == 3 ? u32(pos) : u32(pos) & 0xFFFFFFFFL;
          pos += 4;
        }
      }
      samples.add(s);
    }
    if (pos != trun.end()) {
      throw new AssertionError("trun has " + (trun.end() - pos) + " bytes left over");
    }
    return new Trun(dataOffset, samples);
  }
}
