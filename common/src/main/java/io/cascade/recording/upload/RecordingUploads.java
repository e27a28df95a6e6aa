package io.cascade.recording.upload;

import io.cascade.recording.FinalPlaylistMerge;
import io.cascade.recording.LeftRecording;
import io.cascade.recording.RecordedSegment;
import io.cascade.recording.RecordingEvents;
import io.cascade.recording.SegmentListener;
import io.cascade.recording.StoredRecordings;
import io.cascade.recording.handover.HandoverState;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what the recorder finishes to object storage: each closed segment, the init segment it
 * needs (once per recording and init version), and the final VOD playlist when the recording ends,
 * under {@code {app}/{stream}/{recordingId}/{file}} below {@code recording.s3.prefix}, so a
 * recording in the bucket plays as it does from disk. Local copies stay: the node's byte quota
 * removes them, oldest first, and with {@link StoredRecordings} only a recording the store confirmed
 * whole (every segment, init segment and the final playlist); one with a failed upload stays on disk.
 * Called on the recorder's writer thread; {@link RecordingUploader#upload} never blocks it, and a full
 * upload queue leaves the file on disk, counted there.
 *
 * <p>At start-up, each recording an earlier run left on disk without the store's confirmation
 * ({@link #recordingLeft}) is uploaded again: every file of it this run has not sent already, then
 * its final playlist, and then it is stored like any. Those files wait in a backlog here (at most
 * {@code recording.s3.requeueMaxFiles} of them, counted at the walk) and go to the uploader at most
 * as many at a time as it has slots, so they hold few places in its queue and the segments being
 * recorded still find room there. A recording a salvaged segment came from is not stored before its
 * files are re-queued (the killed run may have closed segments it never uploaded).
 *
 * <p>A salvaged segment of a recording another origin continued and ended before this start is
 * listed in the final playlist that origin stored, once the segment itself is stored
 * ({@link #salvagedAfterEnd}).
 *
 * <p>With {@link RecordingEvents}, a segment's event and a recording's completion are sent once the
 * segment or the playlist is stored, with its bucket and key (without them when the upload failed:
 * the file is still on disk). Segments uploaded again send no events; a left recording's final
 * playlist sends its completion once stored: the run that ended the recording was killed before
 * its upload (or failed it), or this start ended it ({@code ended_here}), so none or a failed one
 * went out. Webhooks are at least once: a receiver may see a completion twice, never none.
 */
public final class RecordingUploads implements SegmentListener {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");
  /** Recordings whose uploaded init segments are remembered; the oldest are forgotten past it. */
  private static final int REMEMBERED_RECORDINGS = 1_024;

  private final RecordingUploader uploader;
  private final RecordingEvents events;
  private final StoredRecordings stored;
  /** Files of recordings left by an earlier run, waiting for one of {@link #requeueSlots}. */
  private final ArrayDeque<Requeued> backlog = new ArrayDeque<>();
  private final int requeueSlots;
  /** Backlog files handed to the uploader and not settled (guarded by {@link #backlog}). */
  private int requeueActive;
  /** Calls of {@link #pump} to serve: only one thread drains the backlog at a time, without recursion. */
  private final AtomicInteger pumpCalls = new AtomicInteger();
  /** Recordings with uploads in flight or not yet ended, by their key prefix; ended and settled ones leave. */
  private final ConcurrentHashMap<String, Unsettled> unsettled = new ConcurrentHashMap<>();
  private final Map<String, Set<Path>> initsSent = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Set<Path>> eldest) {
      return size() > REMEMBERED_RECORDINGS;
    }
  };

  /**
   * The upload of the last salvaged segment handed over: {@link #salvagedAfterEnd}, called right
   * after {@link #segmentClosed} of the same segment on the writer thread, waits for it. Confined
   * to the writer thread.
   */
  private SalvagedUpload lastSalvaged;

  public RecordingUploads(RecordingUploader uploader) {
    this(uploader, null);
  }

  /** {@code events} (may be null) are sent as the files they are about are stored. */
  public RecordingUploads(RecordingUploader uploader, RecordingEvents events) {
    this(uploader, events, null);
  }

  /**
   * {@code events} (may be null) are sent as the files they are about are stored; {@code stored}
   * (may be null) hears of each ended recording the store holds whole.
   */
  public RecordingUploads(RecordingUploader uploader, RecordingEvents events, StoredRecordings stored) {
    this.uploader = uploader;
    this.events = events;
    this.stored = stored;
    this.requeueSlots = uploader.slots();
  }

  @Override
  public void segmentClosed(RecordedSegment segment) {
    String prefix = segment.streamKey() + "/" + segment.recordingId() + "/";
    Unsettled recording = unsettled.computeIfAbsent(prefix, p -> new Unsettled(segment.directory()));
    if (segment.salvaged() && !recording.awaitingLeft) {
      // Held until recordingLeft re-queues what the killed run closed: it may never have been uploaded.
      recording.awaitingLeft = true;
      recording.inFlight.incrementAndGet();
    }
    Path init = segment.initSegment();
    if (init != null && initsSent.computeIfAbsent(segment.recordingId(), id -> new HashSet<>()).add(init)) {
      if (recording.awaitingLeft) {
        recording.handed.add(init);
      }
      track(prefix, recording, send(init, prefix, "video/mp4", segment));
    }
    JsonObject event = events == null ? null : events.segmentEvent(segment);
    if (recording.awaitingLeft) {
      recording.handed.add(segment.file());
    }
    CompletionStage<UploadResult> upload = send(segment.file(), prefix, "video/iso.segment", segment);
    lastSalvaged = segment.salvaged() ? new SalvagedUpload(segment.file(), upload) : null;
    track(prefix, recording, upload.whenComplete((result, e) -> tell(event, result)));
  }

  /**
   * Once the store confirmed the salvaged segment, lists it in the final playlist of its recording,
   * which another origin stored ({@link RecordingUploader#listSalvaged}, under the key this class
   * stores playlists at).
   */
  @Override
  public CompletionStage<FinalPlaylistMerge.Result> salvagedAfterEnd(RecordedSegment segment,
      HandoverState.Segment entry) {
    SalvagedUpload upload = lastSalvaged;
    lastSalvaged = null;
    if (upload == null || !upload.file().equals(segment.file())) {
      return CompletableFuture.completedFuture(FinalPlaylistMerge.Result.of(FinalPlaylistMerge.Status.NOT_STORED,
          "the segment was not handed to the uploads"));
    }
    String playlistKey = segment.streamKey() + "/" + segment.recordingId() + "/" + segment.playlist().getFileName();
    Map<String, String> metadata = Map.of("stream", segment.streamKey(), "recording", segment.recordingId());
    return upload.stage().handle((result, e) -> e).thenCompose(e -> e == null
        ? uploader.listSalvaged(playlistKey, entry, metadata)
        : CompletableFuture.completedFuture(FinalPlaylistMerge.Result.of(FinalPlaylistMerge.Status.NOT_STORED,
            "the segment itself was not stored: " + why(e))));
  }

  private static String why(Throwable error) {
    Throwable e = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
    return e instanceof UploadException u ? u.reason().tag() : e.toString();
  }

  /** A salvaged segment's upload. */
  private record SalvagedUpload(Path file, CompletionStage<UploadResult> stage) {
  }

  @Override
  public void recordingEnded(String streamKey, String recordingId, Path directory, Path playlist) {
    initsSent.remove(recordingId);
    String prefix = streamKey + "/" + recordingId + "/";
    if (playlist == null) {
      unsettled.remove(prefix);
      return;
    }
    Unsettled recording = unsettled.computeIfAbsent(prefix, p -> new Unsettled(directory));
    // Read now, on the writer thread, before the quota may remove the directory.
    JsonObject event = events == null ? null : events.completeEvent(streamKey, directory, playlist).orElse(null);
    recording.inFlight.incrementAndGet(); // before ended: the count cannot reach 0 until the playlist is settled
    recording.ended = true;
    CompletionStage<UploadResult> list = uploader.upload(new UploadRequest(playlist, prefix + playlist.getFileName(),
        "application/vnd.apple.mpegurl", Map.of("stream", streamKey, "recording", recordingId), false))
        .whenComplete((result, e) -> tell(event, result));
    settle(prefix, recording, list);
  }

  /**
   * Uploads again what an earlier run left of the recording (those of its files this run has not
   * sent), through the backlog; then, when the recording was not ended at this start already, its
   * final playlist, and the recording is stored once all are confirmed. Without a playlist (not
   * final here) or with files left out ({@code complete} false), the local copy is kept.
   */
  @Override
  public void recordingLeft(LeftRecording left) {
    String prefix = left.streamKey() + "/" + left.recordingId() + "/";
    Unsettled recording = unsettled.computeIfAbsent(prefix, p -> new Unsettled(left.directory()));
    Map<String, String> metadata = Map.of("stream", left.streamKey(), "recording", left.recordingId());
    List<Requeued> files = new ArrayList<>();
    for (Path file : left.files()) {
      if (recording.handed.add(file)) {
        String type = file.getFileName().toString().endsWith(".mp4") ? "video/mp4" : "video/iso.segment";
        files.add(new Requeued(new UploadRequest(file, prefix + file.getFileName(), type, metadata, false), prefix,
            recording, null));
      }
    }
    if (!left.complete()) {
      recording.keepReason = "recording.s3.requeueMaxFiles reached: uploaded again at a later start";
    }
    boolean endedHere = recording.ended;
    if (!endedHere) {
      if (left.playlist() != null) {
        // The run that ended it sent no completion event: that waits for the playlist's upload.
        JsonObject complete = events == null ? null
            : events.completeEvent(left.streamKey(), left.directory(), left.playlist()).orElse(null);
        files.add(new Requeued(new UploadRequest(left.playlist(), prefix + left.playlist().getFileName(),
            "application/vnd.apple.mpegurl", metadata, false), prefix, recording, complete));
      } else if (recording.keepReason == null) {
        recording.keepReason = "its playlist is not final, or another origin carries the recording on";
      }
    }
    recording.inFlight.addAndGet(files.size() + 1); // + 1: held until the recording's state is set below
    if (!endedHere) {
      recording.ended = true;
    }
    if (recording.awaitingLeft) {
      recording.awaitingLeft = false;
      settle(prefix, recording, CompletableFuture.completedFuture(null)); // the salvage's hold
    }
    synchronized (backlog) {
      backlog.addAll(files);
    }
    settle(prefix, recording, CompletableFuture.completedFuture(null));
    pump();
  }

  /** Hands backlog files to the uploader while fewer than {@link #requeueSlots} of them are unsettled. */
  private void pump() {
    if (pumpCalls.getAndIncrement() != 0) {
      return; // the thread draining now serves this call too
    }
    int calls = 1;
    do {
      while (true) {
        Requeued next;
        synchronized (backlog) {
          if (requeueActive >= requeueSlots || backlog.isEmpty()) {
            break;
          }
          next = backlog.poll();
          requeueActive++;
        }
        CompletionStage<UploadResult> upload = uploader.upload(next.request());
        settle(next.prefix(), next.recording(), upload);
        upload.whenComplete((result, e) -> {
          tell(next.event(), result);
          synchronized (backlog) {
            requeueActive--;
          }
          pump();
        });
      }
      calls = pumpCalls.addAndGet(-calls);
    } while (calls != 0);
  }

  /** Backlog files not yet handed to the uploader. */
  int backlog() {
    synchronized (backlog) {
      return backlog.size();
    }
  }

  /**
   * One file of a left recording to upload again, the recording it counts against, and the event
   * to send once it is uploaded (a final playlist's {@code recording_complete}; else null).
   */
  private record Requeued(UploadRequest request, String prefix, Unsettled recording, JsonObject event) {
  }

  /** Counts {@code upload} against the recording until it settles. */
  private void track(String prefix, Unsettled recording, CompletionStage<UploadResult> upload) {
    recording.inFlight.incrementAndGet();
    settle(prefix, recording, upload);
  }

  private void settle(String prefix, Unsettled recording, CompletionStage<UploadResult> upload) {
    upload.whenComplete((result, e) -> {
      if (e != null) {
        recording.failed = true;
      }
      if (recording.inFlight.decrementAndGet() == 0 && recording.ended && recording.settled.compareAndSet(false, true)) {
        unsettled.remove(prefix, recording);
        if (recording.failed) {
          LOG.warn("event=recording.kept_locally recording={} dir={} reason=\"an upload failed: the local copy is "
              + "the only whole one\"", prefix, recording.directory);
        } else if (recording.keepReason != null) {
          LOG.warn("event=recording.kept_locally recording={} dir={} reason=\"{}\"", prefix, recording.directory,
              recording.keepReason);
        } else if (stored != null) {
          stored.stored(recording.directory);
        }
      }
    });
  }

  /** One recording's uploads: those in flight, whether one failed, whether the recording ended. */
  private static final class Unsettled {
    final Path directory;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicBoolean settled = new AtomicBoolean();
    volatile boolean failed;
    volatile boolean ended;
    /** It holds a salvaged segment: settling waits for {@link #recordingLeft} (one count of inFlight). */
    volatile boolean awaitingLeft;
    /** Why its local copy is kept even when every upload succeeds; null when it is not. */
    volatile String keepReason;
    /**
     * Files of a recording left by an earlier run handed to the uploader at this start (by the
     * salvage or by {@link #recordingLeft}), so none is sent twice; empty for the others.
     */
    final Set<Path> handed = ConcurrentHashMap.newKeySet();

    Unsettled(Path directory) {
      this.directory = directory;
    }
  }

  private void tell(JsonObject event, UploadResult stored) {
    if (event != null) {
      events.send(stored == null ? event : RecordingEvents.stored(event, stored.bucket(), stored.key()));
    }
  }

  private CompletionStage<UploadResult> send(Path file, String prefix, String type, RecordedSegment segment) {
    return uploader.upload(new UploadRequest(file, prefix + file.getFileName(), type,
        Map.of("stream", segment.streamKey(), "recording", segment.recordingId()), false))
        .whenComplete((result, e) -> {
          if (e != null) {
            LOG.debug("event=recording.upload.not_stored stream={} file={} error={}", segment.streamKey(),
                file.getFileName(), e.getClass().getSimpleName());
          }
        });
  }
}
