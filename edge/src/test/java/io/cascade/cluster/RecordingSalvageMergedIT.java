package io.cascade.cluster;

import static io.cascade.cluster.RecordedPlaylist.entries;
import static io.cascade.cluster.RecordedPlaylist.onlyRecording;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.cluster.RecordedPlaylist.Entry;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.LocalS3;
import io.cascade.testing.PlayReport;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jclouds.blobstore.BlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The later case of {@link RecordingSalvageListedIT}: origin A is killed -9 inside a segment, origin
 * B continues the recording and ENDS it (its final VOD playlist in the bucket) before A restarts on
 * its disk. A salvages its open segment, uploads it, and merges it into B's final playlist in the
 * bucket, between A's last finished segment and B's first. Two origins in their own JVMs (real
 * Hazelcast), S3Proxy in this JVM, ffmpeg publishing and ffprobe playing the whole playlist as
 * copied from the bucket.
 */
class RecordingSalvageMergedIT {
  private static final Logger log = LoggerFactory.getLogger(RecordingSalvageMergedIT.class);
  private static final String SECRET_KEY = "cascade-it-secret-Sm4";
  private static final String BUCKET = RecordingOrigins.BUCKET;
  private static final String ACCESS_KEY = RecordingOrigins.ACCESS_KEY;

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void aKilledOwnerThatRestartsAfterTheRecordingEndedMergesItsSalvagedSegmentIntoTheFinalPlaylist(@TempDir Path dir)
      throws Exception {
    LocalS3 s3 = LocalS3.start(BUCKET, ACCESS_KEY, SECRET_KEY);
    BlobStore blobs = s3.blobs();
    Path rootA = dir.resolve("origin-a");
    Path rootB = dir.resolve("origin-b");
    Cluster.Builder builder = RecordingOrigins.builder("salvmerged", s3, SECRET_KEY, rootA, rootB);
    try (Cluster cluster = builder.start()) {
      ClusterProcess originA = cluster.origin(0);
      ClusterProcess originB = cluster.origin(1);
      Ffmpeg ffmpeg = Ffmpeg.locate();
      String stream = Streams.unique("salvm");
      String prefix = "vod/" + Streams.key(stream) + "/";
      Path streamDirA = rootA.resolve(Streams.APP).resolve(stream);

      // Killed inside segment 3 with two of its parts whole on disk (so something is salvaged).
      RecordingOrigins.killInsideThirdSegment(ffmpeg, originA, s3, stream, streamDirA);
      Path dirA = onlyRecording(streamDirA);
      String id = dirA.getFileName().toString();
      List<Entry> finishedOnA = entries(Files.readString(dirA.resolve("index.m3u8")));
      int open = finishedOnA.size() + 1;
      String salvagedName = String.format("segment-%05d-s.m4s", open);
      String playlistKey = prefix + id + "/index.m3u8";

      // B continues the recording and ends it while A is down.
      Await.until(Duration.ofSeconds(30), "A's claim released", () -> Api.stream(originB, Streams.key(stream)).absent(),
          () -> "B says " + Api.stream(originB, Streams.key(stream)));
      try (Publisher onB = ffmpeg.publish(PublishProfile.H264_AAC, originB.rtmpUri(Streams.APP, stream),
          Duration.ofSeconds(150))) {
        String secondOfB = prefix + id + String.format("/segment-%05d.m4s", open + 1);
        Await.until(Duration.ofSeconds(60), "B's first two segments of the recording in the bucket",
            () -> s3.keys(prefix).contains(secondOfB), () -> s3.keys(prefix) + " " + onB.describe());
      } // B's publisher leaves: its recording ends after the republish wait
      Await.until(Duration.ofSeconds(60), "B's final playlist in the bucket", () -> s3.keys(prefix).contains(playlistKey),
          () -> s3.keys(prefix) + "\n" + originB.logTail(30));
      String endedByB = object(blobs, playlistKey);
      log.info("B's final playlist before A restarts:\n{}", endedByB);
      assertThat(endedByB).contains("#EXT-X-ENDLIST").doesNotContain(salvagedName);

      // A restarts on its disk after the recording ended (a supervisor with a persistent volume).
      originA.restart();
      originA.awaitReady(Cluster.READY_TIMEOUT);
      Await.until(Duration.ofSeconds(90), "A merged its salvaged segment into the final playlist, or gave up",
          () -> !originA.logLines("event=recording.salvage.merged").isEmpty()
              || !originA.logLines("event=recording.salvage.unlisted").isEmpty(),
          () -> s3.keys(prefix) + "\n" + originA.logTail(30));
      assertThat(originA.logLines("event=recording.salvage.unlisted")).as("A gave up").isEmpty();
      assertThat(originA.logLines("event=recording.salvage.merged")).singleElement().asString()
          .contains("recording=" + id, "file=" + salvagedName, "result=merged");
      assertThat(originA.logLines("event=recording.ended_elsewhere")).isNotEmpty();

      List<String> stored = s3.keys(prefix);
      log.info("objects in the bucket: {}", stored);
      Path rebuilt = Files.createDirectories(dir.resolve("from-bucket"));
      assertThat(stored).allMatch(key -> key.startsWith(prefix + id + "/"));
      RecordingOrigins.copyFromBucket(blobs, stored, rebuilt);
      String text = Files.readString(rebuilt.resolve("index.m3u8"));
      log.info("the whole playlist after the merge:\n{}", text);
      List<Entry> entries = entries(text);
      assertThat(text).contains("#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-MEDIA-SEQUENCE:0").endsWith("#EXT-X-ENDLIST\n");
      assertThat(entries).as("B's entries and the salvaged one").hasSize(entries(endedByB).size() + 1);
      int k = finishedOnA.size();
      Entry salvaged = RecordingOrigins.assertSalvagedBetweenOwners(text, finishedOnA, salvagedName, open);
      assertThat(entries.subList(k + 1, entries.size())).as("B's entries as B stored them")
          .isEqualTo(entries(endedByB).subList(k, entries.size() - 1));
      for (Entry e : entries) {
        assertThat(stored).as("every listed file stored").contains(prefix + id + "/" + e.file(),
            prefix + id + "/" + e.init());
      }

      PlayReport fromBucket = ffmpeg.probeFile(rebuilt.resolve("index.m3u8"));
      log.info("the whole recording from the bucket: {}", fromBucket.summary());
      double recordedSeconds = entries.stream().mapToLong(Entry::durationMillis).sum() / 1000.0;
      double withoutSalvaged = recordedSeconds - salvaged.durationMillis() / 1000.0;
      log.info("MEASURED recording.salvage_merged salvaged_ms={} recorded_s={} video_frames={} (B's playlist alone:"
              + " {} s)", salvaged.durationMillis(), recordedSeconds, fromBucket.videoFrames(), withoutSalvaged);
      assertThat(fromBucket.errorLines()).as("ffprobe errors").isEmpty();
      assertThat(fromBucket.firstVideoFrameIsKeyframe()).isTrue();
      // As in RecordingSalvageListedIT: ffprobe's HLS reader does not report all of the first second after
      // a discontinuity; 2 s are allowed.
      assertThat(fromBucket.videoFrames()).as("the recorded frames of both owners and the salvaged ones")
          .isGreaterThanOrEqualTo((int) ((recordedSeconds - 2) * PublishProfile.FPS));
    } finally {
      s3.close();
    }
  }

  private static String object(BlobStore blobs, String key) throws Exception {
    try (InputStream in = blobs.getBlob(BUCKET, key).getPayload().openStream()) {
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }
}
