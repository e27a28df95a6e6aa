package io.cascade.recording;

import io.cascade.recording.handover.HandoverState;
import io.cascade.recording.handover.RecordingHandover;
import io.cascade.recording.handover.SalvagedSegments;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster side of one recording's files: when its directory is made it looks for a recording
 * of the stream another origin left ({@link RecordingHandover#find}) and, if there is one, the
 * recording continues it (same id, segment numbers going on, init segments named
 * {@code init-{firstSegment}-{version}.mp4} so they cannot clash with the earlier owner's); after
 * each finished segment it tells the cluster what a next owner needs, keeping the newest
 * {@code recording.handover.maxSegments} segments; a recording that ends lists the segments earlier
 * owners salvaged from it after a kill, and is forgotten there.
 * Confined to the writer thread, like the {@link RecordingFiles} it belongs to.
 */
final class RecordingContinuation {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");
  /** What a recording id, a segment and an init segment may be named: what this node writes itself. */
  private static final Pattern ID = Pattern.compile("\\d{8}T\\d{6}Z(-\\d{1,4})?");
  private static final Pattern SEGMENT = Pattern.compile("segment-\\d{5,9}\\.m4s");
  private static final Pattern SALVAGED = Pattern.compile("segment-\\d{5,9}-s\\.m4s");
  private static final Pattern INIT = Pattern.compile("init(-\\d{1,9}){0,2}\\.mp4");

  private final RecordingDisk disk;
  private final String key;
  private final RecordingHandover handover;
  private final ArrayDeque<HandoverState.Segment> segments = new ArrayDeque<>();
  private String id;
  /** The number of this node's first segment when it continues a recording; 0 when it started it. */
  private int firstNumber;

  RecordingContinuation(RecordingDisk disk, String key) {
    this.disk = disk;
    this.key = key;
    this.handover = disk.handover;
  }

  /**
   * The recording of this stream another origin left, if any (blocks for at most
   * {@code recording.handover.timeout}); one that cannot be read in time, or names files this node
   * would not write, is passed over and the recording starts anew.
   */
  Optional<HandoverState> find() {
    if (handover == RecordingHandover.NONE) {
      return Optional.empty();
    }
    Optional<HandoverState> found;
    try {
      found = handover.find(key);
    } catch (IOException e) {
      disk.meters.handover(RecordingMeters.READ_FAILED);
      LOG.warn("event=recording.handover.read_failed stream={} detail=\"{}\" action=new_recording", key,
          e.getMessage());
      return Optional.empty();
    }
    if (found.isPresent() && !wellNamed(found.get())) {
      LOG.warn("event=recording.handover.ignored stream={} reason=bad_names from={}", key, found.get().owner());
      return Optional.empty();
    }
    return found;
  }

  private static boolean wellNamed(HandoverState state) {
    return ID.matcher(state.recordingId()).matches() && state.segments().stream()
        .allMatch(s -> SEGMENT.matcher(s.file()).matches() && INIT.matcher(s.initSegment()).matches());
  }

  /**
   * This node continues {@code earlier}: {@code playlist} gets the segments it lists (only when
   * they are uploaded, {@link RecordingDisk#listHandedOver}; else this node's playlist lists its
   * own segments, numbered on) and the media sequence of its first entry. Returns the number this
   * node's first segment takes.
   */
  int continueFrom(HandoverState earlier, RecordingPlaylist playlist) {
    id = earlier.recordingId();
    firstNumber = earlier.nextNumber();
    earlier.segments().forEach(this::keep);
    if (disk.listHandedOver) {
      playlist.mediaSequence(earlier.firstListedSequence());
      for (HandoverState.Segment s : earlier.segments()) {
        playlist.add(new RecordingPlaylist.Entry(s.file(), s.durationMillis(), s.discontinuity(), s.initSegment(),
            s.programDateTimeMillis()));
      }
    } else {
      playlist.mediaSequence(firstNumber - 1);
    }
    disk.meters.handover(RecordingMeters.CONTINUED);
    LOG.info("event=recording.continued stream={} recording={} from={} first_segment={} listed={}", key, id,
        earlier.owner(), firstNumber, disk.listHandedOver ? earlier.segments().size() : 0);
    return firstNumber;
  }

  /** This node started the recording {@code recordingId}. */
  void startedAs(String recordingId) {
    id = recordingId;
  }

  /** The name of the init segment of {@code version} (this node's segmenter counts versions from 1). */
  String initName(int version) {
    if (firstNumber > 0) {
      return "init-" + firstNumber + "-" + version + ".mp4";
    }
    return version <= 1 ? "init.mp4" : "init-" + version + ".mp4";
  }

  /** {@code entry} is finished and {@code nextNumber} comes next: the cluster is told (never waited for). */
  void finished(RecordingPlaylist.Entry entry, int nextNumber, int initVersion) {
    if (handover == RecordingHandover.NONE) {
      return;
    }
    keep(new HandoverState.Segment(entry.file(), entry.durationMillis(), entry.discontinuity(), entry.initSegment(),
        entry.programDateTimeMillis()));
    HandoverState state = new HandoverState(id, "", nextNumber, initVersion, List.copyOf(segments));
    handover.update(key, state).whenComplete((v, e) -> {
      if (e != null) {
        disk.meters.handover(RecordingMeters.WRITE_FAILED);
        LOG.warn("event=recording.handover.write_failed stream={} recording={} next_segment={} detail=\"{}\"", key, id,
            nextNumber, e.toString());
      }
    });
  }

  /**
   * The recording ends here: {@code playlist} gets the segments earlier owners salvaged from it after
   * they were killed, each before the segment of its number (only for a recording this node
   * continued and whose playlist lists the handed-over segments; blocks for at most
   * {@code recording.handover.timeout}). Returns how many it listed; none when the cluster cannot
   * be read in time (logged and counted) or an entry names files this node would not write.
   */
  int listSalvaged(RecordingPlaylist playlist) {
    if (handover == RecordingHandover.NONE || firstNumber == 0 || !disk.listHandedOver || id == null) {
      return 0;
    }
    List<HandoverState.Segment> salvaged;
    try {
      salvaged = handover.findSalvaged(key, id).map(SalvagedSegments::segments).orElse(List.of());
    } catch (IOException e) {
      disk.meters.handover(RecordingMeters.READ_FAILED);
      LOG.warn("event=recording.handover.read_failed stream={} recording={} detail=\"{}\" action=\"salvaged segments"
          + " of earlier owners not listed\"", key, id, e.getMessage());
      return 0;
    }
    int listed = 0;
    for (HandoverState.Segment s : salvaged) {
      if (!SALVAGED.matcher(s.file()).matches() || !INIT.matcher(s.initSegment()).matches()) {
        LOG.warn("event=recording.handover.ignored stream={} recording={} reason=bad_names file=\"{}\"", key, id,
            s.file());
        continue;
      }
      RecordingPlaylist.Entry entry = new RecordingPlaylist.Entry(s.file(), s.durationMillis(), s.discontinuity(),
          s.initSegment(), s.programDateTimeMillis());
      if (playlist.insertSalvaged(entry, SalvagedSegments.number(s.file()))) {
        listed++;
        disk.meters.handover(RecordingMeters.SALVAGE_LISTED);
        LOG.info("event=recording.salvage.listed stream={} recording={} file={} duration_ms={}", key, id, s.file(),
            s.durationMillis());
      }
    }
    return listed;
  }

  /**
   * The recording ended here: a later publish of the stream starts a new one. One this node
   * continued is marked ended in the salvaged entry (with uploads on: its final playlist is then in
   * the bucket), so an earlier owner killed in it that starts again later does not replace it.
   */
  void remove() {
    if (handover == RecordingHandover.NONE || id == null) {
      return;
    }
    handover.remove(key, id);
    if (firstNumber > 0 && disk.listHandedOver) {
      handover.endedHere(key, id).whenComplete((v, e) -> {
        if (e != null) {
          disk.meters.handover(RecordingMeters.WRITE_FAILED);
          LOG.warn("event=recording.handover.write_failed stream={} recording={} map=salvaged detail=\"{}\"", key,
              id, e.toString());
        }
      });
    }
  }

  private void keep(HandoverState.Segment segment) {
    segments.addLast(segment);
    while (segments.size() > handover.maxSegments()) {
      segments.removeFirst();
    }
  }
}
