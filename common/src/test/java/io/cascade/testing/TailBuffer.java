package io.cascade.testing;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/** The last lines a process printed, bounded in count and length so a chatty tool cannot exhaust the heap. */
final class TailBuffer {
  private static final int MAX_LINE_CHARS = 2_000;

  private final int maxLines;
  private final ArrayDeque<String> lines = new ArrayDeque<>();
  private long dropped;

  TailBuffer(int maxLines) {
    this.maxLines = maxLines;
  }

  synchronized void add(String line) {
    if (lines.size() == maxLines) {
      lines.removeFirst();
      dropped++;
    }
    lines.addLast(line.length() > MAX_LINE_CHARS ? line.substring(0, MAX_LINE_CHARS) + "..." : line);
  }

  synchronized List<String> lines() {
    return new ArrayList<>(lines);
  }

  synchronized String render() {
    StringBuilder out = new StringBuilder();
    if (dropped > 0) {
      out.append("  [").append(dropped).append(" earlier lines dropped]\n");
    }
    for (String line : lines) {
      out.append("  ").append(line).append('\n');
    }
    return out.toString();
  }
}
