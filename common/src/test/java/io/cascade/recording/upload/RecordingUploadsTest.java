package io.cascade.recording.upload;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.CascadeConfig;
import io.cascade.metrics.NodeMetrics;
import io.cascade.auth.Webhook;
import io.cascade.recording.LeftRecording;
import io.cascade.recording.RecordedSegment;
import io.cascade.recording.RecordingEvents;
import io.cascade.testing.Await;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * When the recorder may let go of a recording's local copy: only after the store confirmed every
 * file of it, the final playlist included, and never when one upload failed.
 */
class RecordingUploadsTest {
  @TempDir
  Path root;

  private final ScriptedStore store = new ScriptedStore();
  private final VirtualUploadScheduler clock = new VirtualUploadScheduler();
  private final Deque<Runnable> threads = new ArrayDeque<>();
  private final NodeMetrics node = NodeMetrics.defaults("origin", "n1");
  private final List<Path> stored = new ArrayList<>();
  private RecordingUploader uploader;
  private RecordingUploads uploads;

  @AfterEach
  void close() {
    uploader.close();
    node.close();
  }

  private void start(Map<String, Object> settings) {
    start(settings, null);
  }

  private void start(Map<String, Object> settings, RecordingEvents events) {
    Map<String, Object> values = new java.util.HashMap<>(Map.of("recording.s3.enabled", "true",
        "recording.s3.bucket", "bucket", "recording.s3.retry.attempts", "1"));
    values.putAll(settings);
    Executor manual = threads::add;
    uploader = new RecordingUploader(S3UploadSettings.from(CascadeConfig.with(values)), store, manual, clock,
        () -> 0.5, node, List.of());
    uploads = new RecordingUploads(uploader, events, stored::add);
  }

  private void runUploads() {
    for (Runnable next; (next = threads.poll()) != null; ) {
      next.run();
    }
  }

  private RecordedSegment segment(Path dir, int number) throws IOException {
    Files.createDirectories(dir);
    Path init = Files.write(dir.resolve("init.mp4"), new byte[10]);
    Path file = Files.write(dir.resolve("segment-%05d.m4s".formatted(number)), new byte[100]);
    return new RecordedSegment("live/a", dir.getFileName().toString(), dir, file, init, dir.resolve("index.m3u8"),
        number, number * 2000L, 2000, 100, false, Instant.EPOCH);
  }

  private Path playlist(Path dir) throws IOException {
    return Files.write(dir.resolve("index.m3u8"), "#EXTM3U\n#EXT-X-ENDLIST\n".getBytes());
  }

  @Test
  void aRecordingIsStoredOnceEveryFileAndThePlaylistAreConfirmed() throws IOException {
    start(Map.of());
    Path dir = root.resolve("live/a/20261206T200000Z");
    uploads.segmentClosed(segment(dir, 1));
    uploads.segmentClosed(segment(dir, 2));
    runUploads();
    assertThat(stored).as("not ended yet").isEmpty();

    uploads.recordingEnded("live/a", dir.getFileName().toString(), dir, playlist(dir));
    assertThat(stored).as("the playlist is not confirmed yet").isEmpty();
    runUploads();

    assertThat(store.calls()).containsExactly("put", "put", "put", "put");
    assertThat(stored).containsExactly(dir);
  }

  @Test
  void segmentsStillInFlightWhenTheRecordingEndsHoldItBack() throws IOException {
    start(Map.of());
    Path dir = root.resolve("live/a/20261206T200000Z");
    uploads.segmentClosed(segment(dir, 1));
    uploads.recordingEnded("live/a", dir.getFileName().toString(), dir, playlist(dir));

    Runnable init = threads.poll();
    init.run();
    assertThat(stored).isEmpty();
    runUploads();
    assertThat(stored).containsExactly(dir);
  }

  @Test
  void aFailedUploadKeepsTheLocalCopy() throws IOException {
    start(Map.of());
    store.failing("put", s3(403, "AccessDenied")); // the init segment, the first file sent
    Path dir = root.resolve("live/a/20261206T200000Z");
    uploads.segmentClosed(segment(dir, 1));
    uploads.recordingEnded("live/a", dir.getFileName().toString(), dir, playlist(dir));
    runUploads();

    assertThat(store.calls()).hasSize(3);
    assertThat(stored).as("the init segment was refused: the disk holds the only whole copy").isEmpty();
  }

  @Test
  void aRecordingWithNothingRecordedIsForgotten() throws IOException {
    start(Map.of());
    Path dir = root.resolve("live/a/20261206T200000Z");
    uploads.recordingEnded("live/a", dir.getFileName().toString(), dir, null);
    runUploads();
    assertThat(store.calls()).isEmpty();
    assertThat(stored).isEmpty();
  }

  private static RuntimeException s3(int status, String code) {
    return S3Exception.builder().statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("scripted").build()).build();
  }

  /** A recording an earlier run left: init, four segments, its VOD playlist; as the start-up walk hands it over. */
  private LeftRecording left(Path dir, boolean withPlaylist, boolean complete) throws IOException {
    List<Path> files = new ArrayList<>();
    for (int n = 1; n <= 4; n++) {
      files.add(segment(dir, n).file());
    }
    files.add(0, dir.resolve("init.mp4"));
    return new LeftRecording("live/a", dir.getFileName().toString(), dir, files, withPlaylist ? playlist(dir) : null,
        complete);
  }

  @Test
  void aRecordingLeftByAnEarlierRunIsUploadedAgainTwoFilesAtATimeThenStored() throws IOException {
    start(Map.of("recording.s3.maxConcurrentUploads", "2", "recording.s3.maxQueuedUploads", "3"));
    Path dir = root.resolve("live/a/20261206T200000Z");
    uploads.recordingLeft(left(dir, true, true));

    assertThat(uploader.active()).as("as many as the uploader has slots").isEqualTo(2);
    assertThat(uploader.queued()).as("none waits in the uploader's queue").isZero();
    assertThat(uploads.backlog()).as("the other three segments and the playlist wait here").isEqualTo(4);

    // A segment recorded now still finds room in the uploader's queue (3 places), not behind the backlog.
    Path live = root.resolve("live/b/20261206T210000Z");
    uploads.segmentClosed(segment(live, 1));
    assertThat(uploader.queued()).as("its init segment and itself, queued at once").isEqualTo(2);

    runUploads();
    String prefix = "live/a/20261206T200000Z/";
    assertThat(store.putKeys()).filteredOn(k -> k.startsWith(prefix)).containsExactly(prefix + "init.mp4",
        prefix + "segment-00001.m4s", prefix + "segment-00002.m4s", prefix + "segment-00003.m4s",
        prefix + "segment-00004.m4s", prefix + "index.m3u8");
    assertThat(store.putKeys()).contains("live/a/20261206T210000Z/segment-00001.m4s");
    assertThat(uploads.backlog()).isZero();
    assertThat(stored).as("every file and the final playlist confirmed").containsExactly(dir);
  }

  /**
   * A recording the start ended ({@code ended_here}) or whose final playlist an earlier run never
   * got stored: its completion event goes to the webhook (a real HTTP receiver) once the playlist
   * is stored, with the bucket and key; before, none was ever sent for it.
   */
  @Test
  void aLeftRecordingsFinalPlaylistSendsItsCompletionOnceStored() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      Queue<JsonObject> received = new ConcurrentLinkedQueue<>();
      HttpServer hooks = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
        received.add(body.toJsonObject());
        req.response().setStatusCode(204).end();
      })).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
      RecordingEvents events = new RecordingEvents(new Webhook(vertx, 2, 16),
          "http://127.0.0.1:" + hooks.actualPort() + "/hook", Duration.ofSeconds(5), "n1");
      start(Map.of(), events);
      Path dir = root.resolve("live/a/20261206T200000Z");
      LeftRecording left = left(dir, true, true);
      Files.writeString(left.playlist(), "#EXTM3U\n#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-MAP:URI=\"init.mp4\"\n"
          + "#EXTINF:2.000,\nsegment-00001.m4s\n#EXTINF:2.000,\nsegment-00002.m4s\n#EXTINF:2.000,\nsegment-00003.m4s\n"
          + "#EXTINF:1.500,\nsegment-00004.m4s\n#EXT-X-ENDLIST\n");

      uploads.recordingLeft(left);
      runUploads();

      assertThat(stored).containsExactly(dir);
      Await.until(Duration.ofSeconds(10), "the completion at the webhook",
          () -> received.stream().anyMatch(e -> "recording_complete".equals(e.getString("action"))),
          received::toString);
      JsonObject complete = received.stream().filter(e -> "recording_complete".equals(e.getString("action")))
          .findFirst().orElseThrow();
      assertThat(complete.getString("streamKey")).isEqualTo("live/a");
      assertThat(complete.getString("recordingId")).isEqualTo("20261206T200000Z");
      assertThat(complete.getInteger("segments")).isEqualTo(4);
      assertThat(complete.getLong("durationMillis")).isEqualTo(7_500);
      assertThat(complete.getString("bucket")).isEqualTo("bucket");
      assertThat(complete.getString("key")).isEqualTo("live/a/20261206T200000Z/index.m3u8");
      assertThat(store.putKeys()).contains(complete.getString("key"));
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aLeftFileTheStoreRefusesForAWhileIsRetriedOnTheTimerAndTheRecordingThenStored() throws IOException {
    start(Map.of("recording.s3.maxConcurrentUploads", "1", "recording.s3.retry.attempts", "3",
        "recording.s3.retry.backoffMin", "1s", "recording.s3.retry.backoffMax", "4s"));
    store.failing("put", s3(503, "SlowDown"), s3(503, "SlowDown")); // the init segment, twice
    Path dir = root.resolve("live/a/20261206T200000Z");
    uploads.recordingLeft(left(dir, true, true));
    runUploads();

    assertThat(stored).as("the init segment waits for its retry").isEmpty();
    assertThat(uploads.backlog()).as("its slot is held while it retries: the rest waits").isEqualTo(5);
    for (int i = 0; i < 2; i++) {
      clock.advance(Duration.ofSeconds(4));
      runUploads();
    }
    assertThat(store.calls()).as("5 files and a playlist, 2 retries").hasSize(8);
    assertThat(stored).containsExactly(dir);
  }

  @Test
  void aSalvagedRecordingIsStoredOnceTheFilesTheKilledRunClosedAreUploadedAgain() throws IOException {
    start(Map.of());
    Path dir = root.resolve("live/a/20261206T200000Z");
    LeftRecording left = left(dir, false, true);
    Path salvaged = Files.move(dir.resolve("segment-00004.m4s"), dir.resolve("segment-00004-s.m4s"));
    uploads.segmentClosed(new RecordedSegment("live/a", left.recordingId(), dir, salvaged, dir.resolve("init.mp4"),
        dir.resolve("index.m3u8"), 4, 6000, 2000, 100, false, Instant.EPOCH));
    uploads.recordingEnded("live/a", left.recordingId(), dir, playlist(dir));
    runUploads();
    assertThat(stored).as("segments 1 to 3 may be on this disk only").isEmpty();

    List<Path> files = new ArrayList<>(left.files());
    files.set(4, salvaged);
    uploads.recordingLeft(new LeftRecording("live/a", left.recordingId(), dir, files, null, true));
    runUploads();

    String prefix = "live/a/20261206T200000Z/";
    assertThat(store.putKeys()).as("the salvage's three, then the three the killed run closed; none twice")
        .containsExactly(prefix + "init.mp4", prefix + "segment-00004-s.m4s", prefix + "index.m3u8",
            prefix + "segment-00001.m4s", prefix + "segment-00002.m4s", prefix + "segment-00003.m4s");
    assertThat(stored).containsExactly(dir);
  }

  @Test
  void aLeftRecordingWithoutAFinalPlaylistOrWithFilesLeftOutIsUploadedButKept() throws IOException {
    start(Map.of());
    Path open = root.resolve("live/a/20261206T200000Z");
    Path cut = root.resolve("live/a/20261206T210000Z");
    uploads.recordingLeft(left(open, false, true));
    uploads.recordingLeft(left(cut, true, false));
    runUploads();

    assertThat(store.putKeys()).as("five files of each, the playlist of the cut one").hasSize(11);
    assertThat(stored).as("neither is whole in the store").isEmpty();
  }

  @Test
  void aRecordingWithASalvagedSegmentStaysLocal() throws IOException {
    start(Map.of());
    Path dir = root.resolve("live/a/20261206T200000Z");
    RecordedSegment closed = segment(dir, 2);
    Path salvaged = Files.move(closed.file(), dir.resolve("segment-00002-s.m4s"));
    uploads.segmentClosed(new RecordedSegment(closed.streamKey(), closed.recordingId(), dir, salvaged,
        closed.initSegment(), closed.playlist(), 2, 2000, 2000, 100, false, Instant.EPOCH));
    uploads.recordingEnded("live/a", dir.getFileName().toString(), dir, playlist(dir));
    runUploads();

    assertThat(store.calls()).as("init, the salvaged segment, the playlist").hasSize(3);
    assertThat(stored).as("the killed run's closed segments may be on this disk only").isEmpty();
  }
}
