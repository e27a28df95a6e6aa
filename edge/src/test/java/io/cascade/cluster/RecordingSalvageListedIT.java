package io.cascade.cluster;

import static io.cascade.cluster.RecordedPlaylist.entries;
import static io.cascade.cluster.RecordedPlaylist.onlyRecording;
import static io.cascade.cluster.RecordingSalvageIT.fragmentsOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.cluster.RecordedPlaylist.Entry;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.LocalS3;
import io.cascade.testing.PlayReport;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import java.lang.management.ManagementFactory;
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
 * The case a Kubernetes pod gives: the recording origin A is killed -9 inside a segment, the
 * publisher moves to origin B, which continues the recording, and A restarts on its own disk while
 * B still records. A salvages its open segment ({@code segment-NNNNN-s.m4s}, uploaded by A) and
 * tells the cluster; when B's recording ends, its VOD playlist in the bucket lists the salvaged
 * segment between A's last finished one and B's first. Two origins in their own JVMs (real
 * Hazelcast), S3Proxy in this JVM, ffmpeg publishing and ffprobe playing the whole playlist from the
 * bucket. The gap left (end of the salvaged segment to B's first frame, by program date times) is
 * measured: at most one part plus the failover time.
 */
class RecordingSalvageListedIT {
  private static final Logger log = LoggerFactory.getLogger(RecordingSalvageListedIT.class);
  private static final String SECRET_KEY = "cascade-it-secret-Sl3";
  private static final String BUCKET = RecordingOrigins.BUCKET;
  private static final String ACCESS_KEY = RecordingOrigins.ACCESS_KEY;
  private static final long PART_MS = RecordingOrigins.PART_MS;
  /** Allowed beyond a part: the publisher's and the loop's delivery, the kill's own duration. */
  private static final long MARGIN_MS = 500;

  @Test
  @Timeout(value = 300, unit = TimeUnit.SECONDS)
  void theNewOwnersPlaylistListsTheSegmentTheKilledOwnerSalvages(@TempDir Path dir) throws Exception {
    LocalS3 s3 = LocalS3.start(BUCKET, ACCESS_KEY, SECRET_KEY);
    BlobStore blobs = s3.blobs();
    Path rootA = dir.resolve("origin-a");
    Path rootB = dir.resolve("origin-b");
    Cluster.Builder builder = RecordingOrigins.builder("salvlisted", s3, SECRET_KEY, rootA, rootB);
    try (Cluster cluster = builder.start()) {
      ClusterProcess originA = cluster.origin(0);
      ClusterProcess originB = cluster.origin(1);
      Ffmpeg ffmpeg = Ffmpeg.locate();
      String stream = Streams.unique("salvl");
      String prefix = "vod/" + Streams.key(stream) + "/";
      Path streamDirA = rootA.resolve(Streams.APP).resolve(stream);

      // Killed inside segment 3 with two of its parts whole on disk (so something is salvaged).
      long killedAt = RecordingOrigins.killInsideThirdSegment(ffmpeg, originA, s3, stream, streamDirA);
      Path dirA = onlyRecording(streamDirA);
      String id = dirA.getFileName().toString();
      List<Entry> finishedOnA = entries(Files.readString(dirA.resolve("index.m3u8")));
      int open = finishedOnA.size() + 1;
      String salvagedName = String.format("segment-%05d-s.m4s", open);
      log.info("killed {} at {} ms: recording {} finished {} open segment {} with {} whole parts", originA.node(),
          killedAt, id, finishedOnA.stream().map(Entry::file).toList(), open,
          fragmentsOf(streamDirA, String.format("segment-%05d.m4s.tmp", open)));

      Await.until(Duration.ofSeconds(30), "A's claim released", () -> Api.stream(originB, Streams.key(stream)).absent(),
          () -> "B says " + Api.stream(originB, Streams.key(stream)));
      long republishedAt = System.currentTimeMillis();
      try (Publisher onB = ffmpeg.publish(PublishProfile.H264_AAC, originB.rtmpUri(Streams.APP, stream),
          Duration.ofSeconds(150))) {
        String firstOfB = prefix + id + String.format("/segment-%05d.m4s", open);
        Await.until(Duration.ofSeconds(60), "B's first segment of the recording in the bucket",
            () -> s3.keys(prefix).contains(firstOfB), () -> s3.keys(prefix) + " " + onB.describe());

        // A restarts on its disk while B records (a supervisor with a persistent volume).
        originA.restart();
        originA.awaitReady(Cluster.READY_TIMEOUT);
        Await.until(Duration.ofSeconds(60), "A's salvaged segment in the bucket and the cluster told",
            () -> s3.keys(prefix).contains(prefix + id + "/" + salvagedName)
                && !originA.logLines("event=recording.salvage.told").isEmpty(),
            () -> s3.keys(prefix) + "\n" + originA.logTail(30));
        assertThat(originA.logLines("event=recording.salvage.told")).singleElement().asString()
            .contains("recording=" + id, "file=" + salvagedName);
        assertThat(onB.framesSent()).as("B still recording").isPositive();
      } // B's publisher leaves: its recording ends after the republish wait
      String whole = prefix + id + "/index.m3u8";
      Await.until(Duration.ofSeconds(60), "B's VOD playlist in the bucket", () -> s3.keys(prefix).contains(whole),
          () -> s3.keys(prefix) + "\n" + originB.logTail(30));

      List<String> stored = s3.keys(prefix);
      log.info("objects in the bucket: {}", stored);
      Path rebuilt = Files.createDirectories(dir.resolve("from-bucket"));
      assertThat(stored).allMatch(key -> key.startsWith(prefix + id + "/"));
      RecordingOrigins.copyFromBucket(blobs, stored, rebuilt);
      String text = Files.readString(rebuilt.resolve("index.m3u8"));
      log.info("the whole playlist:\n{}", text);
      List<Entry> entries = entries(text);
      assertThat(text).contains("#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-MEDIA-SEQUENCE:0", "#EXT-X-ENDLIST");
      int k = finishedOnA.size();
      Entry salvaged = RecordingOrigins.assertSalvagedBetweenOwners(text, finishedOnA, salvagedName, open);
      Entry lastA = entries.get(k - 1);
      Entry firstB = entries.get(k + 1);
      for (int i = k + 1; i < entries.size(); i++) {
        assertThat(entries.get(i).file()).as("B's numbers go on").isEqualTo(String.format("segment-%05d.m4s", i));
      }
      for (Entry e : entries) {
        assertThat(stored).as("every listed file stored").contains(prefix + id + "/" + e.file(),
            prefix + id + "/" + e.init());
      }
      assertThat(originB.logLines("event=recording.salvage.listed")).singleElement().asString()
          .contains("file=" + salvagedName);

      PlayReport fromBucket = ffmpeg.probeFile(rebuilt.resolve("index.m3u8"));
      log.info("the whole recording from the bucket: {}", fromBucket.summary());
      double recordedSeconds = entries.stream().mapToLong(Entry::durationMillis).sum() / 1000.0;
      assertThat(fromBucket.errorLines()).as("ffprobe errors").isEmpty();
      assertThat(fromBucket.firstVideoFrameIsKeyframe()).isTrue();
      // As in RecordingFailoverIT: ffprobe's HLS reader does not report all of the first second after
      // the discontinuity; 2 s are allowed.
      assertThat(fromBucket.videoFrames()).as("the recorded frames of both owners and the salvaged ones")
          .isGreaterThanOrEqualTo((int) ((recordedSeconds - 2) * PublishProfile.FPS));

      long salvagedEnd = salvaged.programDateTime() + salvaged.durationMillis();
      long lastAEnd = lastA.programDateTime() + lastA.durationMillis();
      long gapMs = firstB.programDateTime() - salvagedEnd;
      long failoverMs = firstB.programDateTime() - killedAt;
      long lostMs = killedAt - salvagedEnd;
      log.info("MEASURED recording.salvage_listed gap_ms={} (end of the salvaged segment to B's first frame, by"
              + " program date times) lost_ms={} (kill -9 to the end of the salvaged segment) failover_ms={} (kill"
              + " to B's first recorded frame; republish after {} ms) gap_without_salvage_ms={} salvaged_ms={}"
              + " recorded_s={} load_avg={}", gapMs, lostMs, failoverMs, republishedAt - killedAt,
          firstB.programDateTime() - lastAEnd, salvaged.durationMillis(), recordedSeconds,
          ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      assertThat(lostMs).as("media lost at the kill: at most the part in flight").isLessThanOrEqualTo(PART_MS + MARGIN_MS);
      assertThat(gapMs).as("gap: at most one part + the failover time")
          .isLessThanOrEqualTo(PART_MS + MARGIN_MS + failoverMs);
    } finally {
      s3.close();
    }
  }
}
