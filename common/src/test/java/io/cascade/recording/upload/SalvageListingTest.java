package io.cascade.recording.upload;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.CascadeConfig;
import io.cascade.metrics.NodeMetrics;
import io.cascade.recording.FinalPlaylistMerge.Result;
import io.cascade.recording.FinalPlaylistMerge.Status;
import io.cascade.recording.RecordedSegment;
import io.cascade.recording.handover.HandoverState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * A salvaged segment of a recording another origin ended first is listed in the final playlist in
 * the store: only after the segment is stored, waiting (virtual time, the uploader's retry bounds)
 * for the playlist to be there and final, giving up with the reason otherwise.
 */
class SalvageListingTest {
  private static final String ID = "20261206T040000Z";
  private static final String PLAYLIST_KEY = "vod/live/a/" + ID + "/index.m3u8";
  private static final String FINAL = """
      #EXTM3U
      #EXT-X-VERSION:7
      #EXT-X-TARGETDURATION:4
      #EXT-X-MEDIA-SEQUENCE:0
      #EXT-X-PLAYLIST-TYPE:VOD
      #EXT-X-INDEPENDENT-SEGMENTS
      #EXT-X-MAP:URI="init.mp4"
      #EXTINF:4.000,
      segment-00001.m4s
      #EXTINF:4.000,
      segment-00002.m4s
      #EXT-X-DISCONTINUITY
      #EXT-X-MAP:URI="init-3-1.mp4"
      #EXTINF:4.000,
      segment-00003.m4s
      #EXT-X-ENDLIST
      """;
  private static final HandoverState.Segment ENTRY =
      new HandoverState.Segment("segment-00003-s.m4s", 1_967, false, "init.mp4", 0);

  @TempDir
  Path root;

  private final ScriptedStore store = new ScriptedStore();
  private final VirtualUploadScheduler clock = new VirtualUploadScheduler();
  private final Deque<Runnable> threads = new ArrayDeque<>();
  private final NodeMetrics node = NodeMetrics.defaults("origin", "n1");
  private RecordingUploader uploader;
  private RecordingUploads uploads;

  @AfterEach
  void close() {
    uploader.close();
    node.close();
  }

  private void start(String attempts) {
    Map<String, Object> values = new HashMap<>(Map.of("recording.s3.enabled", "true", "recording.s3.bucket", "bucket",
        "recording.s3.prefix", "vod/", "recording.s3.maxConcurrentUploads", "1", "recording.s3.retry.attempts", attempts,
        "recording.s3.retry.backoffMin", "1s", "recording.s3.retry.backoffMax", "8s"));
    Executor manual = threads::add;
    uploader = new RecordingUploader(S3UploadSettings.from(CascadeConfig.with(values)), store, manual, clock,
        () -> 1.0, node, List.of());
    uploads = new RecordingUploads(uploader, null, dir -> { });
  }

  private void runUploads() {
    for (Runnable next; (next = threads.poll()) != null; ) {
      next.run();
    }
  }

  /** The salvage's calls: the segment closed, then the listing asked for. */
  private CompletableFuture<Result> salvage() throws IOException {
    Path dir = Files.createDirectories(root.resolve("live/a/" + ID));
    Path init = Files.write(dir.resolve("init.mp4"), new byte[10]);
    Path file = Files.write(dir.resolve(ENTRY.file()), new byte[100]);
    RecordedSegment segment = new RecordedSegment("live/a", ID, dir, file, init, dir.resolve("index.m3u8"), 3, 8_000,
        1_967, 100, false, Instant.EPOCH);
    uploads.segmentClosed(segment);
    return uploads.salvagedAfterEnd(segment, ENTRY).toCompletableFuture();
  }

  @Test
  void itWaitsForTheFinalPlaylistThenStoresItWithTheSegmentListed() throws IOException {
    start("5");
    CompletableFuture<Result> listing = salvage();
    runUploads();
    assertThat(store.calls()).as("init, segment, then the first read: no playlist yet").containsExactly("put", "put",
        "get");

    store.holding(PLAYLIST_KEY, FINAL.replace("VOD", "EVENT").replace("#EXT-X-ENDLIST\n", ""));
    clock.advance(Duration.ofSeconds(1));
    runUploads();
    assertThat(store.calls()).as("read again after 1 s: not final").endsWith("get", "get");
    assertThat(listing).isNotDone();
    assertThat(uploader.active()).as("it holds its slot while it waits, like an upload").isEqualTo(1);

    store.holding(PLAYLIST_KEY, FINAL);
    clock.advance(Duration.ofSeconds(2));
    runUploads();

    assertThat(listing).isCompleted();
    Result r = listing.join();
    assertThat(r.status()).isEqualTo(Status.MERGED);
    assertThat(r.reason()).contains("entry 3 of 4", "3 of at most 5 reads");
    assertThat(store.calls()).endsWith("get", "get", "get", "put");
    assertThat(store.object(PLAYLIST_KEY)).containsSubsequence("segment-00002.m4s", "#EXTINF:1.967,",
        "segment-00003-s.m4s", "#EXT-X-DISCONTINUITY", "segment-00003.m4s", "#EXT-X-ENDLIST");
    assertThat(uploader.active()).isZero();
  }

  @Test
  void aPlaylistThatListsItAlreadyIsNotWrittenAgain() throws IOException {
    start("5");
    store.holding(PLAYLIST_KEY, FINAL.replace("segment-00002.m4s\n", "segment-00002.m4s\n#EXTINF:1.967,\n"
        + ENTRY.file() + "\n"));
    CompletableFuture<Result> listing = salvage();
    runUploads();

    assertThat(listing.join().status()).isEqualTo(Status.LISTED_ALREADY);
    assertThat(store.calls()).containsExactly("put", "put", "get");
  }

  @Test
  void itGivesUpWhenThePlaylistIsNotFinalByTheLastAttempt() throws IOException {
    start("3");
    store.holding(PLAYLIST_KEY, FINAL.replace("#EXT-X-ENDLIST\n", ""));
    CompletableFuture<Result> listing = salvage();
    runUploads();
    clock.advance(Duration.ofMinutes(1));
    runUploads();
    clock.advance(Duration.ofMinutes(1));
    runUploads();

    Result r = listing.join();
    assertThat(r.status()).isEqualTo(Status.NOT_FINAL);
    assertThat(r.reason()).contains("no #EXT-X-ENDLIST", "3 of at most 3 reads");
    assertThat(store.calls()).as("three reads, nothing written").containsExactly("put", "put", "get", "get", "get");
    assertThat(clock.pending()).isZero();
  }

  @Test
  void anUnreadablePlaylistIsLeftAsItIsAtOnce() throws IOException {
    start("5");
    store.holding(PLAYLIST_KEY, "#EXTM3U\nsegment-00001.m4s\n#EXT-X-ENDLIST\n");
    CompletableFuture<Result> listing = salvage();
    runUploads();

    Result r = listing.join();
    assertThat(r.status()).isEqualTo(Status.UNREADABLE);
    assertThat(r.reason()).contains("segment-00001.m4s without EXT-X-MAP or EXTINF");
    assertThat(store.calls()).containsExactly("put", "put", "get");
    assertThat(store.object(PLAYLIST_KEY)).as("untouched").startsWith("#EXTM3U\nsegment-00001.m4s");
  }

  @Test
  void aPlaylistOverTheBoundIsNotRead() throws IOException {
    start("5");
    store.holding(PLAYLIST_KEY, FINAL + "#".repeat(SalvageListing.MAX_PLAYLIST_BYTES));
    CompletableFuture<Result> listing = salvage();
    runUploads();

    Result r = listing.join();
    assertThat(r.status()).isEqualTo(Status.UNREADABLE);
    assertThat(r.reason()).contains("over the bound of " + SalvageListing.MAX_PLAYLIST_BYTES);
  }

  @Test
  void storeErrorsWorthAnotherAttemptAreRetried() throws IOException {
    start("5");
    store.holding(PLAYLIST_KEY, FINAL).failing("get", s3(503, "SlowDown")).failing("put", s3(500, "InternalError"));
    CompletableFuture<Result> listing = salvage();
    runUploads();
    clock.advance(Duration.ofSeconds(1));
    runUploads();
    assertThat(store.calls()).as("the init segment's PUT retried, the segment's, then a read that failed")
        .containsExactly("put", "put", "put", "get");
    clock.advance(Duration.ofSeconds(1));
    runUploads();

    assertThat(listing.join().status()).isEqualTo(Status.MERGED);
    assertThat(store.calls()).endsWith("get", "get", "put");
  }

  @Test
  void aRefusedReadEndsIt() throws IOException {
    start("5");
    store.holding(PLAYLIST_KEY, FINAL).failing("get", s3(403, "AccessDenied"));
    CompletableFuture<Result> listing = salvage();
    runUploads();

    Result r = listing.join();
    assertThat(r.status()).isEqualTo(Status.NOT_STORED);
    assertThat(r.reason()).contains("reading it failed: access_denied (403 AccessDenied)");
    assertThat(store.calls()).containsExactly("put", "put", "get");
  }

  @Test
  void aSegmentTheStoreDidNotTakeIsNotListed() throws IOException {
    start("1");
    store.holding(PLAYLIST_KEY, FINAL).failing("put", s3(403, "AccessDenied"), s3(403, "AccessDenied"));
    CompletableFuture<Result> listing = salvage();
    runUploads();

    Result r = listing.join();
    assertThat(r.status()).isEqualTo(Status.NOT_STORED);
    assertThat(r.reason()).isEqualTo("the segment itself was not stored: access_denied");
    assertThat(store.calls()).as("no read").containsExactly("put", "put");
    assertThat(store.object(PLAYLIST_KEY)).isEqualTo(FINAL);
  }

  private static RuntimeException s3(int status, String code) {
    return S3Exception.builder().statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("scripted").build()).build();
  }
}
