package io.cascade.recording;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's recordings on disk against {@code recording.maxBytes}: bytes per recording directory,
 * those in progress apart from the ended ones, which are kept in the order they ended (those found
 * at start-up first, oldest first by modification time). Past the quota the oldest ended recording
 * is deleted whole, then the next; a recording in progress is never deleted, so a node recording
 * more than its quota in progress runs over it until one ends.
 *
 * <p>With uploads on ({@link #keepUntilStored}), an ended recording is deleted only once the object
 * store confirmed all of it ({@link #stored}): the confirmation leaves a {@value #STORED_MARKER} file
 * in its directory, so a later run knows it too. A recording whose upload failed stays, and the node
 * runs over its quota rather than lose the only copy (logged once per crossing). Confined to the
 * writer thread, except {@link #usedBytes()}, read by the gauge, and {@link #keepUntilStored}, set
 * before the first recording.
 */
final class DiskQuota {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");
  /** The file that says the object store confirmed the whole recording of its directory. */
  static final String STORED_MARKER = ".stored";
  /** The files a recording directory holds once they are complete: segments, init segments, the playlist. */
  private static final Pattern RECORDING_FILE =
      Pattern.compile("segment-\\d{5,9}(-s)?\\.m4s|init(-\\d{1,9}){0,2}\\.mp4|index\\.m3u8");

  private final long maxBytes;
  private final RecordingMeters meters;
  private final Map<Path, Long> active = new HashMap<>();
  private final LinkedHashMap<Path, Long> ended = new LinkedHashMap<>();
  /** Ended recordings the object store holds whole (only read with {@link #keepUntilStored}). */
  private final Set<Path> stored = new HashSet<>();
  private volatile boolean keepUntilStored;
  private volatile int requeueMaxFiles;
  private boolean overWarned;
  private volatile long used;

  DiskQuota(long maxBytes, RecordingMeters meters) {
    this.maxBytes = maxBytes;
    this.meters = meters;
  }

  /** From now on an ended recording is deleted only after {@link #stored}; set before the first recording. */
  void keepUntilStored() {
    keepUntilStored(0);
  }

  /**
   * Like {@link #keepUntilStored()}; {@link #scan} lists the files of up to {@code requeueMaxFiles}
   * of those not stored, for their upload again.
   */
  void keepUntilStored(int requeueMaxFiles) {
    this.requeueMaxFiles = requeueMaxFiles;
    keepUntilStored = true;
  }

  /**
   * The object store confirmed every file of the recording at {@code dir}: marks it so (on disk too)
   * and lets the quota delete it in its turn.
   */
  void stored(Path dir) {
    if (markStored(dir)) {
      stored.add(dir);
      enforce();
    }
  }

  /** Leaves the {@value #STORED_MARKER} file in {@code dir}; false when there is no such directory. */
  static boolean markStored(Path dir) {
    if (!Files.isDirectory(dir)) {
      return false;
    }
    try {
      Files.write(dir.resolve(STORED_MARKER), new byte[0]);
    } catch (IOException | RuntimeException e) {
      // Not fatal: this run deletes it in its turn; a later run keeps it.
      LOG.warn("event=recording.stored_marker.failed dir={} detail=\"{}\"", dir, e.toString());
    }
    return true;
  }

  /**
   * Counts the recordings a previous run left under {@code root} ({@code app/stream/id}
   * directories) as ended, oldest first, and applies the quota. With {@link #keepUntilStored} the
   * same walk lists the files of each one without the {@value #STORED_MARKER} (at most
   * {@code requeueMaxFiles} files in all, in the walk's order): those are returned, oldest first,
   * for their upload again; empty otherwise.
   */
  List<Unstored> scan(Path root) {
    if (!Files.isDirectory(root)) {
      return List.of();
    }
    record Found(Path dir, long bytes, long modified, boolean stored, int fileCount, List<Path> files) {
    }
    boolean listing = keepUntilStored;
    int budget = requeueMaxFiles;
    List<Found> found = new ArrayList<>();
    try (Stream<Path> dirs = Files.find(root, 3, (p, a) -> a.isDirectory() && root.relativize(p).getNameCount() == 3)) {
      for (Path dir : dirs.toList()) {
        Walked w = walk(dir);
        List<Path> files = null;
        if (listing && !w.stored() && w.files().size() <= budget) {
          files = w.files();
          budget -= files.size();
        }
        found.add(new Found(dir, w.bytes(), Files.getLastModifiedTime(dir).toMillis(), w.stored(), w.files().size(),
            files));
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("event=recording.scan.failed root={} reason=\"{}\"", root, e.toString());
    }
    found.sort(Comparator.comparingLong(Found::modified));
    for (Found f : found) {
      if (!active.containsKey(f.dir())) {
        ended.put(f.dir(), f.bytes());
        used += f.bytes();
        if (f.stored()) {
          stored.add(f.dir());
        }
      }
    }
    enforce();
    if (!listing) {
      return List.of();
    }
    List<Unstored> unstored = new ArrayList<>();
    for (Found f : found) {
      if (!f.stored() && ended.containsKey(f.dir())) {
        unstored.add(new Unstored(f.dir(), f.fileCount(), f.files()));
      }
    }
    return unstored;
  }

  /**
   * An ended recording found at start-up without the {@value #STORED_MARKER}.
   *
   * @param fileCount its recording files (segments, init segments, playlist)
   * @param files those files by name, or null when {@code recording.s3.requeueMaxFiles} left them out
   */
  record Unstored(Path dir, int fileCount, List<Path> files) {
  }

  /** {@code delta} more (or, negative, fewer) bytes in the recording at {@code dir}, which is in progress. */
  void add(Path dir, long delta) {
    Long before = ended.remove(dir);
    if (before != null) {
      // Recorded again (a handover continued into this node's own directory): in progress once more.
      stored.remove(dir);
      active.merge(dir, before, Long::sum);
    }
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
    Iterator<Map.Entry<Path, Long>> oldestFirst = ended.entrySet().iterator();
    while (used > maxBytes && oldestFirst.hasNext()) {
      Map.Entry<Path, Long> oldest = oldestFirst.next();
      Path dir = oldest.getKey();
      if (keepUntilStored && !stored.contains(dir)) {
        continue; // its only copy: kept until the store confirms it
      }
      oldestFirst.remove();
      stored.remove(dir);
      used -= oldest.getValue();
      try {
        deleteTree(dir);
        meters.deleted();
        LOG.info("event=recording.quota.deleted dir={} bytes={} used={} max={}", dir, oldest.getValue(), used,
            maxBytes);
      } catch (IOException | RuntimeException e) {
        meters.error(RecordingMeters.DELETE);
        LOG.error("event=recording.error dir={} reason=delete detail=\"{}\"", dir, e.toString());
      }
    }
    if (used <= maxBytes) {
      overWarned = false;
    } else if (!overWarned && !ended.isEmpty()) {
      overWarned = true;
      LOG.warn("event=recording.quota.kept used={} max={} not_stored={} reason=\"ended recordings not yet stored "
          + "whole in the object store are kept\"", used, maxBytes, ended.keySet().stream().filter(d -> !stored.contains(d)).count());
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

  /** What one walk of a recording directory finds: its bytes, its marker, its recording files by name. */
  private record Walked(long bytes, boolean stored, List<Path> files) {
  }

  private static Walked walk(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      long total = 0;
      boolean marked = false;
      List<Path> files = new ArrayList<>();
      for (Path p : paths.toList()) {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
        if (!a.isRegularFile()) {
          continue;
        }
        total += a.size();
        String name = p.getFileName().toString();
        if (name.equals(STORED_MARKER) && p.getParent().equals(dir)) {
          marked = true;
        } else if (p.getParent().equals(dir) && RECORDING_FILE.matcher(name).matches()) {
          files.add(p);
        }
      }
      files.sort(Comparator.naturalOrder());
      return new Walked(total, marked, files);
    }
  }
}
