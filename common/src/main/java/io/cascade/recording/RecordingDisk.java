package io.cascade.recording;

import io.cascade.config.FsyncPolicy;
import io.cascade.recording.handover.HandoverState;
import io.cascade.recording.handover.RecordingHandover;
import io.cascade.recording.handover.SalvagedSegments;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the {@link RecordingFiles} of one node share on the writer thread: the root, the fsync
 * policy, the quota, the meters, the wall clock that names recordings, the cluster handover, and
 * the listeners told of closed segments, and how long a recording may grow.
 */
final class RecordingDisk {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");
  /** The direct writes' buffer: a part of a second at 4 Mbit/s fits; larger ones go in several writes. */
  private static final int SCRATCH_BYTES = 1 << 20;

  final Path root;
  final FsyncPolicy fsync;
  final DiskQuota quota;
  final RecordingMeters meters;
  final Clock wallClock;
  /** {@code recording.maxDuration}: a recording this long ends at its next segment, which starts a new one. */
  final long maxDurationMillis;
  /** Where recordings are handed over between origins; set before the first recording starts. */
  volatile RecordingHandover handover = RecordingHandover.NONE;
  /**
   * A continued recording's playlist lists the segments written before it on other origins too
   * (true when they are uploaded, so the bucket holds them all); otherwise only this node's.
   */
  volatile boolean listHandedOver;
  private final List<SegmentListener> listeners = new CopyOnWriteArrayList<>();
  /** {@code recording.directWrites}, until the file system refuses {@code O_DIRECT}; writer thread only. */
  private boolean directWrites;
  /** The {@link DirectAppender}s' aligned buffer, made at the first direct segment; writer thread only. */
  private ByteBuffer scratch;
  /** The file store's block size, read with the first direct segment. */
  private int block;

  RecordingDisk(Path root, FsyncPolicy fsync, boolean directWrites, DiskQuota quota, RecordingMeters meters,
      Clock wallClock, Duration maxDuration) {
    this.root = root;
    this.directWrites = directWrites;
    this.maxDurationMillis = maxDuration.toMillis();
    this.fsync = fsync;
    this.quota = quota;
    this.meters = meters;
    this.wallClock = wallClock;
  }

  /**
   * Creates a segment file to append to: direct when so configured and the file system takes it;
   * when it does not (tmpfs, for one) but a buffered file opens, this node writes buffered from
   * then on and says so once.
   */
  SegmentOutput createSegment(Path file) throws IOException {
    if (!directWrites) {
      return BufferedAppender.create(file);
    }
    IOException refused;
    try {
      if (scratch == null) {
        block = (int) Math.min(Integer.MAX_VALUE, Files.getFileStore(file.getParent()).getBlockSize());
        scratch = DirectAppender.scratch(SCRATCH_BYTES, Math.min(block, DirectAppender.MAX_BLOCK));
      }
      return DirectAppender.create(file, scratch, block);
    } catch (IOException | UnsupportedOperationException e) {
      refused = e instanceof IOException io ? io : new IOException(e);
    }
    SegmentOutput buffered = BufferedAppender.create(file); // a real error (disk, permissions) fails here too
    directWrites = false;
    scratch = null;
    LOG.warn("event=recording.direct_writes_refused root={} detail=\"{}\" action=buffered_writes", root,
        refused.toString());
    return buffered;
  }

  void addListener(SegmentListener listener) {
    listeners.add(listener);
  }

  void segmentClosed(RecordedSegment segment) {
    for (SegmentListener l : listeners) {
      try {
        l.segmentClosed(segment);
      } catch (RuntimeException e) {
        LOG.warn("event=recording.listener.failed stream={} file={} detail=\"{}\"", segment.streamKey(),
            segment.file(), e.toString());
      }
    }
  }

  void recordingEnded(String key, String id, Path dir, Path playlist) {
    for (SegmentListener l : listeners) {
      try {
        l.recordingEnded(key, id, dir, playlist);
      } catch (RuntimeException e) {
        LOG.warn("event=recording.listener.failed stream={} dir={} detail=\"{}\"", key, dir, e.toString());
      }
    }
  }

  void recordingLeft(LeftRecording recording) {
    for (SegmentListener l : listeners) {
      try {
        l.recordingLeft(recording);
      } catch (RuntimeException e) {
        LOG.warn("event=recording.listener.failed stream={} dir={} detail=\"{}\"", recording.streamKey(),
            recording.directory(), e.toString());
      }
    }
  }

  /**
   * Asks the listeners to list {@code segment} in the final playlist another origin stored
   * ({@link SegmentListener#salvagedAfterEnd}): the first that takes it on answers; NOT_STORED when
   * none does (no uploads on this node) or it throws.
   */
  CompletionStage<FinalPlaylistMerge.Result> salvagedAfterEnd(RecordedSegment segment, HandoverState.Segment entry) {
    for (SegmentListener l : listeners) {
      try {
        CompletionStage<FinalPlaylistMerge.Result> listing = l.salvagedAfterEnd(segment, entry);
        if (listing != null) {
          return listing;
        }
      } catch (RuntimeException e) {
        LOG.warn("event=recording.listener.failed stream={} file={} detail=\"{}\"", segment.streamKey(),
            segment.file(), e.toString());
        return CompletableFuture.completedFuture(FinalPlaylistMerge.Result.of(FinalPlaylistMerge.Status.NOT_STORED,
            "the uploads failed: " + e));
      }
    }
    return CompletableFuture.completedFuture(FinalPlaylistMerge.Result.of(FinalPlaylistMerge.Status.NOT_STORED,
        "uploads are off on this node: the segment is on its disk only"));
  }

  /**
   * Whether the cluster names another owner of recording {@code id} of {@code key} (one an earlier
   * run left): then its playlist (uploaded when it ends) is the bucket's, and this node's must not
   * replace it. True too when the cluster cannot be read.
   */
  boolean carriedOn(String key, String id) {
    if (handover == RecordingHandover.NONE) {
      return false;
    }
    try {
      Optional<HandoverState> entry = handover.find(key);
      boolean carried = entry.isPresent() && entry.get().recordingId().equals(id);
      if (carried) {
        LOG.info("event=recording.carried_on stream={} recording={} owner={} detail=\"the recording goes on"
            + " in the cluster: its playlist in the object store is the current owner's\"", key, id, entry.get().owner());
      }
      return carried;
    } catch (IOException e) {
      LOG.warn("event=recording.carried_on stream={} recording={} detail=\"the cluster entry cannot be read"
          + " ({}): this node's playlist is not uploaded\"", key, id, e.getMessage());
      return true;
    }
  }

  /**
   * Whether an origin that continued recording {@code id} of {@code key} (one an earlier run left)
   * has ended it: then its final playlist is the bucket's, and this node's must not replace it.
   * False when the cluster cannot be read (logged).
   */
  boolean endedElsewhere(String key, String id) {
    if (handover == RecordingHandover.NONE) {
      return false;
    }
    try {
      Optional<SalvagedSegments> entry = handover.findSalvaged(key, id);
      boolean ended = entry.isPresent() && entry.get().ended();
      if (ended) {
        LOG.info("event=recording.ended_elsewhere stream={} recording={} owner={} detail=\"the recording was"
            + " continued and ended there: its playlist in the object store is that owner's\"", key, id,
            entry.get().endedBy());
      }
      return ended;
    } catch (IOException e) {
      LOG.warn("event=recording.ended_elsewhere stream={} recording={} detail=\"the cluster entry cannot be read"
          + " ({})\"", key, id, e.getMessage());
      return false;
    }
  }
}
