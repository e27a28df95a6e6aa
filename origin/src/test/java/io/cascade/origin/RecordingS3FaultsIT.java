package io.cascade.origin;

import static io.cascade.testing.PlaybackAssertions.assertUndisturbedPlayback;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.ConfigLoader;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.Playback;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.blobstore.TransientApiMetadata;
import org.jclouds.blobstore.domain.MultipartPart;
import org.jclouds.blobstore.domain.MultipartUpload;
import org.jclouds.blobstore.domain.StorageMetadata;
import org.jclouds.blobstore.options.ListContainerOptions;
import org.jclouds.blobstore.util.ForwardingBlobStore;
import org.jclouds.io.Payload;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recording uploads against an object store that fails, on an in-process origin while ffmpeg
 * publishes and an RTMP player plays the same stream; the store is S3Proxy, a real S3 API server in
 * this JVM over jclouds' in-memory blob store. Stopped in the middle of a multipart upload and
 * started again on the same port and store, it gets every file of the recording byte for byte, the
 * interrupted part sent again after bounded, backed-off retries, while the local copies stay. A
 * missing bucket and a wrong secret key fail each file at once, logged with the status and code
 * (never the secret) and counted by reason in /metrics, without a retry storm, the files kept on
 * disk. The player is never disturbed.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RecordingS3FaultsIT {
  private static final Logger log = LoggerFactory.getLogger(RecordingS3FaultsIT.class);
  private static final String BUCKET = "recordings";
  private static final String ACCESS_KEY = "cascade-faults-access";
  private static final String SECRET_KEY = "cascade-faults-secret-Kq4Zt9";
  private static final String WRONG_SECRET = "not-the-secret-Vb8Lm3";
  private static final PublishProfile PROFILE = PublishProfile.H264_AAC;
  private static final Duration LIMIT = Duration.ofSeconds(30);
  private static final Duration PLAY = Duration.ofSeconds(8);
  /** The node's byte quota in the refusal cases: smaller than what they record. */
  private static final String QUOTA = "1MiB";
  /** What the recorder leaves in a recording's directory once the store holds all of it. */
  private static final String STORED_MARKER = ".stored";
  private static final int RETRY_ATTEMPTS = 12;

  private Ffmpeg ffmpeg;
  private LogCapture logs;
  private BlobStoreContext context;
  private BlobStore blobs;
  private OutageStore store;
  private S3Proxy proxy;
  private int port;
  private OriginNode origin;
  private Path recordings;

  @BeforeEach
  void startStore() throws Exception {
    ffmpeg = Ffmpeg.locate();
    logs = LogCapture.attach();
    context = ContextBuilder.newBuilder(new TransientApiMetadata()).credentials("local", "local")
        .build(BlobStoreContext.class);
    blobs = context.getBlobStore();
    blobs.createContainerInLocation(null, BUCKET);
    store = new OutageStore(blobs);
    proxy = startProxy(0);
    port = proxy.getPort();
    System.setProperty("aws.accessKeyId", ACCESS_KEY);
  }

  @AfterEach
  void stopAll() throws Exception {
    try {
      InProcessOrigin.stop(origin);
      if (proxy != null) {
        proxy.stop();
      }
      context.close();
    } finally {
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
      logs.detach();
    }
  }

  /**
   * Holds the second part of the first multipart upload until the test stops the server, then fails
   * it: the server goes away with that part in flight and the first one stored.
   */
  private static final class OutageStore extends ForwardingBlobStore {
    final CountDownLatch secondPartArrived = new CountDownLatch(1);
    final AtomicBoolean stopping = new AtomicBoolean();
    final AtomicBoolean held = new AtomicBoolean();

    OutageStore(BlobStore delegate) {
      super(delegate);
    }

    @Override
    public MultipartPart uploadMultipartPart(MultipartUpload mpu, int partNumber, Payload payload) {
      if (partNumber == 2 && held.compareAndSet(false, true)) {
        secondPartArrived.countDown();
        Await.until(LIMIT, "the test stops the server", stopping::get);
        throw new IllegalStateException("server stopping");
      }
      return super.uploadMultipartPart(mpu, partNumber, payload);
    }
  }

  private S3Proxy startProxy(int onPort) throws Exception {
    S3Proxy p = S3Proxy.builder().blobStore(store).endpoint(URI.create("http://127.0.0.1:" + onPort))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY).build();
    p.start();
    Await.until(LIMIT, "S3Proxy started", () -> p.getState().equals("STARTED"));
    return p;
  }

  private void startOrigin(Vertx vertx, Path dir, String segment, Map<String, Object> extra) throws Exception {
    recordings = dir.resolve("recordings");
    Map<String, Object> settings = new HashMap<>(Map.ofEntries(
        Map.entry("rtmp.host", "127.0.0.1"), Map.entry("rtmp.port", 0),
        Map.entry("http.host", "127.0.0.1"), Map.entry("http.port", 0),
        Map.entry("live.republishWaitTimeout", "1s"),
        Map.entry("recording.rules", "up/*;segment=" + segment),
        Map.entry("recording.root", recordings.toString()),
        Map.entry("recording.s3.enabled", "true"),
        Map.entry("recording.s3.endpoint", "http://127.0.0.1:" + port),
        Map.entry("recording.s3.bucket", BUCKET),
        Map.entry("recording.s3.prefix", "vod/"),
        Map.entry("recording.s3.pathStyle", "true"),
        Map.entry("recording.s3.multipartThreshold", "5MiB"),
        Map.entry("recording.s3.partSize", "5MiB"),
        Map.entry("recording.s3.retry.attempts", String.valueOf(RETRY_ATTEMPTS)),
        Map.entry("recording.s3.retry.backoffMin", "200ms"),
        Map.entry("recording.s3.retry.backoffMax", "1s"),
        Map.entry("recording.s3.attemptTimeout", "10s")));
    settings.putAll(extra);
    origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), settings).config())
        .await(30, TimeUnit.SECONDS);
  }

  private String url(String name) {
    return "rtmp://127.0.0.1:" + origin.rtmpPort() + "/up/" + name;
  }

  private static String unique(String label) {
    return label + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void theStoreStoppedMidMultipartUploadGetsEveryFileWholeAfterRetries(Vertx vertx, @TempDir Path dir)
      throws Exception {
    System.setProperty("aws.secretAccessKey", SECRET_KEY);
    // 8 s segments at 8 Mbit/s: about 8 MB each, two 5 MiB parts.
    startOrigin(vertx, dir, "8s", Map.of());
    String name = unique("outage");
    String prefix = "vod/up/" + name + "/";
    try (Publisher publisher = ffmpeg.publish(PROFILE, url(name), Duration.ofSeconds(20), Ffmpeg.CBR_8_MBIT)) {
      publisher.awaitFramesSent(PublishProfile.FPS, LIMIT);
      assertThat(store.secondPartArrived.await(LIMIT.toSeconds(), TimeUnit.SECONDS))
          .as("the second part of the first segment reaches the store").isTrue();
      try (Playback playback = ffmpeg.play(url(name), PLAY)) {
        store.stopping.set(true);
        proxy.stop();
        log.info("S3Proxy stopped on port {} with a part in flight", port);
        Await.until(LIMIT, "three retries against the stopped store",
            () -> MetricsScrape.of(origin).value("cascade_recording_upload_retries_total", "") >= 3);
        Path segment = onlyRecording().resolve("segment-00001.m4s");
        assertThat(segment).as("the local copy while its upload is retried").exists();
        assertThat(keys(prefix)).as("nothing of the segment stored yet").noneMatch(k -> k.endsWith("segment-00001.m4s"));
        proxy = startProxy(port);
        log.info("S3Proxy started again on port {}", port);
        Await.until(LIMIT, "the first segment in the bucket",
            () -> keys(prefix).stream().anyMatch(k -> k.endsWith("/segment-00001.m4s")), () -> keys(prefix).toString());
        assertThat(segment).as("the local copy after its upload").exists();
        assertUndisturbedPlayback(playback.await(), PROFILE, PLAY.minusSeconds(1));
      }
      assertThat(publisher.awaitExit()).as("ffmpeg exit code\n%s", publisher.describe()).isZero();
    }
    Await.until(LIMIT, "the VOD playlist in the bucket",
        () -> keys(prefix).stream().anyMatch(k -> k.endsWith("/index.m3u8")), () -> keys(prefix).toString());
    Await.until(LIMIT, "the recording marked stored whole, so the quota may delete it",
        () -> Files.exists(onlyRecording().resolve(STORED_MARKER)));

    // Nothing lost: every local file is in the bucket, byte for byte.
    Path local = onlyRecording();
    List<String> files;
    try (Stream<Path> found = Files.list(local)) {
      files = found.map(p -> p.getFileName().toString()).filter(f -> !f.equals(STORED_MARKER)).sorted().toList();
    }
    List<String> keys = keys(prefix);
    log.info("local files {} objects {}", files, keys);
    assertThat(keys.stream().map(k -> k.substring(k.lastIndexOf('/') + 1)).sorted().toList())
        .as("objects of the recording").isEqualTo(files);
    for (String key : keys) {
      byte[] stored;
      try (InputStream in = blobs.getBlob(BUCKET, key).getPayload().openStream()) {
        stored = in.readAllBytes();
      }
      String file = key.substring(key.lastIndexOf('/') + 1);
      assertThat(stored).as(key).isEqualTo(Files.readAllBytes(local.resolve(file)));
    }
    assertThat(Files.size(local.resolve("segment-00001.m4s"))).as("a multipart segment").isGreaterThan(5L << 20);
    List<String> retries = messages("event=recording.upload.retry");
    assertThat(retries).as("retries of the interrupted upload, fewer than recording.s3.retry.attempts")
        .hasSizeBetween(1, RETRY_ATTEMPTS - 1)
        .allSatisfy(l -> assertThat(l).contains("/segment-00001.m4s", "request=part_2_of_2"))
        .anySatisfy(l -> assertThat(l).contains("Connection refused"));
    assertThat(messages("event=recording.upload.stored")).filteredOn(l -> l.contains("/segment-00001.m4s "))
        .singleElement().asString().contains("parts=2");
    MetricsScrape scrape = MetricsScrape.of(origin);
    assertThat(scrape.value("cascade_recording_upload_failures_total", "")).as("failed uploads").isZero();
    assertThat(scrape.value("cascade_recording_upload_files_total", "")).isEqualTo((double) keys.size());
  }

  @Test
  void aMissingBucketFailsEachFileAtOnceAndKeepsItLocally(Vertx vertx, @TempDir Path dir) throws Exception {
    System.setProperty("aws.secretAccessKey", SECRET_KEY);
    startOrigin(vertx, dir, "2s", Map.of("recording.s3.bucket", "no-such-bucket", "recording.maxBytes", QUOTA));
    refusedUploads("no_such_bucket", "404 NoSuchBucket");
  }

  @Test
  void aWrongSecretKeyFailsEachFileAtOnceAndIsNeverLogged(Vertx vertx, @TempDir Path dir) throws Exception {
    System.setProperty("aws.secretAccessKey", WRONG_SECRET);
    startOrigin(vertx, dir, "2s", Map.of("recording.maxBytes", QUOTA));
    refusedUploads("access_denied", "403");
    assertThat(logs.matching(l -> !l.logger().startsWith("io.cascade.testing")
            && (l.message().contains(WRONG_SECRET) || l.message().contains(SECRET_KEY)
                || String.valueOf(l.thrown()).contains(WRONG_SECRET) || String.valueOf(l.thrown()).contains(SECRET_KEY))))
        .as("log lines quoting a secret key").isEmpty();
    assertThat(MetricsScrape.of(origin).body()).doesNotContain(WRONG_SECRET, SECRET_KEY);
  }

  /**
   * The recording a missing bucket kept on disk, not stored, is uploaded by the next start of the
   * node on the same root once the bucket setting is right: every file of it (init segment,
   * segments, the VOD playlist) arrives byte for byte, the directory is marked stored, the
   * re-queue is logged once and counted.
   */
  @Test
  void aRecordingAMissingBucketKeptOnDiskIsUploadedAtTheNextStart(Vertx vertx, @TempDir Path dir) throws Exception {
    System.setProperty("aws.secretAccessKey", SECRET_KEY);
    startOrigin(vertx, dir, "2s", Map.of("recording.s3.bucket", "no-such-bucket", "recording.maxBytes", QUOTA));
    refusedUploads("no_such_bucket", "404 NoSuchBucket");
    Path local = onlyRecording();
    Map<String, byte[]> left = new HashMap<>();
    try (Stream<Path> found = Files.list(local)) {
      for (Path f : found.toList()) {
        left.put(f.getFileName().toString(), Files.readAllBytes(f));
      }
    }
    InProcessOrigin.stop(origin);
    origin = null;

    startOrigin(vertx, dir, "2s", Map.of()); // the right bucket, the default quota: the copy stays to compare
    String prefix = "vod/" + recordings.relativize(local).toString().replace('\\', '/') + "/";
    Await.until(LIMIT, "every file of the recording in the bucket", () -> keys(prefix).size() == left.size(),
        () -> keys(prefix) + " of " + left.keySet());
    for (Map.Entry<String, byte[]> f : left.entrySet()) {
      try (InputStream in = blobs.getBlob(BUCKET, prefix + f.getKey()).getPayload().openStream()) {
        assertThat(in.readAllBytes()).as(f.getKey() + " in the bucket, byte for byte").isEqualTo(f.getValue());
      }
    }
    Await.until(LIMIT, "the recording marked stored", () -> Files.exists(local.resolve(STORED_MARKER)));
    assertThat(messages("event=recording.requeued ")).singleElement().asString()
        .contains("dir=" + local, "files=" + left.size(), "playlist=final");
    assertThat(MetricsScrape.of(origin).value("cascade_recording_requeued_total", "result=\"queued\""))
        .isEqualTo((double) left.size());
    log.info("MEASURED recording.requeue files={} bytes={} stored_marker=true", left.size(),
        left.values().stream().mapToLong(b -> b.length).sum());
  }

  /**
   * Publishes 8 s with a player on: every file of the recording fails with {@code reason}, logged
   * with {@code detail}, counted, not retried past the refusal, and stays on disk, though the
   * recording is over the node's byte quota ({@link #QUOTA}): its only copy; the bucket stays empty.
   */
  private void refusedUploads(String reason, String detail) throws Exception {
    String name = unique(reason);
    // 8 s at 8 Mbit/s: about 8 MB, well over the quota.
    try (Publisher publisher = ffmpeg.publish(PROFILE, url(name), Duration.ofSeconds(8), Ffmpeg.CBR_8_MBIT)) {
      publisher.awaitFramesSent(PublishProfile.FPS, LIMIT);
      try (Playback playback = ffmpeg.play(url(name), Duration.ofSeconds(6))) {
        Await.until(LIMIT, "a failed upload counted as " + reason,
            () -> MetricsScrape.of(origin).value("cascade_recording_upload_failures_total",
                "reason=\"" + reason + "\"") >= 1);
        assertUndisturbedPlayback(playback.await(), PROFILE, Duration.ofSeconds(5));
      }
      assertThat(publisher.awaitExit()).as("ffmpeg exit code\n%s", publisher.describe()).isZero();
    }
    Await.until(LIMIT, "the recording ends", () -> {
      Path list = onlyRecording().resolve("index.m3u8");
      return Files.exists(list) && Files.readString(list).contains("#EXT-X-ENDLIST");
    });
    Path local = onlyRecording();
    List<String> files;
    try (Stream<Path> found = Files.list(local)) {
      files = found.map(p -> p.getFileName().toString()).sorted().toList();
    }
    // One failure per file handed over (init, each segment, the playlist), each logged once.
    Await.until(LIMIT, "every file's upload failed", () -> messages("event=recording.upload.failed").size() >= files.size());
    List<String> failed = messages("event=recording.upload.failed");
    log.info("local files {} failed uploads {}", files, failed);
    assertThat(failed).as("failed uploads logged").hasSize(files.size())
        .allSatisfy(l -> assertThat(l).contains("reason=" + reason, detail, "/up/" + name + "/"));
    MetricsScrape scrape = MetricsScrape.of(origin);
    assertThat(scrape.value("cascade_recording_upload_failures_total", "reason=\"" + reason + "\""))
        .isEqualTo((double) files.size());
    assertThat(scrape.value("cascade_recording_upload_files_total", "")).isZero();
    // No retry storm: a refusal is final. A first request that met a transient error on a loaded
    // machine may have been sent once more, never more than once a file.
    double retries = scrape.value("cascade_recording_upload_retries_total", "");
    assertThat(retries).as("retries").isLessThanOrEqualTo(files.size());
    assertThat(failed).allSatisfy(l -> assertThat(l).containsPattern("attempts=[12] "));
    assertThat(files).as("local copies kept").contains("init.mp4", "index.m3u8", "segment-00001.m4s")
        .doesNotContain(STORED_MARKER);
    assertThat(sizeOf(local)).as("the recording is over the quota").isGreaterThan(1L << 20);
    assertThat(scrape.value("cascade_recording_quota_deletions_total", "")).as("quota deletions").isZero();
    assertThat(messages("event=recording.quota.kept")).as("the quota says what it keeps").isNotEmpty();
    assertThat(blobs.list(BUCKET, ListContainerOptions.Builder.recursive())).as("objects in the bucket").isEmpty();
  }

  private Path onlyRecording() throws Exception {
    Path app = recordings.resolve("up");
    try (Stream<Path> streams = Files.list(app)) {
      Path stream = streams.findFirst().orElseThrow();
      try (Stream<Path> ids = Files.list(stream)) {
        List<Path> found = ids.toList();
        assertThat(found).as("recordings under %s", stream).hasSize(1);
        return found.get(0);
      }
    }
  }

  private static long sizeOf(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      long total = 0;
      for (Path f : files.toList()) {
        total += Files.size(f);
      }
      return total;
    }
  }

  private List<String> messages(String prefix) {
    return logs.matching(l -> l.message().startsWith(prefix)).stream().map(LogCapture.Line::message).toList();
  }

  private List<String> keys(String prefix) {
    return blobs.list(BUCKET, ListContainerOptions.Builder.prefix(prefix).recursive()).stream()
        .map(StorageMetadata::getName).filter(n -> n.startsWith(prefix)).sorted().toList();
  }
}
