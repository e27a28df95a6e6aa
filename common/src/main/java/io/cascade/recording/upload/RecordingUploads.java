package io.cascade.recording.upload;

import io.cascade.recording.RecordedSegment;
import io.cascade.recording.SegmentListener;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends what the recorder finishes to object storage: each closed segment, the init segment it
 * needs (once per recording and init version), and the final VOD playlist when the recording ends,
 * under {@code {app}/{stream}/{recordingId}/{file}} below {@code recording.s3.prefix}, so a
 * recording in the bucket plays as it does from disk. Local copies stay: the node's byte quota
 * removes them, oldest first. Called on the recorder's writer thread; {@link RecordingUploader#upload}
 * never blocks it, and a full upload queue leaves the file on disk, counted there.
 */
public final class RecordingUploads implements SegmentListener {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");
  /** Recordings whose uploaded init segments are remembered; the oldest are forgotten past it. */
  private static final int REMEMBERED_RECORDINGS = 1_024;

  private final RecordingUploader uploader;
  private final Map<String, Set<Path>> initsSent = new LinkedHashMap<>(16, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, Set<Path>> eldest) {
      return size() > REMEMBERED_RECORDINGS;
    }
  };

  public RecordingUploads(RecordingUploader uploader) {
    this.uploader = uploader;
  }

  @Override
  public void segmentClosed(RecordedSegment segment) {
    String prefix = segment.streamKey() + "/" + segment.recordingId() + "/";
    Path init = segment.initSegment();
    if (init != null && initsSent.computeIfAbsent(segment.recordingId(), id -> new HashSet<>()).add(init)) {
      send(init, prefix, "video/mp4", segment);
    }
    send(segment.file(), prefix, "video/iso.segment", segment);
  }

  @Override
  public void recordingEnded(String streamKey, String recordingId, Path directory, Path playlist) {
    initsSent.remove(recordingId);
    if (playlist != null) {
      uploader.upload(new UploadRequest(playlist, streamKey + "/" + recordingId + "/" + playlist.getFileName(),
          "application/vnd.apple.mpegurl", Map.of("stream", streamKey, "recording", recordingId), false));
    }
  }

  private void send(Path file, String prefix, String type, RecordedSegment segment) {
    uploader.upload(new UploadRequest(file, prefix + file.getFileName(), type,
        Map.of("stream", segment.streamKey(), "recording", segment.recordingId()), false))
        .whenComplete((result, e) -> {
          if (e != null) {
            LOG.debug("event=recording.upload.not_stored stream={} file={} error={}", segment.streamKey(),
                file.getFileName(), e.getClass().getSimpleName());
          }
        });
  }
}
