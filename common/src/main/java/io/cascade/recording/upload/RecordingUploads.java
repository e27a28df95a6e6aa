package io.cascade.recording.upload;

import io.cascade.recording.RecordedSegment;
import io.cascade.recording.RecordingEvents;
import io.cascade.recording.SegmentListener;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what the recorder finishes to object storage: each closed segment, the init segment it
 * needs (once per recording and init version), and the final VOD playlist when the recording ends,
 * under {@code {app}/{stream}/{recordingId}/{file}} below {@code recording.s3.prefix}, so a
 * recording in the bucket plays as it does from disk. Local copies stay: the node's byte quota
 * removes them, oldest first. Called on the recorder's writer thread; {@link RecordingUploader#upload}
 * never blocks it, and a full upload queue leaves the file on disk, counted there.
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
    this.uploader = uploader;
    this.events = events;
  }

  @Override
  public void segmentClosed(RecordedSegment segment) {
    String prefix = segment.streamKey() + "/" + segment.recordingId() + "/";
    Path init = segment.initSegment();
    if (init != null && initsSent.computeIfAbsent(segment.recordingId(), id -> new HashSet<>()).add(init)) {
      send(init, prefix, "video/mp4", segment);
    }
    JsonObject event = events == null ? null : events.segmentEvent(segment);
    send(segment.file(), prefix, "video/iso.segment", segment).whenComplete((result, e) -> tell(event, result));
  }

  @Override
  public void recordingEnded(String streamKey, String recordingId, Path directory, Path playlist) {
    initsSent.remove(recordingId);
    if (playlist != null) {
      // Read now, on the writer thread, before the quota may remove the directory.
      JsonObject event = events == null ? null : events.completeEvent(streamKey, directory, playlist).orElse(null);
      uploader.upload(new UploadRequest(playlist, streamKey + "/" + recordingId + "/" + playlist.getFileName(),
          "application/vnd.apple.mpegurl", Map.of("stream", streamKey, "recording", recordingId), false))
          .whenComplete((result, e) -> tell(event, result));
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
