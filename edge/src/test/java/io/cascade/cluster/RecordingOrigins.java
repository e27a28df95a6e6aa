package io.cascade.cluster;

import static io.cascade.cluster.RecordingSalvageIT.fragmentsOf;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.cluster.RecordedPlaylist.Entry;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.LocalS3;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.jclouds.blobstore.BlobStore;

/**
 * The set-up of the recording failover ITs: two origins that record {@code live/*} in 4 s
 * segments to their own roots and upload to one S3Proxy bucket under {@code vod/}, a publisher
 * that leaves counted gone after 2 s.
 */
final class RecordingOrigins {
  static final String BUCKET = "recordings";
  static final String ACCESS_KEY = "cascade-it-access";
  /** The recorder's part: what a kill loses at most, and the precision of a program date time. */
  static final long PART_MS = 1_000;
  static final long SEGMENT_MS = 4_000;

  private RecordingOrigins() {
  }

  /** Two origins named {@code name}, recording to {@code rootA} and {@code rootB}, uploading to {@code s3}. */
  static Cluster.Builder builder(String name, LocalS3 s3, String secretKey, Path rootA, Path rootB) {
    return Cluster.builder(name).origins(2)
        .originEnv("CASCADE_RECORDING_RULES", "live/*;segment=" + SEGMENT_MS / 1000 + "s")
        .originEnv("CASCADE_LIVE_REPUBLISH_WAIT_TIMEOUT", "2s")
        .originEnv("CASCADE_RECORDING_S3_ENABLED", "true")
        .originEnv("CASCADE_RECORDING_S3_ENDPOINT", "http://127.0.0.1:" + s3.port())
        .originEnv("CASCADE_RECORDING_S3_BUCKET", BUCKET)
        .originEnv("CASCADE_RECORDING_S3_PREFIX", "vod/")
        .originEnv("CASCADE_RECORDING_S3_PATH_STYLE", "true")
        .originEnv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .originEnv("AWS_SECRET_ACCESS_KEY", secretKey)
        .originEnv(0, "CASCADE_RECORDING_ROOT", rootA.toString())
        .originEnv(1, "CASCADE_RECORDING_ROOT", rootB.toString());
  }

  /**
   * Publishes {@code stream} (app {@link Streams#APP}) to {@code origin} with ffmpeg until two of its
   * segments are in the bucket and two parts of its third are whole in {@code streamDir}, then kills
   * the origin -9 inside that third segment (something to salvage) and stops the publisher. Returns
   * the wall-clock time of the kill.
   */
  static long killInsideThirdSegment(Ffmpeg ffmpeg, ClusterProcess origin, LocalS3 s3, String stream,
      Path streamDir) throws Exception {
    String prefix = "vod/" + Streams.key(stream) + "/";
    Publisher on = ffmpeg.publish(PublishProfile.H264_AAC, origin.rtmpUri(Streams.APP, stream),
        Duration.ofSeconds(120));
    Await.until(Duration.ofSeconds(60), "two segments in the bucket and two parts of the third written",
        () -> s3.keys(prefix).stream().anyMatch(k -> k.endsWith("/segment-00002.m4s"))
            && fragmentsOf(streamDir, "segment-00003.m4s.tmp") >= 2,
        () -> s3.keys(prefix) + " " + on.describe());
    origin.kill();
    long killedAt = System.currentTimeMillis();
    on.close();
    return killedAt;
  }

  /**
   * Checks the recording's whole playlist after a salvage: A's finished segments first, then the
   * salvaged segment {@code salvagedName} following A's last directly (same init, its program date
   * time where A's last ends, whole parts), then B's segments from number {@code open} after the one
   * discontinuity. Returns the salvaged entry.
   */
  static Entry assertSalvagedBetweenOwners(String text, List<Entry> finishedOnA, String salvagedName, int open) {
    List<Entry> entries = RecordedPlaylist.entries(text);
    assertThat(text.lines().filter(l -> l.equals("#EXT-X-DISCONTINUITY")).count()).as("only where B starts")
        .isEqualTo(1);
    int k = finishedOnA.size();
    assertThat(entries.subList(0, k)).extracting(Entry::file).as("A's finished segments first")
        .isEqualTo(finishedOnA.stream().map(Entry::file).toList());
    Entry lastA = entries.get(k - 1);
    Entry salvaged = entries.get(k);
    Entry firstB = entries.get(k + 1);
    assertThat(salvaged.file()).as("the salvaged segment between A's last and B's first").isEqualTo(salvagedName);
    assertThat(salvaged.discontinuity()).as("it follows A's last directly").isFalse();
    assertThat(salvaged.init()).isEqualTo(lastA.init());
    assertThat(salvaged.programDateTime()).isEqualTo(lastA.programDateTime() + lastA.durationMillis());
    assertThat(salvaged.durationMillis()).as("whole parts").isBetween(2 * PART_MS - 200, 4 * PART_MS);
    assertThat(firstB.file()).isEqualTo(String.format("segment-%05d.m4s", open));
    assertThat(firstB.discontinuity()).isTrue();
    assertThat(firstB.init()).isEqualTo("init-" + open + "-1.mp4");
    return salvaged;
  }

  /** Copies the objects {@code keys} of the bucket into {@code into} (file name = the key's last part). */
  static void copyFromBucket(BlobStore blobs, List<String> keys, Path into) throws IOException {
    for (String key : keys) {
      try (InputStream in = blobs.getBlob(BUCKET, key).getPayload().openStream()) {
        Files.write(into.resolve(key.substring(key.lastIndexOf('/') + 1)), in.readAllBytes());
      }
    }
  }
}
