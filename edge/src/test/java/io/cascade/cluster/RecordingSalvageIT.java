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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 * A lone origin (its own JVM, a one-member cluster) records {@code live/*} in 6 s segments; ffmpeg
 * publishes to it and an HTTP-FLV player plays it from the origin; once the second segment holds two
 * whole parts and the player is 8.5 s in (inside the third part), the origin is killed -9 and
 * started again on the same recording root, as a supervisor with a persistent volume would. The restarted
 * node salvages the open segment: {@code segment-00002-s.m4s} is listed in the now VOD playlist,
 * ffprobe plays the whole recording from it and the salvaged segment with its init segment, and the
 * media lost at the kill (the player's last video timestamp minus the salvaged segment's last; and
 * the kill's wall time minus the end of the salvaged segment by its program date time) is at most
 * one part plus a margin. Uploads go to S3Proxy (a real S3 API server in this JVM), which is not
 * running before the kill: the first segment and the init segment the killed origin closed are
 * never confirmed (it retries them). S3Proxy starts on that port before the restart, and the
 * restarted node uploads them again at start-up with the salvaged segment and the VOD playlist:
 * every file of the recording reaches the bucket byte for byte and the directory is marked
 * {@code .stored}. The test sits in this module
 * because its harness ({@link Cluster}, {@link ClusterProcess}) runs nodes as separate JVMs.
 */
class RecordingSalvageIT {
  private static final Logger log = LoggerFactory.getLogger(RecordingSalvageIT.class);
  /** The recorder's part: what a kill loses at most, and the precision of a program date time. */
  private static final long PART_MS = 1_000;
  private static final String BUCKET = "recordings";
  private static final String ACCESS_KEY = "cascade-it-access";
  private static final String SECRET_KEY = "cascade-it-secret-Sv7";
  /** Allowed beyond a part: the publisher's and the loop's delivery, the kill's own duration. */
  private static final long MARGIN_MS = 500;
  /** Where on the stream's timeline the kill comes (ms): inside segment 2's third part. */
  private static final long KILL_AT_MS = 8_500;

  @Test
  @Timeout(value = 240, unit = TimeUnit.SECONDS)
  void aKilledOriginSalvagesItsOpenSegmentWhenItStartsAgain(@TempDir Path dir) throws Exception {
    int port = LocalS3.freePort(); // S3Proxy starts there only after the kill: the first run's uploads fail
    LocalS3 s3 = null;
    Path root = dir.resolve("recordings");
    Cluster.Builder builder = Cluster.builder("salvage").origins(1)
        .originEnv("CASCADE_RECORDING_RULES", "live/*;segment=6s")
        .originEnv("CASCADE_RECORDING_ROOT", root.toString())
        .originEnv("CASCADE_RECORDING_S3_ENABLED", "true")
        .originEnv("CASCADE_RECORDING_S3_ENDPOINT", "http://127.0.0.1:" + port)
        .originEnv("CASCADE_RECORDING_S3_BUCKET", BUCKET)
        .originEnv("CASCADE_RECORDING_S3_PREFIX", "vod/")
        .originEnv("CASCADE_RECORDING_S3_PATH_STYLE", "true")
        .originEnv("CASCADE_RECORDING_S3_RETRY_BACKOFF_MAX", "2s")
        .originEnv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .originEnv("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
    try (Cluster cluster = builder.start()) {
      ClusterProcess origin = cluster.origin(0);
      Ffmpeg ffmpeg = Ffmpeg.locate();
      String stream = Streams.unique("salv");
      Path streamDir = root.resolve(Streams.APP).resolve(stream);

      Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, origin.rtmpUri(Streams.APP, stream),
          Duration.ofSeconds(120));
      String url = "http://127.0.0.1:" + origin.httpPort() + "/" + Streams.APP + "/" + stream + ".flv";
      long playerLast;
      long killedAt;
      try (HttpFlvViewer player = HttpFlvViewer.open(url, "httpflv@" + origin.node())) {
        Await.until(Duration.ofSeconds(30), "the player receiving", () -> player.lastVideoTimestamp() >= 0,
            publisher::describe);
        // Segment 2 starts at the 6 s keyframe and its parts are cut each second: at 8.5 s two are
        // written and the third is half made, so the kill falls inside a part, not at its end.
        Await.until(Duration.ofSeconds(60), "two parts of the second segment written and 8.5 s played",
            () -> fragmentsOf(streamDir, "segment-00002.m4s.tmp") >= 2 && player.lastVideoTimestamp() >= KILL_AT_MS,
            () -> publisher.describe() + " player at " + player.lastVideoTimestamp() + " ms");
        origin.kill();
        killedAt = System.currentTimeMillis();
        playerLast = player.lastVideoTimestamp();
      }
      publisher.close();
      Path rec = onlyRecording(streamDir);
      Path temp = rec.resolve("segment-00002.m4s.tmp");
      long leftBytes = Files.size(temp);
      int leftFragments = fragmentsOf(streamDir, temp.getFileName().toString());
      List<Entry> before = entries(Files.readString(rec.resolve("index.m3u8")));
      log.info("killed {} at {}: recording {} listed {} open segment {} bytes {} whole fragments", origin.node(),
          killedAt, rec.getFileName(), before.stream().map(Entry::file).toList(), leftBytes, leftFragments);
      assertThat(before).extracting(Entry::file).containsExactly("segment-00001.m4s");
      assertThat(origin.logLines("event=recording.upload.stored")).as("no store ran: nothing confirmed").isEmpty();
      assertThat(rec.resolve(".stored")).doesNotExist();

      LocalS3 store = LocalS3.start(BUCKET, ACCESS_KEY, SECRET_KEY, port);
      s3 = store;
      BlobStore blobs = store.blobs();
      origin.restart();
      origin.awaitReady(Cluster.READY_TIMEOUT);
      Path salvaged = rec.resolve("segment-00002-s.m4s");
      Await.until(Duration.ofSeconds(30), "the open segment salvaged", () -> Files.exists(salvaged)
          && Files.readString(rec.resolve("index.m3u8")).contains("#EXT-X-ENDLIST"), () -> origin.logTail(30));

      assertThat(temp).doesNotExist();
      assertThat(origin.logLines("event=recording.salvaged ")).singleElement().asString()
          .contains("file=segment-00002-s.m4s", "fragments=" + leftFragments);
      String text = Files.readString(rec.resolve("index.m3u8"));
      log.info("the playlist after the restart:\n{}", text);
      List<Entry> after = entries(text);
      assertThat(text).contains("#EXT-X-PLAYLIST-TYPE:VOD");
      assertThat(after).extracting(Entry::file).containsExactly("segment-00001.m4s", "segment-00002-s.m4s");
      assertThat(after.get(1).discontinuity()).isFalse();
      Entry first = after.get(0);
      Entry kept = after.get(1);
      assertThat(kept.durationMillis()).as("the whole parts kept").isBetween(leftFragments * PART_MS - 200,
          leftFragments * PART_MS + 200);

      PlayReport whole = ffmpeg.probeFile(rec.resolve("index.m3u8"));
      log.info("the whole recording: {}", whole.summary());
      double recordedSeconds = (first.durationMillis() + kept.durationMillis()) / 1000.0;
      assertThat(whole.firstVideoFrameIsKeyframe()).isTrue();
      assertThat(whole.errorLines()).as("ffprobe errors").isEmpty();
      assertThat(whole.videoFrames()).as("every recorded frame, the salvaged ones included")
          .isGreaterThanOrEqualTo((int) ((recordedSeconds - 0.2) * PublishProfile.FPS));

      Path alone = dir.resolve("salvaged.mp4");
      Files.write(alone, Files.readAllBytes(rec.resolve(kept.init())));
      Files.write(alone, Files.readAllBytes(salvaged), StandardOpenOption.APPEND);
      PlayReport segment = ffmpeg.probeFile(alone);
      log.info("the salvaged segment with its init segment: {}", segment.summary());
      assertThat(segment.errorLines()).isEmpty();
      assertThat(segment.firstVideoFrameIsKeyframe()).isTrue();
      assertThat(segment.videoFrames()).isGreaterThanOrEqualTo(
          (int) ((kept.durationMillis() - 200) * PublishProfile.FPS / 1000));
      assertThat(segment.audioFrames()).isPositive();

      long savedEnd = kept.programDateTime() + kept.durationMillis();
      long lostWallMs = killedAt - savedEnd;
      // Both are the last frame's start on the stream's timeline (ffprobe's is its presentation time).
      long lostMediaMs = playerLast - Math.round(segment.lastVideoTime() * 1000);
      log.info("MEASURED recording.salvage lost_media_ms={} (last video timestamp a player got before the kill -9,"
              + " {} ms, minus the salvaged segment's last, {} s) lost_wall_ms={} (kill to the end of the salvaged"
              + " segment by its program date time) salvaged_ms={} fragments={} bytes_left={} bytes_kept={}"
              + " recorded_s={}", lostMediaMs, playerLast, segment.lastVideoTime(), lostWallMs, kept.durationMillis(),
          leftFragments, leftBytes, Files.size(salvaged), recordedSeconds);
      assertThat(kept.programDateTime()).as("follows on from the first segment")
          .isEqualTo(first.programDateTime() + first.durationMillis());
      assertThat(lostMediaMs).as("media lost at the kill: at most the part in flight")
          .isLessThanOrEqualTo(PART_MS + MARGIN_MS);
      assertThat(lostWallMs).as("the same by the wall clock").isLessThanOrEqualTo(PART_MS + MARGIN_MS);

      // Uploads on: what the killed run closed but never got confirmed is uploaded again at this start,
      // with the salvaged segment and the playlist; then the directory is marked stored.
      String prefix = "vod/" + Streams.key(stream) + "/" + rec.getFileName() + "/";
      List<String> files = List.of("init.mp4", "segment-00001.m4s", "segment-00002-s.m4s", "index.m3u8");
      Await.until(Duration.ofSeconds(60), "every file of the recording in the bucket",
          () -> store.keys(prefix).containsAll(files.stream().map(f -> prefix + f).toList()),
          () -> store.keys(prefix) + "\n" + origin.logTail(30));
      for (String f : files) {
        try (InputStream in = blobs.getBlob(BUCKET, prefix + f).getPayload().openStream()) {
          assertThat(in.readAllBytes()).as(f + " in the bucket, byte for byte").isEqualTo(Files.readAllBytes(rec.resolve(f)));
        }
      }
      assertThat(Files.readString(rec.resolve("index.m3u8"))).isEqualTo(text);
      Await.until(Duration.ofSeconds(30), "the recording marked stored", () -> Files.exists(rec.resolve(".stored")),
          () -> origin.logTail(30));
      assertThat(origin.logLines("event=recording.requeued ")).singleElement().asString()
          .contains("stream=" + Streams.key(stream), "dir=" + rec, "files=3", "playlist=sent_by_salvage");
      log.info("MEASURED recording.requeue files_in_bucket={} stored_marker=true", store.keys(prefix).size());
    } finally {
      if (s3 != null) {
        s3.close();
      }
    }
  }

  /** Whole moof + mdat pairs at the start of {@code name} in the recording under {@code streamDir}; 0 when none. */
  static int fragmentsOf(Path streamDir, String name) {
    if (!Files.isDirectory(streamDir)) {
      return 0;
    }
    try (Stream<Path> files = Files.walk(streamDir)) {
      Path file = files.filter(f -> f.getFileName().toString().equals(name)).findFirst().orElse(null);
      if (file == null) {
        return 0;
      }
      ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
      int whole = 0;
      while (b.remaining() >= 16) {
        int at = b.position();
        long moof = b.getInt() & 0xffffffffL;
        byte[] type = new byte[4];
        b.get(type);
        if (!new String(type, StandardCharsets.US_ASCII).equals("moof") || moof < 8 || at + moof + 8 > b.limit()) {
          break;
        }
        long mdat = b.getInt(at + (int) moof) & 0xffffffffL;
        if (mdat < 8 || at + moof + mdat > b.limit()) {
          break;
        }
        whole++;
        b.position((int) (at + moof + mdat));
      }
      return whole;
    } catch (IOException | UncheckedIOException e) {
      return 0; // renamed meanwhile
    }
  }
}
