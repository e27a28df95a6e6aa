package io.cascade.recording;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's recordings on disk against {@code recording.maxBytes}: bytes per recording directory,
 * those in progress apart from the ended ones, which are kept in the order they ended (those found
 * at start-up first, oldest first by modification time). Past the quota the oldest ended recording
 * is deleted whole, then the next; a recording in progress is never deleted, so a node recording
 * more than its quota in progress runs over it until one ends. Confined to the writer thread, except
 * {@link #usedBytes()}, read by the gauge.
 */
final class DiskQuota {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");

  private final long maxBytes;
  private final RecordingMeters meters;
  private final Map<Path, Long> active = new HashMap<>();
  private final LinkedHashMap<Path, Long> ended = new LinkedHashMap<>();
  private volatile long used;

  DiskQuota(long maxBytes, RecordingMeters meters) {
    this.maxBytes = maxBytes;
    this.meters = meters;
  }

  /**
   * Counts the recordings a previous run left under {@code root} ({@code app/stream/id}
   * directories) as ended, oldest first, and applies the quota.
   */
  void scan(Path root) {
    if (!Files.isDirectory(root)) {
      return;
    }
    record Found(Path dir, long bytes, long modified) {
    }
    List<Found> found = new ArrayList<>();
    try (Stream<Path> dirs = Files.find(root, 3, (p, a) -> a.isDirectory() && root.relativize(p).getNameCount() == 3)) {
      for (Path dir : dirs.toList()) {
        found.add(new Found(dir, sizeOf(dir), Files.getLastModifiedTime(dir).toMillis()));
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("event=recording.scan.failed root={} reason=\"{}\"", root, e.toString());
    }
    found.sort(Comparator.comparingLong(Found::modified));
    for (Found f : found) {
      if (!active.containsKey(f.dir())) {
        ended.put(f.dir(), f.bytes());
        used += f.bytes();
      }
    }
    enforce();
  }

  /** {@code delta} more (or, negative, fewer) bytes in the recording at {@code dir}, which is in progress. */
  void add(Path dir, long delta) {
    active.merge(dir, delta, Long::sum);
    used += delta;
    enforce();
  }

  /** The recording at {@code dir} ended: it may be deleted from now on, after those that ended before it. */
  void ended(Path dir) {
    Long bytes = active.remove(dir);
    if (bytes != null) {
      ended.put(dir, bytes);
      enforce();
    }
  }

  /** A recording in progress gave up its directory (nothing was recorded; the directory is gone). */
  void forget(Path dir) {
    Long bytes = active.remove(dir);
    if (bytes != null) {
      used -= bytes;
    }
  }

  long usedBytes() {
    return used;
  }

  boolean isEnded(Path dir) {
    return ended.containsKey(dir);
  }

  private void enforce() {
    while (used > maxBytes && !ended.isEmpty()) {
      Map.Entry<Path, Long> oldest = ended.entrySet().iterator().next();
      ended.remove(oldest.getKey());
      used -= oldest.getValue();
      try {
        deleteTree(oldest.getKey());
        meters.deleted();
        LOG.info("event=recording.quota.deleted dir={} bytes={} used={} max={}", oldest.getKey(), oldest.getValue(),
            used, maxBytes);
      } catch (IOException | RuntimeException e) {
        meters.error(RecordingMeters.DELETE);
        LOG.error("event=recording.error dir={} reason=delete detail=\"{}\"", oldest.getKey(), e.toString());
      }
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> files = Files.walk(dir)) {
      long total = 0;
      for (Path p : files.toList()) {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        if (a.isRegularFile()) {
          total += a.size();
        }
      }
      return total;
    }
  }
}
