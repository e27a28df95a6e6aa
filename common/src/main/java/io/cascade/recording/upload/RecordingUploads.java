package io.cascade.recording.upload;

import io.cascade.recording.RecordedSegment;
import io.cascade.recording.RecordingEvents;
import io.cascade.recording.SegmentListener;
import io.cascade.recording.StoredRecordings;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
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
 * <p>With {@link RecordingEvents}, a segment's event and a recording's completion are sent once the
 * segment or the playlist is stored, with its bucket and key (without them when the upload failed:
 * the file is still on disk).
 */
public final class RecordingUploads implements SegmentListener {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");
  /** Recordings whose uploaded init segments are remembered; the oldest are forgotten past it. */
  private static final int REMEMBERED_RECORDINGS = 1_024;

  private final RecordingUploader uploader;
  private final RecordingEvents events;
  private final StoredRecordings stored;
  /** Recordings with uploads in flight or not yet ended, by their key prefix; ended and settled ones leave. */
  private final ConcurrentHashMap<String, Unsettled> unsettled = new ConcurrentHashMap<>();
  private final Map<String, Set<Path>> initsSent = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Set<Path>> eldest) {
      return size() > REMEMBERED_RECORDINGS;
    }
  };

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
  }

  @Override
  public void segmentClosed(RecordedSegment segment) {
    String prefix = segment.streamKey() + "/" + segment.recordingId() + "/";
    Unsettled recording = unsettled.computeIfAbsent(prefix, p -> new Unsettled(segment.directory()));
    if (segment.salvaged()) {
      recording.leftByKilledRun = true;
    }
    Path init = segment.initSegment();
    if (init != null && initsSent.computeIfAbsent(segment.recordingId(), id -> new HashSet<>()).add(init)) {
      track(prefix, recording, send(init, prefix, "video/mp4", segment));
    }
    JsonObject event = events == null ? null : events.segmentEvent(segment);
    track(prefix, recording, send(segment.file(), prefix, "video/iso.segment", segment)
        .whenComplete((result, e) -> tell(event, result)));
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
        } else if (recording.leftByKilledRun) {
          LOG.warn("event=recording.kept_locally recording={} dir={} reason=\"left by a killed run, which may have "
              + "closed segments it never uploaded\"", prefix, recording.directory);
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
    /** It holds a salvaged segment: what the killed run closed may be on this disk only. */
    volatile boolean leftByKilledRun;

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
