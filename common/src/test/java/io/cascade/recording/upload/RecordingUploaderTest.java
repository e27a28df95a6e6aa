package io.cascade.recording.upload;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.CascadeConfig;
import io.cascade.metrics.CascadeMeter;
import io.cascade.metrics.NodeMetrics;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.ConnectException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * The uploader's queue, retries and refusals against a scripted store, in virtual time: upload
 * threads are a queue the test runs, timers run when the test moves the clock.
 */
class RecordingUploaderTest {
  private static final long MIB = 1024 * 1024;

  @TempDir
  Path dir;

  private final ScriptedStore store = new ScriptedStore();
  private final VirtualUploadScheduler clock = new VirtualUploadScheduler();
  private final ManualExecutor threads = new ManualExecutor();
  private final NodeMetrics node = NodeMetrics.defaults("origin", "n1");
  private RecordingUploader uploader;

  @AfterEach
  void close() {
    if (uploader != null) {
      uploader.close();
    }
    node.close();
  }

  /** Upload threads the test runs by hand: nothing runs on the thread that called upload(). */
  private static final class ManualExecutor implements Executor {
    private final Deque<Runnable> tasks = new ArrayDeque<>();

    @Override
    public synchronized void execute(Runnable task) {
      tasks.add(task);
    }

    void runAll() {
      while (true) {
        Runnable next;
        synchronized (this) {
          next = tasks.poll();
        }
        if (next == null) {
          return;
        }
        next.run();
      }
    }

    synchronized int queued() {
      return tasks.size();
    }
  }

  @Test
  void retryableFailuresWaitExponentiallyGrowingDelaysOnTheTimerThenSucceed() throws Exception {
    // Jitter at its top: the delays are the bases, 1 s, 2 s, 4 s.
    uploader = uploader(Map.of("recording.s3.retry.backoffMin", "1s", "recording.s3.retry.backoffMax", "4s"), 1.0);
    store.failing("put", unreachable(), unavailable(), unreachable());
    Path file = file("a.flv", 1000);

    CompletableFuture<UploadResult> result = upload(file, true);
    assertThat(store.calls()).as("nothing on the caller's thread").isEmpty();
    threads.runAll();
    assertThat(store.calls()).containsExactly("put");
    assertThat(threads.queued()).as("the thread is free while the retry waits").isZero();

    clock.advance(Duration.ofMillis(999));
    threads.runAll();
    assertThat(store.calls()).hasSize(1);
    clock.advance(Duration.ofMillis(1));
    threads.runAll();
    assertThat(store.calls()).hasSize(2);
    clock.advance(Duration.ofMillis(1999));
    threads.runAll();
    assertThat(store.calls()).hasSize(2);
    clock.advance(Duration.ofMillis(1));
    threads.runAll();
    assertThat(store.calls()).hasSize(3);
    clock.advance(Duration.ofSeconds(4));
    threads.runAll();

    assertThat(store.calls()).containsExactly("put", "put", "put", "put");
    UploadResult stored = done(result);
    assertThat(stored.lag()).isEqualTo(Duration.ofSeconds(7));
    assertThat(stored.localDeleted()).isTrue();
    assertThat(file).doesNotExist();
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_RETRIES)).isEqualTo(3);
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_FILES)).isEqualTo(1);
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_BYTES)).isEqualTo(1000);
  }

  @Test
  void retriesAreBoundedAndTheFileStays() throws Exception {
    uploader = uploader(Map.of("recording.s3.retry.attempts", "3", "recording.s3.retry.backoffMin", "1s",
        "recording.s3.retry.backoffMax", "1s"), 1.0);
    store.failing("put", unavailable(), unavailable(), unavailable(), unavailable());
    Path file = file("a.flv", 1000);

    CompletableFuture<UploadResult> result = upload(file, true);
    threads.runAll();
    for (int i = 0; i < 5; i++) {
      clock.advance(Duration.ofSeconds(1));
      threads.runAll();
    }

    UploadException failure = failure(result);
    assertThat(failure.reason()).isEqualTo(UploadFailure.RETRIES_EXHAUSTED);
    assertThat(failure.attempts()).isEqualTo(3);
    assertThat(failure.getMessage()).contains("503 ServiceUnavailable", "attempt 3 of 3", "the file stays local");
    assertThat(store.calls()).containsExactly("put", "put", "put");
    assertThat(clock.pending()).isZero();
    assertThat(file).exists();
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_FAILURES, "reason", "retries_exhausted")).isEqualTo(1);
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_FILES)).isZero();
  }

  @Test
  void refusalsAreNotRetried() throws Exception {
    uploader = uploader(Map.of(), 1.0);
    Map<UploadFailure, RuntimeException> refusals = Map.of(
        UploadFailure.ACCESS_DENIED, s3(403, "SignatureDoesNotMatch"),
        UploadFailure.NO_SUCH_BUCKET, s3(404, "NoSuchBucket"),
        UploadFailure.REJECTED, s3(400, "InvalidArgument"));
    for (Map.Entry<UploadFailure, RuntimeException> refusal : refusals.entrySet()) {
      ScriptedStore once = new ScriptedStore().failing("put", refusal.getValue());
      try (NodeMetrics other = NodeMetrics.defaults("origin", "n2");
          RecordingUploader u = new RecordingUploader(settings(Map.of()), once, threads, clock, () -> 1.0, other,
              List.of())) {
        CompletableFuture<UploadResult> result = u.upload(request(file("r.flv", 10), true)).toCompletableFuture();
        threads.runAll();
        clock.advance(Duration.ofHours(1));
        threads.runAll();

        UploadException failure = failure(result);
        assertThat(failure.reason()).as(refusal.getKey().tag()).isEqualTo(refusal.getKey());
        assertThat(failure.attempts()).isEqualTo(1);
        assertThat(once.calls()).containsExactly("put");
      }
    }
  }

  /**
   * A store that refuses a PUT and closes before the body is read looks like a cut connection: a
   * request without a body (a multipart create) asks it, and its refusal ends the upload at once.
   */
  @Test
  void aPutCutWhileSendingIsAskedAgainWithoutABodyAndItsRefusalIsFinal() throws Exception {
    uploader = uploader(Map.of(), 1.0);
    store.failing("put", cut()).failing("create", s3(403, "SignatureDoesNotMatch"));
    Path file = file("a.flv", 1000);

    CompletableFuture<UploadResult> result = upload(file, true);
    threads.runAll();
    clock.advance(Duration.ofHours(1));
    threads.runAll();

    UploadException failure = failure(result);
    assertThat(failure.reason()).isEqualTo(UploadFailure.ACCESS_DENIED);
    assertThat(failure.attempts()).isEqualTo(1);
    assertThat(failure.getMessage()).contains("403 SignatureDoesNotMatch");
    assertThat(store.calls()).containsExactly("put", "create");
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_RETRIES)).isZero();
    assertThat(file).exists();
  }

  /** The bodiless request is accepted: its upload is aborted and the PUT is retried as any cut connection. */
  @Test
  void aPutCutWhileSendingIsRetriedWhenTheStoreAcceptsTheBodilessRequest() throws Exception {
    uploader = uploader(Map.of("recording.s3.retry.backoffMin", "1s", "recording.s3.retry.backoffMax", "1s"), 1.0);
    store.failing("put", cut());
    Path file = file("a.flv", 1000);

    CompletableFuture<UploadResult> result = upload(file, true);
    threads.runAll();
    clock.advance(Duration.ofSeconds(1));
    threads.runAll();

    assertThat(done(result).parts()).isEqualTo(1);
    assertThat(store.calls()).containsExactly("put", "create", "abort", "put");
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_RETRIES)).isEqualTo(1);
  }

  /** A store that cannot be reached is not asked: the retry follows the backoff. */
  @Test
  void aRefusedConnectionIsRetriedWithoutAsking() throws Exception {
    uploader = uploader(Map.of("recording.s3.retry.backoffMin", "1s", "recording.s3.retry.backoffMax", "1s"), 1.0);
    store.failing("put", unreachable());
    CompletableFuture<UploadResult> result = upload(file("a.flv", 1000), true);
    threads.runAll();
    clock.advance(Duration.ofSeconds(1));
    threads.runAll();

    assertThat(done(result).parts()).isEqualTo(1);
    assertThat(store.calls()).containsExactly("put", "put");
  }

  @Test
  void multipartResumesAtThePartThatFailedAndSendsEachConfirmedPartOnce() throws Exception {
    uploader = uploader(Map.of("recording.s3.multipartThreshold", "5MiB", "recording.s3.partSize", "5MiB"), 0.0);
    store.failing("part2", unreachable(), s3(500, "InternalError"));
    Path file = sparse("big.mp4", 11 * MIB);

    CompletableFuture<UploadResult> result = upload(file, false);
    threads.runAll();
    for (int i = 0; i < 10; i++) {
      clock.advance(Duration.ofMinutes(1));
      threads.runAll();
    }

    UploadResult stored = done(result);
    assertThat(store.calls()).containsExactly("create", "part1", "part2", "part2", "part2", "part3", "complete");
    assertThat(stored.parts()).isEqualTo(3);
    assertThat(stored.etag()).isEqualTo("\"etag-multipart-3\"");
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_BYTES)).isEqualTo(11 * MIB);
    assertThat(file).as("kept: not asked to delete").exists();
  }

  @Test
  void aRefusedPartAbortsTheMultipartUpload() throws Exception {
    uploader = uploader(Map.of("recording.s3.multipartThreshold", "5MiB", "recording.s3.partSize", "5MiB"), 1.0);
    store.failing("part2", s3(403, "AccessDenied"));
    Path file = sparse("big.mp4", 11 * MIB);

    CompletableFuture<UploadResult> result = upload(file, true);
    threads.runAll();

    assertThat(failure(result).reason()).isEqualTo(UploadFailure.ACCESS_DENIED);
    assertThat(store.calls()).containsExactly("create", "part1", "part2", "abort");
    assertThat(file).exists();
  }

  @Test
  void aFullQueueRefusesAtOnceAndQueuedFilesStartAsSlotsFree() throws Exception {
    uploader = uploader(Map.of("recording.s3.maxConcurrentUploads", "1", "recording.s3.maxQueuedUploads", "2"), 1.0);
    CompletableFuture<UploadResult> a = upload(file("a.flv", 1), true);
    CompletableFuture<UploadResult> b = upload(file("b.flv", 2), true);
    CompletableFuture<UploadResult> c = upload(file("c.flv", 3), true);
    Path dFile = file("d.flv", 4);
    CompletableFuture<UploadResult> d = upload(dFile, true);

    assertThat(failure(d).reason()).isEqualTo(UploadFailure.QUEUE_FULL);
    assertThat(failure(d).attempts()).isZero();
    assertThat(dFile).exists();
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_FAILURES, "reason", "queue_full")).isEqualTo(1);
    assertThat(gauge(CascadeMeter.RECORDING_UPLOAD_ACTIVE)).isEqualTo(1);
    assertThat(gauge(CascadeMeter.RECORDING_UPLOAD_QUEUED)).isEqualTo(2);
    assertThat(threads.queued()).as("one request at a time for one slot").isEqualTo(1);

    threads.runAll();

    assertThat(List.of(done(a).bytes(), done(b).bytes(), done(c).bytes())).containsExactly(1L, 2L, 3L);
    assertThat(gauge(CascadeMeter.RECORDING_UPLOAD_QUEUED)).isZero();
    assertThat(gauge(CascadeMeter.RECORDING_UPLOAD_ACTIVE)).isZero();
  }

  @Test
  void aFileGoneBeforeItsTurnFailsAsLocalFile() throws Exception {
    uploader = uploader(Map.of(), 1.0);
    Path file = dir.resolve("missing.flv");

    CompletableFuture<UploadResult> result = upload(file, true);
    threads.runAll();

    assertThat(failure(result).reason()).isEqualTo(UploadFailure.LOCAL_FILE);
    assertThat(store.calls()).isEmpty();
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_FAILURES, "reason", "local_file")).isEqualTo(1);
  }

  @Test
  void closingFailsQueuedAndWaitingUploadsAndKeepsTheirFiles() throws Exception {
    uploader = uploader(Map.of("recording.s3.maxConcurrentUploads", "1"), 1.0);
    store.failing("put", unreachable());
    Path a = file("a.flv", 1);
    Path b = file("b.flv", 2);
    CompletableFuture<UploadResult> waiting = upload(a, true);
    CompletableFuture<UploadResult> queued = upload(b, true);
    threads.runAll();
    assertThat(clock.pending()).as("a retry is waiting").isEqualTo(1);

    uploader.close();
    clock.advance(Duration.ofHours(1));
    threads.runAll();

    assertThat(failure(waiting).reason()).isEqualTo(UploadFailure.CLOSED);
    assertThat(failure(queued).reason()).isEqualTo(UploadFailure.CLOSED);
    assertThat(store.calls()).containsExactly("put");
    assertThat(a).exists();
    assertThat(b).exists();
    assertThat(failure(upload(a, true)).reason()).isEqualTo(UploadFailure.CLOSED);
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_FAILURES, "reason", "closed")).isEqualTo(3);
  }

  @Test
  void everyFailureReasonIsRegisteredBeforeTheFirstFailure() {
    uploader = uploader(Map.of(), 1.0);
    for (UploadFailure reason : UploadFailure.values()) {
      assertThat(node.registry().find(CascadeMeter.RECORDING_UPLOAD_FAILURES.meterName())
          .tags("reason", reason.tag()).counter()).as(reason.tag()).isNotNull();
    }
  }

  @Test
  void partsGrowWhenTenThousandWouldNotHoldTheFile() {
    S3UploadSettings s = settings(Map.of("recording.s3.partSize", "5MiB"));
    assertThat(s.partSizeFor(100 * MIB)).isEqualTo(5 * MIB);
    long huge = 10_000 * 5 * MIB + 1;
    long part = s.partSizeFor(huge);
    assertThat(part).isGreaterThan(5 * MIB);
    assertThat((huge + part - 1) / part).isLessThanOrEqualTo(S3UploadSettings.MAX_PARTS);
  }

  private RecordingUploader uploader(Map<String, Object> overrides, double random) {
    return new RecordingUploader(settings(overrides), store, threads, clock, () -> random, node, List.of());
  }

  private static S3UploadSettings settings(Map<String, Object> overrides) {
    Map<String, Object> values = new HashMap<>(Map.of("recording.s3.enabled", "true", "recording.s3.bucket", "bucket"));
    values.putAll(overrides);
    return S3UploadSettings.from(CascadeConfig.with(values));
  }

  private CompletableFuture<UploadResult> upload(Path file, boolean delete) {
    return uploader.upload(request(file, delete)).toCompletableFuture();
  }

  private static UploadRequest request(Path file, boolean delete) {
    return new UploadRequest(file, "live/" + file.getFileName(), "video/mp4", Map.of(), delete);
  }

  private Path file(String name, int size) throws IOException {
    return Files.write(dir.resolve(name), new byte[size]);
  }

  private Path sparse(String name, long size) throws IOException {
    Path file = dir.resolve(name);
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(size);
    }
    return file;
  }

  /** The stored object; never waits: the upload must have completed already. */
  private static UploadResult done(CompletableFuture<UploadResult> result) {
    assertThat(result).isCompleted();
    return result.join();
  }

  private static UploadException failure(CompletableFuture<UploadResult> result) {
    assertThat(result).isCompletedExceptionally();
    try {
      result.join();
      throw new AssertionError("completed normally");
    } catch (CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(UploadException.class);
      return (UploadException) e.getCause();
    }
  }

  private static RuntimeException unreachable() {
    return SdkClientException.create("Unable to execute HTTP request: Connection refused",
        new ConnectException("Connection refused"));
  }

  /** What the JDK's HTTP client reports when the store closed the connection during the body. */
  private static RuntimeException cut() {
    return SdkClientException.create("Unable to execute HTTP request: Error writing request body to server",
        new java.io.IOException("Error writing request body to server"));
  }

  private static RuntimeException unavailable() {
    return s3(503, "ServiceUnavailable");
  }

  private static RuntimeException s3(int status, String code) {
    return S3Exception.builder().statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).errorMessage("scripted").build()).build();
  }

  private double count(CascadeMeter meter, String... tags) {
    Counter c = node.registry().find(meter.meterName()).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  private double gauge(CascadeMeter meter) {
    return node.registry().find(meter.meterName()).gauge().value();
  }
}
