package io.cascade.recording.upload;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.cascade.config.CascadeConfig;
import io.cascade.metrics.CascadeMeter;
import io.cascade.metrics.NodeMetrics;
import io.cascade.testing.Await;
import io.micrometer.core.instrument.Counter;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.TransientApiMetadata;
import org.jclouds.blobstore.domain.Blob;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * The uploader against a real S3 API server, S3Proxy, running in this JVM over jclouds' in-memory
 * blob store, with the AWS SDK's real HTTP client on loopback: what arrives is read back from the
 * blob store itself, byte for byte.
 */
class S3UploadIT {
  private static final String BUCKET = "recordings";
  private static final String ACCESS_KEY = "cascade-test-access";
  private static final String SECRET_KEY = "cascade-test-secret-Zq81x";
  private static final long MIB = 1024 * 1024;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  private BlobStoreContext blobContext;
  private BlobStore blobs;
  private S3Proxy proxy;
  private int port;
  private NodeMetrics node;
  private RecordingUploader uploader;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger uploadLog = (Logger) LoggerFactory.getLogger("io.cascade.recording.upload");

  @BeforeEach
  void startS3Proxy() throws Exception {
    // By its metadata, not its name: a lookup by name would load every provider S3Proxy lists,
    // Azure's too, whose libraries are excluded.
    blobContext = ContextBuilder.newBuilder(new TransientApiMetadata()).credentials("local", "local")
        .build(BlobStoreContext.class);
    blobs = blobContext.getBlobStore();
    blobs.createContainerInLocation(null, BUCKET);
    proxy = startProxy(0);
    port = proxy.getPort();
    node = NodeMetrics.defaults("origin", "n1");
    logs.start();
    uploadLog.addAppender(logs);
  }

  @AfterEach
  void stop() throws Exception {
    uploadLog.detachAppender(logs);
    if (uploader != null) {
      uploader.close();
    }
    node.close();
    proxy.stop();
    blobContext.close();
  }

  @Test
  void smallFileIsOnePutAndArrivesByteIdenticalWithItsMetadata() throws Exception {
    List<String> putThreads = new CopyOnWriteArrayList<>();
    uploader = uploader(settings(Map.of()), SECRET_KEY, store -> new ForwardingStore(store) {
      @Override
      public String put(String key, Path file, String contentType, Map<String, String> metadata) {
        putThreads.add(Thread.currentThread().getName());
        return super.put(key, file, contentType, metadata);
      }
    });
    Path file = file("small.flv", 300 * 1024);

    UploadResult result = await(uploader.upload(new UploadRequest(file, "live/cam1/a.flv", "video/x-flv",
        Map.of("stream", "live/cam1", "started", "2026-12-06T03:51:00Z"), true)));

    assertThat(result.key()).isEqualTo("rec/live/cam1/a.flv");
    assertThat(result.parts()).isEqualTo(1);
    assertThat(result.bytes()).isEqualTo(300 * 1024);
    Blob blob = blobs.getBlob(BUCKET, "rec/live/cam1/a.flv");
    assertThat(blob).as("object in the blob store").isNotNull();
    assertThat(bytes(blob)).isEqualTo(expected(300 * 1024));
    assertThat(blob.getMetadata().getUserMetadata())
        .containsEntry("stream", "live/cam1").containsEntry("started", "2026-12-06T03:51:00Z");
    assertThat(blob.getMetadata().getContentMetadata().getContentType()).isEqualTo("video/x-flv");
    assertThat(blob.getMetadata().getETag()).doesNotContain("-");
    assertThat(result.localDeleted()).isTrue();
    assertThat(file).doesNotExist();
    assertThat(putThreads).as("the SDK's blocking call ran on an upload thread")
        .singleElement().asString().startsWith("cascade-s3-upload-");
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_FILES)).isEqualTo(1);
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_BYTES)).isEqualTo(300 * 1024);
    assertThat(node.registry().find(CascadeMeter.RECORDING_UPLOAD_LAG.meterName()).timer().count()).isEqualTo(1);
    // Every upload meter of the catalog (docs/METRICS.md) is exposed with its documented type.
    String scrape = node.scrape();
    for (CascadeMeter m : CascadeMeter.values()) {
      if (m.meterName().startsWith("cascade.recording.upload.")) {
        // The text format names a counter's family with or without _total, by version.
        String family = m.prometheusName().replaceAll("_total$", "");
        assertThat(scrape).containsPattern("(?m)^# TYPE " + family + "(_total)? " + m.type().prometheusType() + "$");
      }
    }
  }

  @Test
  void largeFileGoesInPartsAndArrivesByteIdentical() throws Exception {
    uploader = uploader(settings(Map.of()), SECRET_KEY);
    long size = 12 * MIB + 12345;
    Path file = file("large.mp4", size);

    UploadResult result = await(uploader.upload(new UploadRequest(file, "live/cam1/b.mp4", "video/mp4",
        Map.of("stream", "live/cam1"), false)));

    assertThat(result.parts()).as("5 MiB parts of 12 MiB").isEqualTo(3);
    Blob blob = blobs.getBlob(BUCKET, "rec/live/cam1/b.mp4");
    assertThat(bytes(blob)).isEqualTo(expected(size));
    assertThat(blob.getMetadata().getUserMetadata()).containsEntry("stream", "live/cam1");
    // S3's ETag of a multipart object: the hash of the parts' hashes, then "-" and the count.
    assertThat(unquote(blob.getMetadata().getETag())).endsWith("-3");
    assertThat(unquote(result.etag())).endsWith("-3");
    assertThat(file).as("kept: the request did not ask for deletion").exists();
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_BYTES)).isEqualTo(size);
  }

  /**
   * The store goes away after the first part of three and comes back a few failed attempts later
   * on the same port and blob store: the upload resumes at the part that failed and the object
   * arrives whole.
   */
  @Test
  void storeStoppedMidUploadAndRestartedGetsTheObjectWhole() throws Exception {
    AtomicBoolean stopped = new AtomicBoolean();
    uploader = uploader(settings(Map.of("recording.s3.retry.attempts", "30")), SECRET_KEY,
        store -> new ForwardingStore(store) {
          @Override
          public String uploadPart(String key, String uploadId, int part, Path file, long offset, long length) {
            String etag = super.uploadPart(key, uploadId, part, file, offset, length);
            if (part == 1 && stopped.compareAndSet(false, true)) {
              stopProxy();
            }
            return etag;
          }
        });
    long size = 12 * MIB;
    Path file = file("outage.mp4", size);

    CompletableFuture<UploadResult> upload = uploader.upload(
        new UploadRequest(file, "live/cam1/c.mp4", "video/mp4", Map.of(), true)).toCompletableFuture();
    Await.until(WAIT, "two retries against the stopped store",
        () -> count(CascadeMeter.RECORDING_UPLOAD_RETRIES) >= 2, this::state);
    assertThat(upload).as("still trying while the store is away").isNotDone();
    assertThat(file).exists();
    proxy = startProxy(port);
    UploadResult result = await(upload);

    assertThat(result.parts()).isEqualTo(3);
    assertThat(bytes(blobs.getBlob(BUCKET, "rec/live/cam1/c.mp4"))).isEqualTo(expected(size));
    assertThat(result.localDeleted()).isTrue();
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_BYTES)).as("each part counted once").isEqualTo(size);
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_FAILURES, "reason", "retries_exhausted")).isZero();
    // The kept-alive connection ends first, then connects are refused: all at the second part.
    assertThat(lines("event=recording.upload.retry"))
        .allSatisfy(line -> assertThat(line).contains("request=part_2_of_3"))
        .anySatisfy(line -> assertThat(line).contains("ConnectException: Connection refused"));
  }

  /** A wrong secret is refused with 403 once: no retry, a clear reason, and no secret in any log line. */
  @Test
  void wrongCredentialsFailAtOnceWithoutRetriesAndNoSecretInTheLogs() throws Exception {
    String wrongSecret = "wrong-secret-Hy7Qp2";
    uploader = uploader(settings(Map.of()), wrongSecret);
    Path file = file("denied.flv", 64 * 1024);

    UploadException failure = failure(uploader.upload(
        new UploadRequest(file, "live/cam1/d.flv", "video/x-flv", Map.of(), true)));

    assertThat(failure.reason()).isEqualTo(UploadFailure.ACCESS_DENIED);
    assertThat(failure.attempts()).isEqualTo(1);
    assertThat(failure.getMessage()).contains("access_denied", "403").doesNotContain(wrongSecret, SECRET_KEY);
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_FAILURES, "reason", "access_denied")).isEqualTo(1);
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_RETRIES)).isZero();
    assertThat(file).as("kept after a failed upload").exists();
    assertThat(blobs.blobExists(BUCKET, "rec/live/cam1/d.flv")).isFalse();
    List<String> failed = lines("event=recording.upload.failed");
    assertThat(failed).hasSize(1);
    assertThat(failed.get(0)).contains("reason=access_denied", "attempts=1");
    assertThat(lines("")).isNotEmpty().allSatisfy(line -> assertThat(line).doesNotContain(wrongSecret, SECRET_KEY));
  }

  @Test
  void missingBucketFailsAtOnceWithoutRetries() throws Exception {
    uploader = uploader(settings(Map.of("recording.s3.bucket", "no-such-bucket")), SECRET_KEY);
    Path file = file("nobucket.flv", 64 * 1024);

    UploadException failure = failure(uploader.upload(
        new UploadRequest(file, "live/cam1/e.flv", "video/x-flv", Map.of(), true)));

    assertThat(failure.reason()).isEqualTo(UploadFailure.NO_SUCH_BUCKET);
    // The 404 ends it. Usually at the first attempt; on a loaded machine a first request may meet a
    // transient error (retried), so the bound is "stopped at the 404", not "one attempt" (the unit
    // tests pin the classification exactly).
    assertThat(failure.attempts()).as("attempts, the last one the 404").isBetween(1, 2);
    assertThat(failure.getMessage()).contains("no_such_bucket", "404 NoSuchBucket", "s3://no-such-bucket/");
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_FAILURES, "reason", "no_such_bucket")).isEqualTo(1);
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_RETRIES)).as("retries before the 404").isEqualTo(failure.attempts() - 1);
    assertThat(file).exists();
  }

  /** One upload in progress, one queued: the next is refused at once, counted, and its file kept. */
  @Test
  void fullQueueRefusesAtOnceAndTheOthersStillArrive() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    uploader = uploader(settings(Map.of("recording.s3.maxConcurrentUploads", "1",
        "recording.s3.maxQueuedUploads", "1")), SECRET_KEY, store -> new ForwardingStore(store) {
          @Override
          public String put(String key, Path file, String contentType, Map<String, String> metadata) {
            try {
              assertThat(release.await(WAIT.toSeconds(), TimeUnit.SECONDS)).as("released").isTrue();
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return super.put(key, file, contentType, metadata);
          }
        });
    Path a = file("a.flv", 1000);
    Path b = file("b.flv", 2000);
    Path c = file("c.flv", 3000);

    CompletableFuture<UploadResult> first = uploader.upload(new UploadRequest(a, "a.flv", "video/x-flv", Map.of(), false))
        .toCompletableFuture();
    CompletableFuture<UploadResult> second = uploader.upload(new UploadRequest(b, "b.flv", "video/x-flv", Map.of(), false))
        .toCompletableFuture();
    UploadException refused = failure(uploader.upload(new UploadRequest(c, "c.flv", "video/x-flv", Map.of(), true)));

    assertThat(refused.reason()).isEqualTo(UploadFailure.QUEUE_FULL);
    assertThat(refused.attempts()).isZero();
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_FAILURES, "reason", "queue_full")).isEqualTo(1);
    assertThat(gauge(CascadeMeter.RECORDING_UPLOAD_QUEUED)).isEqualTo(1);
    assertThat(gauge(CascadeMeter.RECORDING_UPLOAD_ACTIVE)).isEqualTo(1);
    assertThat(c).exists();
    assertThat(lines("event=recording.upload.refused")).singleElement().asString().contains("reason=queue_full");
    release.countDown();
    assertThat(await(first).bytes()).isEqualTo(1000);
    assertThat(await(second).bytes()).isEqualTo(2000);
    assertThat(blobs.blobExists(BUCKET, "rec/c.flv")).isFalse();
    Await.until(WAIT, "queue and slots empty", () -> uploader.active() == 0 && uploader.queued() == 0);
  }

  @Test
  void aSmallObjectIsReadWholeAbsentAsEmptyAndOverItsBoundRefusedThenWrittenFromBytes() throws Exception {
    S3UploadSettings settings = settings(Map.of());
    try (S3ObjectStore store = S3ObjectStore.create(settings,
        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))) {
      byte[] text = "#EXTM3U\n#EXT-X-ENDLIST\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      assertThat(store.get("rec/live/cam1/x/index.m3u8", 1024)).as("no such key").isEmpty();

      store.put("rec/live/cam1/x/index.m3u8", text, "application/vnd.apple.mpegurl", Map.of("stream", "live/cam1"));

      assertThat(store.get("rec/live/cam1/x/index.m3u8", 1024)).hasValueSatisfying(b -> assertThat(b).isEqualTo(text));
      assertThat(store.get("rec/live/cam1/x/index.m3u8", text.length)).as("exactly at the bound").isPresent();
      assertThatThrownBy(() -> store.get("rec/live/cam1/x/index.m3u8", text.length - 1))
          .isInstanceOf(ObjectStore.TooLarge.class).hasMessageContaining("over the bound of " + (text.length - 1));
      Blob blob = blobs.getBlob(BUCKET, "rec/live/cam1/x/index.m3u8");
      assertThat(blob.getMetadata().getContentMetadata().getContentType()).isEqualTo("application/vnd.apple.mpegurl");
      assertThat(blob.getMetadata().getUserMetadata()).containsEntry("stream", "live/cam1");
    }
  }

  private S3UploadSettings settings(Map<String, Object> overrides) {
    Map<String, Object> values = new HashMap<>(Map.of(
        "recording.s3.enabled", "true",
        "recording.s3.endpoint", "http://127.0.0.1:" + port,
        "recording.s3.bucket", BUCKET,
        "recording.s3.prefix", "rec/",
        "recording.s3.pathStyle", "true",
        "recording.s3.multipartThreshold", "5MiB",
        "recording.s3.partSize", "5MiB",
        "recording.s3.retry.backoffMin", "100ms",
        "recording.s3.retry.backoffMax", "500ms",
        "recording.s3.attemptTimeout", "30s"));
    values.putAll(overrides);
    return S3UploadSettings.from(CascadeConfig.with(values));
  }

  private RecordingUploader uploader(S3UploadSettings settings, String secret) {
    return uploader(settings, secret, store -> store);
  }

  private RecordingUploader uploader(S3UploadSettings settings, String secret, Function<ObjectStore, ObjectStore> wrap) {
    S3ObjectStore store = S3ObjectStore.create(settings,
        StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, secret)));
    return RecordingUploader.create(settings, wrap.apply(store), node);
  }

  private S3Proxy startProxy(int onPort) throws Exception {
    S3Proxy p = S3Proxy.builder().blobStore(blobs).endpoint(URI.create("http://127.0.0.1:" + onPort))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
    p.start();
    Await.until(WAIT, "S3Proxy started", () -> p.getState().equals("STARTED"));
    return p;
  }

  private Path file(String name, long size) throws IOException {
    Path file = dir.resolve(name);
    Files.write(file, expected(size));
    return file;
  }

  private static byte[] expected(long size) {
    byte[] data = new byte[(int) size];
    new Random(size).nextBytes(data);
    return data;
  }

  private static byte[] bytes(Blob blob) throws IOException {
    try (InputStream in = blob.getPayload().openStream()) {
      return in.readAllBytes();
    }
  }

  private static String unquote(String etag) {
    return etag.replace("\"", "");
  }

  private double count(CascadeMeter meter, String... tags) {
    Counter c = node.registry().find(meter.meterName()).tags(tags).counter();
    return c == null ? 0 : c.count();
  }

  private void stopProxy() {
    try {
      proxy.stop();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private String state() {
    return "retries=" + count(CascadeMeter.RECORDING_UPLOAD_RETRIES) + " logs=" + lines("");
  }

  private List<String> lines(String prefix) {
    synchronized (logs) {
      return logs.list.stream().map(ILoggingEvent::getFormattedMessage).filter(m -> m.startsWith(prefix)).toList();
    }
  }

  private double gauge(CascadeMeter meter) {
    return node.registry().find(meter.meterName()).gauge().value();
  }

  private static UploadException failure(CompletionStage<UploadResult> stage) {
    Throwable[] caught = new Throwable[1];
    assertThatThrownBy(() -> await(stage)).isInstanceOf(ExecutionException.class)
        .satisfies(e -> caught[0] = e.getCause());
    assertThat(caught[0]).isInstanceOf(UploadException.class);
    return (UploadException) caught[0];
  }

  private static UploadResult await(CompletionStage<UploadResult> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }
}
