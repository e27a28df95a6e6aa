package io.cascade.recording;

import io.cascade.auth.Webhook;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the operator's {@code recording.webhook.url} what the recorder finished: a
 * {@code recording_segment} event per complete segment, a {@code recording_complete} event per ended
 * recording, through {@link Webhook#tell} (bounded, fire-and-forget). As a {@link SegmentListener}
 * it sends them at once; with uploads on, the uploads build them here and send them once the file
 * is stored, with {@link #stored its bucket and key}.
 */
public final class RecordingEvents implements SegmentListener {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");
  static final String SEGMENT = "recording_segment";
  static final String COMPLETE = "recording_complete";

  private final Webhook webhook;
  private final String url;
  private final Duration timeout;
  private final String nodeId;

  public RecordingEvents(Webhook webhook, String url, Duration timeout, String nodeId) {
    this.webhook = webhook;
    this.url = url;
    this.timeout = timeout;
    this.nodeId = nodeId;
  }

  @Override
  public void segmentClosed(RecordedSegment segment) {
    send(segmentEvent(segment));
  }

  @Override
  public void recordingEnded(String streamKey, String recordingId, Path directory, Path playlist) {
    completeEvent(streamKey, directory, playlist).ifPresent(this::send);
  }

  /** The event of a complete segment. */
  public JsonObject segmentEvent(RecordedSegment s) {
    Path dir = s.directory();
    return base(SEGMENT, s.streamKey(), dir, s.recordingId())
        .put("segment", s.number())
        .put("startMillis", s.startMillis())
        .put("durationMillis", s.durationMillis())
        .put("bytes", s.bytes())
        .put("discontinuity", s.discontinuity())
        .put("closedAt", s.closedAt().toString())
        .put("path", s.file().toAbsolutePath().toString())
        .put("url", urlOf(dir, s.file().getFileName().toString()));
  }

  /**
   * The event of an ended recording, read from its directory; empty when nothing was recorded
   * ({@code playlist} null: the directory is gone) or it cannot be read (logged).
   */
  public Optional<JsonObject> completeEvent(String streamKey, Path directory, Path playlist) {
    if (playlist == null) {
      return Optional.empty();
    }
    Optional<RecordingCatalog.Entry> read;
    try {
      read = RecordingCatalog.read(directory);
    } catch (IOException e) {
      read = Optional.empty();
    }
    if (read.isEmpty()) {
      LOG.warn("event=recording.webhook.unreadable stream={} dir={}", streamKey, directory);
      return Optional.empty();
    }
    RecordingCatalog.Entry e = read.get();
    return Optional.of(base(COMPLETE, streamKey, directory, e.id())
        .put("start", e.start().toString())
        .put("end", e.end().toString())
        .put("durationMillis", e.durationMillis())
        .put("bytes", e.bytes())
        .put("segments", e.segments())
        .put("path", playlist.toAbsolutePath().toString())
        .put("url", e.playlistPath()));
  }

  /** {@code event} with where the file it is about was stored. */
  public static JsonObject stored(JsonObject event, String bucket, String key) {
    return event.put("bucket", bucket).put("key", key);
  }

  /** Sends {@code event}; never blocks. */
  public void send(JsonObject event) {
    webhook.tell(url, event, timeout);
  }

  private JsonObject base(String action, String streamKey, Path dir, String recordingId) {
    int slash = streamKey.indexOf('/');
    return new JsonObject()
        .put("action", action)
        .put("node", nodeId)
        .put("app", streamKey.substring(0, Math.max(0, slash)))
        .put("stream", streamKey.substring(slash + 1))
        .put("streamKey", streamKey)
        .put("recordingId", recordingId);
  }

  private static String urlOf(Path dir, String file) {
    Path stream = dir.getParent();
    return "/recordings/" + stream.getParent().getFileName() + "/" + stream.getFileName() + "/" + dir.getFileName()
        + "/" + file;
  }
}
