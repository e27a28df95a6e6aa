package io.cascade.recording;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * At start-up with uploads on, after the salvage and the quota's walk of the root: hands each
 * recording an earlier run left without the {@code .stored} marker to the listeners
 * ({@link SegmentListener#recordingLeft}), so that what that run closed but never got confirmed
 * (queued, retrying or failed when it was killed or stopped) is uploaded now. Its final playlist goes
 * with it when the directory holds a VOD one that is this node's to store: not when the salvage
 * ended the recording at this start (it sent the playlist), nor when the cluster names another owner
 * or says another origin ended it. A recording left growing ({@code EVENT}, killed between two
 * segments) that is this node's is ended here first: its playlist made VOD, then stored with it.
 * One log line per recording, and the files counted in {@code cascade.recording.requeued{result}}.
 * On the writer thread.
 */
final class UnstoredRecordings {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");
  private static final String ENDLIST = "#EXT-X-ENDLIST";

  private final RecordingDisk disk;

  UnstoredRecordings(RecordingDisk disk) {
    this.disk = disk;
  }

  /** {@code found}: the quota's walk; {@code endedBySalvage}: the directories the salvage ended at this start. */
  void requeue(List<DiskQuota.Unstored> found, Set<Path> endedBySalvage) {
    for (DiskQuota.Unstored u : found) {
      Path dir = u.dir();
      String key = dir.getParent().getParent().getFileName() + "/" + dir.getParent().getFileName();
      String id = dir.getFileName().toString();
      if (u.files() == null) {
        disk.meters.requeued(RecordingMeters.OVER_LIMIT, u.fileCount());
        LOG.warn("event=recording.requeue.over_limit stream={} dir={} files={} reason=\"recording.s3.requeueMaxFiles"
            + " reached at this start: the recording stays on disk, not stored, until a later start\"", key, dir,
            u.fileCount());
        disk.recordingLeft(new LeftRecording(key, id, dir, List.of(), null, false));
        continue;
      }
      Path list = dir.resolve(RecordingFiles.PLAYLIST);
      List<Path> files = new ArrayList<>(u.files());
      boolean listed = files.remove(list);
      String playlistNote;
      Path playlist = null;
      if (!listed) {
        playlistNote = "none";
      } else if (endedBySalvage.contains(dir)) {
        playlistNote = "sent_by_salvage";
      } else if (disk.carriedOn(key, id)) {
        playlistNote = "carried_on";
      } else if (disk.endedElsewhere(key, id)) {
        playlistNote = "ended_elsewhere";
      } else if (isFinal(list, key, id)) {
        playlist = list;
        playlistNote = "final";
      } else if (endHere(dir, list, key, id)) {
        playlist = list;
        playlistNote = "ended_here";
      } else {
        playlistNote = "not_final";
      }
      int count = files.size() + (playlist == null ? 0 : 1);
      disk.meters.requeued(RecordingMeters.QUEUED, count);
      LOG.info("event=recording.requeued stream={} dir={} files={} playlist={} reason=\"left by an earlier run"
          + " without the store's confirmation\"", key, dir, count, playlistNote);
      disk.recordingLeft(new LeftRecording(key, id, dir, files, playlist, true));
    }
  }

  /**
   * Ends a recording an earlier run left growing ({@code EVENT}: killed between two segments, so
   * there was nothing to salvage) that no other origin carries on or ended: its playlist becomes
   * VOD, its entries as they were, so that it is this node's final one to store. False (logged)
   * when the playlist cannot be read, lists nothing, or cannot be written; it then stays as it was.
   */
  private static boolean endHere(Path dir, Path list, String key, String id) {
    RecordingPlaylist playlist;
    try {
      playlist = RecordingPlaylist.parse(Files.readString(list, StandardCharsets.US_ASCII));
    } catch (IOException | IllegalArgumentException e) {
      LOG.warn("event=recording.requeue.playlist_unreadable stream={} recording={} detail=\"{}\"", key, id,
          e.toString());
      return false;
    }
    if (playlist.isEmpty()) {
      return false;
    }
    try {
      SegmentSalvage.writePlaylist(dir, playlist);
    } catch (IOException e) {
      LOG.error("event=recording.end_at_start.failed stream={} recording={} reason=\"the playlist cannot be"
          + " written: {}\" detail=\"it stays EVENT, not stored\"", key, id, e.toString());
      return false;
    }
    LOG.info("event=recording.ended_at_start stream={} recording={} segments={} reason=\"left growing by an earlier"
        + " run (killed between two segments) and carried on by no other origin: its playlist is made VOD\"", key,
        id, playlist.size());
    return true;
  }

  /** Whether the playlist is VOD (the recording ended); false when it cannot be read. */
  private static boolean isFinal(Path list, String key, String id) {
    try {
      return Files.readString(list, StandardCharsets.US_ASCII).contains(ENDLIST);
    } catch (IOException | RuntimeException e) {
      LOG.warn("event=recording.requeue.playlist_unreadable stream={} recording={} detail=\"{}\"", key, id,
          e.toString());
      return false;
    }
  }
}
