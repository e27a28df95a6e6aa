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
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
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
    uploader = uploader(settings(Map.of()), SECRET_KEY);
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
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_FILES)).isEqualTo(1);
    assertThat(count(CascadeMeter.RECORDING_UPLOAD_BYTES)).isEqualTo(300 * 1024);
    assertThat(node.registry().find(CascadeMeter.RECORDING_UPLOAD_LAG.meterName()).timer().count()).isEqualTo(1);
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

  private S3UploadSettings settings(Map<String, Object> overrides) {
    Map<String, Object> values = new java.util.HashMap<>(Map.of(
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

  private static UploadResult await(java.util.concurrent.CompletionStage<UploadResult> stage) throws Exception {
    return stage.toCompletableFuture().get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }
}
