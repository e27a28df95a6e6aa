package io.cascade.recording;

import io.cascade.recording.handover.HandoverState;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What an earlier run that was killed left under the root: the segment it was writing, as a
 * {@code segment-NNNNN.m4s.tmp} holding every part written before the kill (the page cache outlives
 * the process; only the part in flight is gone). At start-up, on the writer thread and before the
 * quota counts the root, each such file is cut to its longest prefix of whole fragments
 * ({@link WholeFragments}), fsynced and renamed to {@code segment-NNNNN-s.m4s} (a name no recording
 * writes, so it cannot clash with the segment of that number another origin may have recorded after
 * a handover), and added to its recording's {@code index.m3u8}, which becomes VOD. A file with
 * nothing whole is deleted. The segment goes to the listeners like any closed one (uploads); the
 * recording is ended there too (its VOD playlist uploaded) unless the cluster says another origin
 * carries it on, whose playlist is then the bucket's: the cluster is then told of the salvaged
 * segment ({@link io.cascade.recording.handover.RecordingHandover#salvaged}) and the owner that ends
 * the recording lists it in that playlist. When that owner ended the recording before this start,
 * the uploads merge the segment into the final playlist it stored ({@link FinalPlaylistMerge}).
 * Every file is logged with its recording and the reason, and counted in
 * {@code cascade.recording.salvaged{result}}.
 */
final class SegmentSalvage {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");
  private static final Pattern SEGMENT_TEMP = Pattern.compile("segment-(\\d{5,9})\\.m4s\\.tmp");
  private static final Pattern NUMBERED = Pattern.compile("segment-(\\d{5,9})(-s)?\\.m4s");
  private static final Pattern INIT = Pattern.compile("init(-\\d{1,9}){0,2}\\.mp4");

  private final RecordingDisk disk;

  SegmentSalvage(RecordingDisk disk) {
    this.disk = disk;
  }

  /** The name a salvaged segment of {@code number} takes. */
  static String salvagedName(int number) {
    return String.format(Locale.ROOT, "segment-%05d", number) + RecordedSegment.SALVAGED_SUFFIX;
  }

  /**
   * Salvages every segment earlier runs left unfinished under {@code root} ({@code app/stream/id/});
   * returns the recording directories it ended (told the listeners so).
   */
  Set<Path> run(Path root) {
    Set<Path> endedDirs = new HashSet<>();
    if (!Files.isDirectory(root)) {
      return endedDirs;
    }
    List<Path> temps;
    try (Stream<Path> files = Files.find(root, 4, (p, a) -> a.isRegularFile()
        && root.relativize(p).getNameCount() == 4 && p.getFileName().toString().endsWith(".tmp"))) {
      temps = files.sorted(Comparator.naturalOrder()).toList();
    } catch (IOException | RuntimeException e) {
      LOG.warn("event=recording.salvage.scan_failed root={} detail=\"{}\"", root, e.toString());
      return endedDirs;
    }
    for (Path temp : temps) {
      Matcher m = SEGMENT_TEMP.matcher(temp.getFileName().toString());
      if (m.matches()) {
        if (salvage(temp, Integer.parseInt(m.group(1)))) {
          endedDirs.add(temp.getParent());
        }
      } else {
        // An init segment or a playlist cut short before its rename: the complete one is in place, or none was.
        delete(temp, "partial_write");
      }
    }
    return endedDirs;
  }

  /** True when it ended the recording (the segment salvaged and listed). */
  private boolean salvage(Path temp, int number) {
    Path dir = temp.getParent();
    String id = dir.getFileName().toString();
    String key = dir.getParent().getParent().getFileName() + "/" + dir.getParent().getFileName();
    Optional<Path> init;
    try {
      init = newestInit(dir);
    } catch (IOException e) {
      failed(key, id, temp, "listing the directory: " + e);
      return false;
    }
    if (init.isEmpty()) {
      discard(key, id, temp, "no init segment in the directory");
      return false;
    }
    WholeFragments.Scan scan;
    long length;
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      WholeFragments.Tracks tracks;
      try (FileChannel initCh = FileChannel.open(init.get(), StandardOpenOption.READ)) {
        tracks = WholeFragments.tracks(initCh);
      } catch (WholeFragments.Malformed e) {
        ch.close();
        discard(key, id, temp, init.get().getFileName() + " is not an init segment: " + e.getMessage());
        return false;
      }
      length = ch.size();
      scan = WholeFragments.scan(ch, length, tracks);
      if (scan.fragments() == 0) {
        ch.close();
        discard(key, id, temp, "no whole fragment: " + scan.stop());
        return false;
      }
      if (scan.bytes() < length) {
        ch.truncate(scan.bytes());
      }
      ch.force(true);
    } catch (IOException e) {
      failed(key, id, temp, e.toString());
      return false;
    }
    Path file = dir.resolve(salvagedName(number));
    RecordingPlaylist playlist;
    RecordingPlaylist.Entry entry;
    try {
      if (Files.exists(file)) {
        discard(key, id, temp, file.getFileName() + " exists already");
        return false;
      }
      Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE);
      syncDirectory(dir);
    } catch (IOException e) {
      failed(key, id, temp, e.toString());
      return false;
    }
    playlist = readPlaylist(dir, number, key, id);
    entry = entry(playlist, number, file, init.get(), scan.durationMillis());
    playlist.add(entry);
    try {
      writePlaylist(dir, playlist);
    } catch (IOException e) {
      disk.meters.salvaged(RecordingMeters.FAILED);
      LOG.error("event=recording.salvage.failed stream={} recording={} file={} reason=\"the playlist cannot be"
          + " written: {}\" detail=\"the segment is kept, not listed\"", key, id, file.getFileName(), e.toString());
      return false;
    }
    disk.meters.salvaged(RecordingMeters.SALVAGED);
    LOG.info("event=recording.salvaged stream={} recording={} file={} fragments={} duration_ms={} kept_bytes={}"
            + " cut_bytes={} reason=\"{}\"", key, id, file.getFileName(), scan.fragments(), scan.durationMillis(),
        scan.bytes(), length - scan.bytes(),
        scan.stop() == null ? "the file ended after a whole fragment" : "cut at " + scan.stop());
    Path list = dir.resolve(RecordingFiles.PLAYLIST);
    RecordedSegment segment = new RecordedSegment(key, id, dir, file, init.get(), list, number, scan.startMillis(),
        scan.durationMillis(), scan.bytes(), entry.discontinuity(), Instant.now(disk.wallClock));
    disk.segmentClosed(segment);
    boolean carriedOn = disk.carriedOn(key, id);
    boolean endedElsewhere = !carriedOn && disk.endedElsewhere(key, id);
    if (carriedOn) {
      tellCluster(key, id, entry);
    } else if (endedElsewhere) {
      listInFinalPlaylist(segment, entry);
    }
    disk.recordingEnded(key, id, dir, carriedOn || endedElsewhere ? null : list);
    return true;
  }

  /**
   * Recording {@code id} goes on elsewhere: the cluster is told of the segment salvaged from it, so
   * that the playlist of the owner that ends it lists the segment (only with uploads, which put the
   * segment in the bucket beside that playlist). Never waited for; a failure is logged and counted.
   */
  private void tellCluster(String key, String id, RecordingPlaylist.Entry entry) {
    if (!disk.listHandedOver) {
      return;
    }
    disk.handover.salvaged(key, id, handoverSegment(entry)).whenComplete((v, e) -> {
      if (e != null) {
        disk.meters.handover(RecordingMeters.WRITE_FAILED);
        LOG.warn("event=recording.salvage.not_told stream={} recording={} file={} detail=\"{}\" action=\"the"
            + " final playlist will not list it\"", key, id, entry.file(), e.toString());
      } else {
        disk.meters.handover(RecordingMeters.SALVAGE_TOLD);
        LOG.info("event=recording.salvage.told stream={} recording={} file={} duration_ms={}", key, id, entry.file(),
            entry.durationMillis());
      }
    });
  }

  /**
   * Recording {@code id} was continued and ended on another origin before this start: its final
   * playlist, in the object store, does not list the segment. The uploads list it there once the
   * segment is stored (off this thread; never waited for); the outcome is logged and counted.
   */
  private void listInFinalPlaylist(RecordedSegment segment, RecordingPlaylist.Entry entry) {
    String key = segment.streamKey();
    String id = segment.recordingId();
    disk.salvagedAfterEnd(segment, handoverSegment(entry)).whenComplete((r, e) -> {
      if (e == null && r.status().listed()) {
        disk.meters.handover(RecordingMeters.SALVAGE_MERGED);
        LOG.info("event=recording.salvage.merged stream={} recording={} file={} result={} detail=\"{}\"", key, id,
            entry.file(), r.status().name().toLowerCase(Locale.ROOT), r.reason());
      } else {
        disk.meters.handover(RecordingMeters.SALVAGE_UNLISTED);
        LOG.warn("event=recording.salvage.unlisted stream={} recording={} file={} result={} reason=\"the recording"
                + " was continued and ended on another origin before this start, and its final playlist could not"
                + " be made to list the segment: {}\"", key, id, entry.file(),
            e == null ? r.status().name().toLowerCase(Locale.ROOT) : "failed", e == null ? r.reason() : e.toString());
      }
    });
  }

  private static HandoverState.Segment handoverSegment(RecordingPlaylist.Entry entry) {
    return new HandoverState.Segment(entry.file(), entry.durationMillis(), entry.discontinuity(), entry.initSegment(),
        entry.programDateTimeMillis());
  }

  /** The init segment written last in {@code dir}: the one the open segment's parts need. */
  private static Optional<Path> newestInit(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.filter(f -> INIT.matcher(f.getFileName().toString()).matches() && Files.isRegularFile(f))
          .max(Comparator.comparingLong(SegmentSalvage::modified));
    }
  }

  private static long modified(Path file) {
    try {
      return Files.getLastModifiedTime(file).toMillis();
    } catch (IOException e) {
      return 0;
    }
  }

  /** The recording's playlist as the earlier run left it; a new one when there is none or it cannot be read. */
  private static RecordingPlaylist readPlaylist(Path dir, int number, String key, String id) {
    Path list = dir.resolve(RecordingFiles.PLAYLIST);
    try {
      return RecordingPlaylist.parse(Files.readString(list, StandardCharsets.US_ASCII));
    } catch (NoSuchFileException e) {
      // the kill came during the recording's first segment
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn("event=recording.salvage.playlist_unreadable stream={} recording={} detail=\"{}\" action=new_playlist",
          key, id, e.getMessage());
    }
    RecordingPlaylist fresh = new RecordingPlaylist();
    fresh.mediaSequence(number - 1L);
    return fresh;
  }

  /**
   * The playlist entry of the salvaged segment: right after the last listed one when it is the
   * next number (its program date time follows on), after a discontinuity otherwise.
   */
  private static RecordingPlaylist.Entry entry(RecordingPlaylist playlist, int number, Path file, Path init,
      long durationMillis) {
    String name = file.getFileName().toString();
    String initName = init.getFileName().toString();
    if (playlist.isEmpty()) {
      return new RecordingPlaylist.Entry(name, durationMillis, false, initName, 0);
    }
    RecordingPlaylist.Entry last = playlist.last();
    Matcher m = NUMBERED.matcher(last.file());
    boolean follows = m.matches() && m.group(2) == null && Integer.parseInt(m.group(1)) == number - 1;
    long pdt = follows && last.programDateTimeMillis() > 0 ? last.programDateTimeMillis() + last.durationMillis() : 0;
    return new RecordingPlaylist.Entry(name, durationMillis, !follows, initName, pdt);
  }

  /** Writes {@code playlist} as {@code dir}'s VOD {@code index.m3u8}: a temporary file, fsynced, renamed over it. */
  static void writePlaylist(Path dir, RecordingPlaylist playlist) throws IOException {
    byte[] text = playlist.render(true).getBytes(StandardCharsets.US_ASCII);
    Path temp = dir.resolve(RecordingFiles.PLAYLIST + ".tmp");
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(text);
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      ch.force(false);
    }
    Files.move(temp, dir.resolve(RecordingFiles.PLAYLIST), StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(dir);
  }

  private static void syncDirectory(Path dir) throws IOException {
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  /** Nothing of {@code temp} can be played: it is deleted. */
  private void discard(String key, String id, Path temp, String reason) {
    disk.meters.salvaged(RecordingMeters.DISCARDED);
    LOG.warn("event=recording.salvage.discarded stream={} recording={} file={} reason=\"{}\"", key, id,
        temp.getFileName(), reason);
    delete(temp, null);
  }

  /** The disk failed: {@code temp} stays for the next start. */
  private void failed(String key, String id, Path temp, String reason) {
    disk.meters.salvaged(RecordingMeters.FAILED);
    LOG.error("event=recording.salvage.failed stream={} recording={} file={} reason=\"{}\"", key, id,
        temp.getFileName(), reason);
  }

  private static void delete(Path temp, String reason) {
    try {
      Files.deleteIfExists(temp);
      if (reason != null) {
        LOG.info("event=recording.salvage.removed file={} reason={}", temp, reason);
      }
    } catch (IOException e) {
      LOG.warn("event=recording.salvage.not_removed file={} detail=\"{}\"", temp, e.toString());
    }
  }
}
