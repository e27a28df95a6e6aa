package io.cascade.rtmp.amf;

import java.util.ArrayList;
import java.util.List;

/**
 * Complex values by index, for AMF0 reference markers and AMF3 object references.
 *
 * <p>A container takes its index when it begins, because both formats number values in the order
 * they begin. A reference to a container still being read is a cycle and is rejected: cyclic maps
 * and lists make equals, hashCode, toString and encoding recurse forever.
 */
final class ReferenceTable {
  private final DecodeContext context;
  private final String name;
  private final List<Entry> entries = new ArrayList<>();

  ReferenceTable(DecodeContext context, String name) {
    this.context = context;
    this.name = name;
  }

  /** Takes the next index for a container whose content follows, and enters it. */
  int open() {
    context.checkTableRoom(entries.size(), name);
    long start = context.values();
    entries.add(new Entry(start, context.enter()));
    return entries.size() - 1;
  }

  /** Finishes the container opened at {@code slot}. */
  <T> T close(int slot, T value) {
    Entry entry = entries.get(slot);
    entry.height = context.leave(entry.savedDeepest);
    entry.size = context.values() - entry.start + 1;
    entry.value = value;
    entry.complete = true;
    return value;
  }

  /** Adds a value that contains no other values (date, XML, byte array). */
  <T> T add(T value) {
    context.checkTableRoom(entries.size(), name);
    Entry entry = new Entry(0, 0);
    entry.value = value;
    entry.size = 1;
    entry.complete = true;
    entries.add(entry);
    return value;
  }

  /** The value at {@code index}, whose single value has already been counted by the caller. */
  Object resolve(int index) {
    if (index >= entries.size()) {
      throw new AmfException(name + " reference #" + index + " points past the "
          + entries.size() + " values read so far");
    }
    Entry entry = entries.get(index);
    if (!entry.complete) {
      throw new AmfException(
          name + " reference #" + index + " is cyclic; cycles are not supported");
    }
    context.repeat(entry.height, entry.size - 1);
    return entry.value;
  }

  private static final class Entry {
    final long start;
    final int savedDeepest;
    Object value;
    boolean complete;
    int height;
    long size;

    Entry(long start, int savedDeepest) {
      this.start = start;
      this.savedDeepest = savedDeepest;
    }
  }
}
