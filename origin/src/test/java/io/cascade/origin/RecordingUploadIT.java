package io.cascade.origin;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.ConfigLoader;
import io.cascade.testing.Await;
import io.cascade.testing.LocalS3;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jclouds.blobstore.BlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recording to object storage end to end: ffmpeg publishes to an origin whose
 * {@code recording.rules} match and whose {@code recording.s3.*} point at S3Proxy (a real S3 API
 * server in this JVM); the init segment, every segment and the final VOD playlist arrive under
 * {@code prefix/app/stream/recordingId/}, byte for byte the local files, and ffprobe plays the
 * recording rebuilt from the bucket alone. The recording webhook's events name the bucket and key
 * of each segment and, once it is stored, of the playlist.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RecordingUploadIT {
  private static final Logger log = LoggerFactory.getLogger(RecordingUploadIT.class);
  private static final String BUCKET = "recordings";
  private static final String ACCESS_KEY = "cascade-it-access";
  private static final String SECRET_KEY = "cascade-it-secret-Pw7";

  @Test
  void aRecordingArrivesInTheBucketAndPlaysFromIt(Vertx vertx, @TempDir Path dir) throws Exception {
    LocalS3 s3 = LocalS3.start(BUCKET, ACCESS_KEY, SECRET_KEY);
    BlobStore blobs = s3.blobs();
    int port = s3.port();
    // The SDK's default credentials chain reads these first, as it would the pod's environment.
    System.setProperty("aws.accessKeyId", ACCESS_KEY);
    System.setProperty("aws.secretAccessKey", SECRET_KEY);
    Queue<JsonObject> events = new ConcurrentLinkedQueue<>();
    HttpServer hooks = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      events.add(body.toJsonObject());
      req.response().setStatusCode(204).end();
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    Path recordings = dir.resolve("recordings");
    OriginNode origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), Map.ofEntries(
        Map.entry("rtmp.host", "127.0.0.1"), Map.entry("rtmp.port", 0),
        Map.entry("http.host", "127.0.0.1"), Map.entry("http.port", 0),
        Map.entry("live.republishWaitTimeout", "1s"),
        Map.entry("recording.rules", "up/*;segment=2s"),
        Map.entry("recording.root", recordings.toString()),
        Map.entry("recording.s3.enabled", "true"),
        Map.entry("recording.s3.endpoint", "http://127.0.0.1:" + port),
        Map.entry("recording.s3.bucket", BUCKET),
        Map.entry("recording.s3.prefix", "vod/"),
        Map.entry("recording.s3.pathStyle", "true"),
        Map.entry("recording.webhook.url", "http://127.0.0.1:" + hooks.actualPort() + "/hook"))).config())
        .await(30, TimeUnit.SECONDS);
    try {
      Ffmpeg ffmpeg = Ffmpeg.locate();
      String name = "cam-" + UUID.randomUUID().toString().substring(0, 8);
      try (Publisher p = ffmpeg.publish(PublishProfile.H264_AAC,
          "rtmp://127.0.0.1:" + origin.rtmpPort() + "/up/" + name, Duration.ofSeconds(7))) {
        p.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(20));
        p.awaitExit();
      }
      String prefix = "vod/up/" + name + "/";
      Await.until(Duration.ofSeconds(30), "the VOD playlist in the bucket",
          () -> s3.keys(prefix).stream().anyMatch(k -> k.endsWith("/index.m3u8")), () -> s3.keys(prefix).toString());
      List<String> keys = s3.keys(prefix);
      log.info("objects in the bucket: {}", keys);
      assertThat(keys).anyMatch(k -> k.endsWith("/init.mp4"));
      assertThat(keys.stream().filter(k -> k.endsWith(".m4s"))).as("segments").hasSizeGreaterThanOrEqualTo(3);

      // Byte for byte the local files, and playable from the bucket's copy alone.
      Path local;
      try (Stream<Path> found = Files.walk(recordings)) {
        local = found.filter(f -> f.getFileName().toString().equals("index.m3u8")).findFirst().orElseThrow().getParent();
      }
      Path rebuilt = Files.createDirectories(dir.resolve("from-bucket"));
      Map<String, Long> sizes = new TreeMap<>();
      for (String key : keys) {
        byte[] bytes;
        try (InputStream in = blobs.getBlob(BUCKET, key).getPayload().openStream()) {
          bytes = in.readAllBytes();
        }
        String file = key.substring(key.lastIndexOf('/') + 1);
        assertThat(bytes).as(key).isEqualTo(Files.readAllBytes(local.resolve(file)));
        Files.write(rebuilt.resolve(file), bytes);
        sizes.put(file, (long) bytes.length);
      }
      PlayReport report = ffmpeg.probeFile(rebuilt.resolve("index.m3u8"));
      log.info("played from the bucket: {} ({} objects, {})", report.summary(), keys.size(), sizes);
      assertThat(report.firstVideoFrameIsKeyframe()).isTrue();
      assertThat(report.videoFrames()).as("frames of ~7 s at 30 fps").isGreaterThan(150);
      assertThat(origin.metrics().registry().find("cascade.recording.upload.files").counters().stream()
          .mapToDouble(c -> c.count()).sum()).as("uploads counted").isGreaterThanOrEqualTo(keys.size());

      Await.until(Duration.ofSeconds(10), "the completion event",
          () -> events.stream().anyMatch(e -> "recording_complete".equals(e.getString("action"))));
      JsonObject complete = events.stream().filter(e -> "recording_complete".equals(e.getString("action")))
          .findFirst().orElseThrow();
      log.info("completion event {}", complete.encode());
      assertThat(complete.getString("streamKey")).isEqualTo("up/" + name);
      assertThat(complete.getString("bucket")).isEqualTo(BUCKET);
      assertThat(complete.getString("key")).startsWith(prefix).endsWith("/index.m3u8").isIn(keys);
      Await.until(Duration.ofSeconds(10), "an event per segment", () -> events.stream()
          .filter(e -> "recording_segment".equals(e.getString("action"))).count() == complete.getInteger("segments"));
      List<String> stored = s3.keys(prefix);
      assertThat(events).filteredOn(e -> "recording_segment".equals(e.getString("action")))
          .allSatisfy(e -> assertThat(e.getString("key")).isIn(stored))
          .allSatisfy(e -> assertThat(e.getString("bucket")).isEqualTo(BUCKET));
    } finally {
      InProcessOrigin.stop(origin);
      s3.close();
      hooks.close();
      System.clearProperty("aws.accessKeyId");
      System.clearProperty("aws.secretAccessKey");
    }
  }
}
