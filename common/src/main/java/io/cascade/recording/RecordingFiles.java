package io.cascade.recording;

import io.cascade.config.FsyncPolicy;
import io.cascade.recording.handover.HandoverState;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The files of one recording, {@code {root}/{app}/{stream}/{recordingId}/}: init segments, numbered
 * segments and {@code index.m3u8}. A segment is written to {@code segment-NNNNN.m4s.tmp} and renamed
 * when it is complete (after an fsync with {@code recording.fsync: segment}), so every {@code .m4s}
 * is whole (a {@code .tmp} a killed run left is salvaged at the next start, {@link SegmentSalvage});
 * the playlist is replaced the same way after each one. The directory and the init segment
 * are written when the first segment starts. When the cluster holds a recording of the stream that
 * another origin left ({@link RecordingContinuation}), the directory takes its id and the segments
 * go on from its next number.
 *
 * <p>A failure of the disk (unwritable directory, disk full) costs the segment being written: it is
 * logged with the stream and the reason, counted, its temporary file removed, and the recording tries
 * again at the next segment, which is marked as a discontinuity. Confined to the writer thread; owns
 * the buffers it is given.
 *
 * <p>Just over 400 lines: opening, finishing, splitting ({@code recording.maxDuration}) and ending a
 * recording all read and reset the same open-segment and playlist state, and their failure paths
 * must leave it consistent; split over classes, that state would have to be shared mutably.
 */
final class RecordingFiles {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");
  private static final DateTimeFormatter ID = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
      .withZone(ZoneOffset.UTC);
  static final String PLAYLIST = "index.m3u8";

  private final RecordingDisk disk;
  private final String key;
  private final String app;
  private final String stream;
  private RecordingPlaylist playlist = new RecordingPlaylist();
  private Path dir;
  private String id;
  private ByteBuf init;
  private int initVersion;
  private String initName;
  private boolean initWritten;
  private int nextNumber = 1;
  private boolean discontinuity;
  private long playlistBytes;
  private boolean ended;
  /** Continues what other origins recorded before (a cluster handover); null until the directory is made. */
  private RecordingContinuation continuation;
  /** False once this stream's recording was split ({@code recording.maxDuration}): the next one is new. */
  private boolean mayContinue = true;
  /** Media of the segments this node finished in the current recording. */
  private long recordedMillis;

  /** {@link #dir}, open for its fsyncs while the recording lasts (one open and close per segment saved). */
  private FileChannel dirChannel;
  private SegmentOutput open;
  private Path openTemp;
  private int openNumber;
  private long openStartMillis;
  private long openDurationMillis;
  private long openBytes;
  private boolean openDiscontinuity;
  private long openWallMillis;

  RecordingFiles(RecordingDisk disk, String key, String app, String stream) {
    this.disk = disk;
    this.key = key;
    this.app = safeName(app);
    this.stream = safeName(stream);
  }

  /** The init segment the following parts need; written when the next segment starts. */
  void init(int version, ByteBuf segment) {
    if (init != null) {
      init.release();
    }
    init = segment;
    initVersion = version;
    initWritten = false;
  }

  /**
   * One part: it starts a new segment (the open one is completed first), or continues the open
   * one; parts of a segment that could not be opened are left out. {@code gap}: something before
   * this part was lost or the publisher changed.
   */
  void part(ByteBuf content, boolean startsSegment, boolean gap, long startMillis, long durationMillis) {
    try {
      if (startsSegment) {
        finishSegment();
        if (dir != null && recordedMillis >= disk.maxDurationMillis) {
          split();
        }
        discontinuity |= gap;
        openSegment(startMillis);
        openWallMillis = disk.wallClock.millis() - durationMillis;
      }
      if (open == null) {
        return;
      }
      try {
        int length = content.readableBytes();
        open.append(content, length);
        openBytes += length;
        openDurationMillis += durationMillis;
        disk.meters.written(length);
        disk.quota.add(dir, length);
      } catch (IOException e) {
        abandon(RecordingMeters.WRITE, e);
      }
    } finally {
      content.release();
    }
  }

  /** The loop dropped part of the open segment: it is removed, the next one follows a gap. */
  void abandonSegment() {
    if (open != null) {
      closeQuietly();
      deleteQuietly(openTemp);
      disk.quota.add(dir, -openBytes);
      open = null;
    }
    discontinuity = true;
  }

  /** The publisher left: the open segment is complete, whatever comes next follows a gap. */
  void endSegment() {
    finishSegment();
    discontinuity = true;
  }

  /**
   * The recording ended on this node: the open segment is completed and the playlist becomes VOD.
   * {@code handOver} (the node stops): its cluster entry stays, so an origin its publisher moves to
   * continues it; otherwise the entry is removed and a later publish starts a new recording.
   */
  void close(boolean handOver) {
    if (ended) {
      return;
    }
    ended = true;
    finishSegment();
    if (init != null) {
      init.release();
      init = null;
    }
    endRecording(handOver);
  }

  /**
   * The recording is {@code recording.maxDuration} long: it ends as if its publisher had left, and
   * the segment starting now is the first of a new recording (a new id and directory, numbers from
   * 1, the init segment written again), with no gap between them.
   */
  private void split() {
    LOG.info("event=recording.split stream={} recording={} recorded_ms={} reason=max_duration", key, id,
        recordedMillis);
    endRecording(false);
    dir = null;
    id = null;
    playlist = new RecordingPlaylist();
    playlistBytes = 0;
    nextNumber = 1;
    initWritten = false;
    initName = null;
    continuation = null;
    mayContinue = false; // the cluster may still hold the ended one for a moment: never continue it
    recordedMillis = 0;
  }

  /** The playlist becomes VOD (an empty recording is removed) and the listeners are told. */
  private void endRecording(boolean handOver) {
    if (continuation != null && dir != null) {
      continuation.listSalvaged(playlist);
    }
    if (continuation != null && !handOver) {
      continuation.remove();
    }
    if (dir == null) {
      return;
    }
    Path list = null;
    if (playlist.isEmpty()) {
      closeDirectory();
      try {
        DiskQuota.deleteTree(dir);
        disk.quota.forget(dir);
      } catch (IOException e) {
        disk.quota.ended(dir);
        LOG.warn("event=recording.empty.not_removed stream={} dir={} detail=\"{}\"", key, dir, e.toString());
      }
    } else {
      writePlaylist(true);
      list = dir.resolve(PLAYLIST);
      disk.quota.ended(dir);
    }
    closeDirectory();
    LOG.info("event=recording.end stream={} recording={} segments={} dir={}", key, id, playlist.size(), dir);
    disk.recordingEnded(key, id, dir, list);
  }

  private void openSegment(long startMillis) {
    try {
      if (dir == null) {
        makeDirectory();
      }
    } catch (IOException e) {
      failed(RecordingMeters.DIRECTORY, e);
      return;
    }
    try {
      if (!initWritten && init != null) {
        initName = continuation.initName(initVersion);
        writeAtomically(initName, bytes(init));
        initWritten = true;
      }
      if (initName == null) {
        return; // no init segment yet: nothing can be read without it
      }
      openNumber = nextNumber;
      openTemp = dir.resolve(segmentName(openNumber) + ".tmp");
      open = disk.createSegment(openTemp);
      openStartMillis = startMillis;
      openDurationMillis = 0;
      openBytes = 0;
      openDiscontinuity = discontinuity;
      discontinuity = false;
    } catch (IOException e) {
      abandon(RecordingMeters.WRITE, e);
    }
  }

  private void finishSegment() {
    if (open == null) {
      return;
    }
    Path file = dir.resolve(segmentName(openNumber));
    try {
      open.finish(disk.fsync == FsyncPolicy.SEGMENT);
      open.close();
      // No directory fsync of its own: the playlist's, next, covers this rename (same directory; a
      // journaling file system commits the two renames in order, so a playlist that survives a
      // power loss never lists a segment that did not). One directory fsync per segment.
      Files.move(openTemp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      abandon(RecordingMeters.WRITE, e);
      return;
    }
    open = null;
    nextNumber++;
    recordedMillis += openDurationMillis;
    RecordingPlaylist.Entry entry = new RecordingPlaylist.Entry(file.getFileName().toString(), openDurationMillis,
        openDiscontinuity, initName, openWallMillis);
    playlist.add(entry);
    disk.meters.segment();
    writePlaylist(false);
    continuation.finished(entry, nextNumber, initVersion);
    disk.segmentClosed(new RecordedSegment(key, id, dir, file, dir.resolve(initName), dir.resolve(PLAYLIST),
        openNumber, openStartMillis, openDurationMillis, openBytes, openDiscontinuity,
        Instant.now(disk.wallClock)));
  }

  private void makeDirectory() throws IOException {
    Path parent = disk.root.resolve(app).resolve(stream);
    Files.createDirectories(parent);
    continuation = new RecordingContinuation(disk, key);
    Optional<HandoverState> earlier = mayContinue ? continuation.find() : Optional.empty();
    if (earlier.isPresent()) {
      // Another origin (or this one before a crash) recorded it: same id, numbers go on after a gap.
      id = earlier.get().recordingId();
      dir = Files.createDirectories(parent.resolve(id));
      nextNumber = continuation.continueFrom(earlier.get(), playlist);
      discontinuity = true;
      disk.quota.add(dir, 0);
      return;
    }
    String base = ID.format(disk.wallClock.instant());
    for (int n = 1; ; n++) {
      String candidate = n == 1 ? base : base + "-" + n;
      try {
        dir = Files.createDirectory(parent.resolve(candidate));
        id = candidate;
        break;
      } catch (FileAlreadyExistsException e) {
        // the same second on this stream already has a recording; try the next suffix
      }
    }
    disk.quota.add(dir, 0);
    continuation.startedAs(id);
    LOG.info("event=recording.start stream={} recording={} dir={}", key, id, dir);
  }

  private void writePlaylist(boolean ended) {
    byte[] text = playlist.render(ended).getBytes(StandardCharsets.US_ASCII);
    try {
      writeAtomically(PLAYLIST, text);
      disk.quota.add(dir, text.length - playlistBytes);
      playlistBytes = text.length;
    } catch (IOException e) {
      failed(RecordingMeters.WRITE, e);
    }
  }

  /** Writes {@code name} through a temporary file and a rename; counts it against the quota. */
  private void writeAtomically(String name, byte[] content) throws IOException {
    Path temp = dir.resolve(name + ".tmp");
    try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE)) {
      ByteBuffer buffer = ByteBuffer.wrap(content);
      while (buffer.hasRemaining()) {
        ch.write(buffer);
      }
      if (disk.fsync == FsyncPolicy.SEGMENT) {
        ch.force(false);
      }
    } catch (IOException e) {
      deleteQuietly(temp);
      throw e;
    }
    Files.move(temp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory();
    disk.meters.written(content.length);
    if (!name.equals(PLAYLIST)) {
      disk.quota.add(dir, content.length);
    }
  }

  private void syncDirectory() throws IOException {
    if (disk.fsync == FsyncPolicy.SEGMENT) {
      if (dirChannel == null) {
        dirChannel = FileChannel.open(dir, StandardOpenOption.READ);
      }
      try {
        dirChannel.force(true);
      } catch (IOException e) {
        closeDirectory(); // opened again for the next segment
        throw e;
      }
    }
  }

  private void closeDirectory() {
    if (dirChannel != null) {
      try {
        dirChannel.close();
      } catch (IOException ignored) {
        // a read-only handle: nothing was pending on it
      }
      dirChannel = null;
    }
  }

  private void abandon(String reason, IOException e) {
    if (open != null) {
      closeQuietly();
      deleteQuietly(openTemp);
      disk.quota.add(dir, -openBytes);
      open = null;
    }
    failed(reason, e);
  }

  private void failed(String reason, IOException e) {
    discontinuity = true;
    disk.meters.error(reason);
    LOG.error("event=recording.error stream={} dir={} reason={} detail=\"{}\"", key,
        dir != null ? dir : disk.root.resolve(app).resolve(stream), reason, e.toString());
  }

  private void closeQuietly() {
    try {
      open.close();
    } catch (IOException ignored) {
      // the file is deleted next; nothing more can be done with it
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a .tmp file left behind is never listed and is deleted with its recording
    }
  }

  private static byte[] bytes(ByteBuf buf) {
    byte[] b = new byte[buf.readableBytes()];
    buf.getBytes(buf.readerIndex(), b);
    return b;
  }

  /** {@code segment-NNNNN.m4s}, at least five digits (made for every segment: no {@code String.format}). */
  static String segmentName(int number) {
    String digits = Integer.toString(number);
    return "segment-" + "00000".substring(Math.min(5, digits.length())) + digits + ".m4s";
  }

  /** App and stream names as one safe path element each: anything but letters, digits, '-', '_' and '.' becomes '_'. */
  static String safeName(String name) {
    String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
    return safe.isEmpty() || safe.chars().allMatch(c -> c == '.') ? "_" + safe : safe;
  }

  // for tests
  Path directory() {
    return dir;
  }
}
