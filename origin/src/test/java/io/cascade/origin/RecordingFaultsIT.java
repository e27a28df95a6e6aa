package io.cascade.origin;

import static io.cascade.testing.PlaybackAssertions.assertUndisturbedPlayback;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.CascadeConfig;
import io.cascade.config.ConfigLoader;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.Playback;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.cascade.testing.TestFiles;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recording against a disk that misbehaves, on an in-process origin while ffmpeg publishes and an
 * RTMP player (ffprobe) plays the same stream: the byte quota deletes the oldest ended recordings
 * first and the live recording goes on past it; a full disk (a 16 MiB tmpfs filled up) and a
 * directory that turns read-only (a read-only bind mount) cost segments, each logged with the
 * stream and the reason and counted in {@code cascade_recording_errors_total} as /metrics shows,
 * and the recording continues once the disk takes writes again. In each the player decodes the
 * stream cleanly, with no step between decoded video frames longer than
 * {@link io.cascade.testing.PlaybackAssertions#MAX_LIVE_VIDEO_GAP_SECONDS}.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RecordingFaultsIT {
  private static final Logger log = LoggerFactory.getLogger(RecordingFaultsIT.class);
  private static final PublishProfile PROFILE = PublishProfile.H264_AAC;
  private static final Duration PUBLISH_START_LIMIT = Duration.ofSeconds(20);
  /** Media the player decodes while the fault happens. */
  private static final Duration PLAY = Duration.ofSeconds(10);
  private static final Duration FAULT_LIMIT = Duration.ofSeconds(30);

  private static Ffmpeg ffmpeg;
  private LogCapture logs;
  private OriginNode origin;

  @BeforeEach
  void attach() {
    ffmpeg = Ffmpeg.locate();
    logs = LogCapture.attach();
  }

  @AfterEach
  void detach() throws Exception {
    try {
      InProcessOrigin.stop(origin);
    } finally {
      logs.detach();
    }
  }

  private OriginNode start(Vertx vertx, Path root, Map<String, Object> extra) throws Exception {
    Map<String, Object> settings = new HashMap<>(Map.of(
        "rtmp.host", "127.0.0.1", "rtmp.port", 0,
        "http.host", "127.0.0.1", "http.port", 0,
        "live.republishWaitTimeout", "1s",
        "recording.rules", "rec/*;segment=2s",
        "recording.root", root.toString()));
    settings.putAll(extra);
    CascadeConfig config = ConfigLoader.load((Path) null, Map.of(), settings).config();
    origin = OriginNode.start(vertx, config).await(30, TimeUnit.SECONDS);
    return origin;
  }

  private static String unique(String label) {
    return label + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private String url(String name) {
    return "rtmp://127.0.0.1:" + origin.rtmpPort() + "/rec/" + name;
  }

  @Test
  void pastTheQuotaTheOldestEndedRecordingsAreDeletedFirstAndTheLiveOneGoesOn(Vertx vertx, @TempDir Path dir)
      throws Exception {
    Path root = dir.resolve("recordings");
    start(vertx, root, Map.of("recording.maxBytes", "1MiB"));
    // Two short recordings that end (about 330 KB each at this profile's ~1.3 Mbit/s), oldest first.
    List<String> ended = List.of(unique("old"), unique("newer"));
    for (String name : ended) {
      try (Publisher p = ffmpeg.publish(PROFILE, url(name), Duration.ofSeconds(2))) {
        assertThat(p.awaitExit()).as("ffmpeg exit code\n%s", p.describe()).isZero();
      }
      Await.until(Duration.ofSeconds(20), "the recording of " + name + " ends",
          () -> RecordingDirs.vodPlaylist(root.resolve("rec").resolve(name)) != null);
    }
    long endedBytes = TestFiles.bytesUnder(root);
    log.info("two ended recordings hold {} bytes against a quota of 1 MiB", endedBytes);
    assertThat(endedBytes).as("the ended recordings fit the quota").isLessThan(1 << 20);
    assertThat(MetricsScrape.of(origin).value("cascade_recording_quota_deletions_total", "")).isZero();

    String live = unique("live");
    try (Publisher publisher = ffmpeg.publish(PROFILE, url(live), Duration.ofSeconds(20))) {
      publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
      try (Playback playback = ffmpeg.play(url(live), PLAY)) {
        Await.until(FAULT_LIMIT, "both ended recordings deleted",
            () -> MetricsScrape.of(origin).value("cascade_recording_quota_deletions_total", "") >= 2);
        double segmentsAfter = origin.metrics().registry().find("cascade.recording.segments").counter().count();
        Await.until(FAULT_LIMIT, "a segment of the live recording past the quota",
            () -> origin.metrics().registry().find("cascade.recording.segments").counter().count() > segmentsAfter);
        // Read while it is recorded: once it ends over the quota alone, the quota deletes it at once.
        Path liveDir = root.resolve("rec").resolve(live);
        Await.until(FAULT_LIMIT, "four segments in the live recording's playlist",
            () -> segmentsListed(liveDir) >= 4);
        String playlist = Files.readString(onlyPlaylist(liveDir));
        assertThat(playlist).as("the live recording, over the quota, is whole").doesNotContain("#EXT-X-DISCONTINUITY");
        assertPlayedThrough(playback.await());
      }
    }
    // The live recording itself may go too once it ends (it is over the quota alone): not counted here.
    List<String> deleted = logs.matching(l -> l.message().startsWith("event=recording.quota.deleted")).stream()
        .map(LogCapture.Line::message).filter(m -> !m.contains("/rec/" + live + "/")).toList();
    log.info("quota deletions: {}", deleted);
    assertThat(deleted).as("deletions logged, oldest first").hasSize(2);
    assertThat(deleted.get(0)).contains("/rec/" + ended.get(0) + "/");
    assertThat(deleted.get(1)).contains("/rec/" + ended.get(1) + "/");
    assertThat(root.resolve("rec").resolve(ended.get(0))).isEmptyDirectory();
    assertThat(root.resolve("rec").resolve(ended.get(1))).isEmptyDirectory();
    assertThat(MetricsScrape.of(origin).value("cascade_recording_errors_total", "")).isZero();
  }

  @Test
  void aFullDiskCostsSegmentsThatAreLoggedAndCountedAndPlayersAreNotDisturbed(Vertx vertx, @TempDir Path dir)
      throws Exception {
    Path disk = Files.createDirectory(dir.resolve("disk"));
    String why = Mounts.tmpfs(disk, 16);
    if (why != null) {
      // No unprivileged way to make the JVM's own writes fail with ENOSPC without filling a shared disk.
      log.warn("disk full test not run: cannot mount a 16 MiB tmpfs ({}); it needs root or CAP_SYS_ADMIN", why);
      Assumptions.abort("cannot mount a tmpfs: " + why);
    }
    try {
      // Leave about one segment of room: the recording starts, then the disk is full.
      Path filler = disk.resolve("filler");
      long free = Files.getFileStore(disk).getUsableSpace();
      fill(filler, free - 600 * 1024);
      log.info("tmpfs {} free={} after filler={}", disk, Files.getFileStore(disk).getUsableSpace(), Files.size(filler));
      start(vertx, disk.resolve("recordings"), Map.of());
      String name = unique("full");
      try (Publisher publisher = ffmpeg.publish(PROFILE, url(name), Duration.ofSeconds(20))) {
        publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
        try (Playback playback = ffmpeg.play(url(name), PLAY)) {
          long playing = System.nanoTime();
          awaitWriteError(name, "No space left on device");
          long errorAt = lastErrorNanos(name);
          assertThat(errorAt).as("the disk filled up while the player played").isGreaterThan(playing);
          double segments = segments();
          Files.delete(filler);
          Await.until(FAULT_LIMIT, "a segment written once the disk has room", () -> segments() > segments);
          assertPlayedThrough(playback.await());
        }
      }
      Path recordingDir = recordingDir(disk.resolve("recordings").resolve("rec").resolve(name));
      Await.until(Duration.ofSeconds(20), "the recording ends", () -> Files.exists(recordingDir.resolve("index.m3u8"))
          && Files.readString(recordingDir.resolve("index.m3u8")).contains("#EXT-X-ENDLIST"));
      assertRecoveredAfterAGap(recordingDir);
    } finally {
      InProcessOrigin.stop(origin);
      origin = null;
      assertThat(Mounts.unmount(disk)).as("unmount %s", disk).isEmpty();
    }
  }

  @Test
  void aDirectoryThatTurnsReadOnlyCostsSegmentsThatAreLoggedAndCounted(Vertx vertx, @TempDir Path dir)
      throws Exception {
    Path root = Files.createDirectory(dir.resolve("recordings"));
    start(vertx, root, Map.of());
    String name = unique("readonly");
    Path streamDir = root.resolve("rec").resolve(name);
    boolean mounted = false;
    try (Publisher publisher = ffmpeg.publish(PROFILE, url(name), Duration.ofSeconds(20))) {
      publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
      try (Playback playback = ffmpeg.play(url(name), PLAY)) {
        long playing = System.nanoTime();
        Await.until(FAULT_LIMIT, "the first recorded segment", () -> segments() >= 1);
        Path recordingDir = recordingDir(streamDir);
        String why = Mounts.readOnly(recordingDir);
        String expected;
        Path replaced = null;
        if (why == null) {
          mounted = true;
          expected = "Read-only file system";
        } else {
          // Without the privilege to mount: the directory is moved away and a regular file takes its place.
          log.warn("read-only bind mount not possible ({}); replacing the recording directory by a regular file", why);
          replaced = recordingDir.resolveSibling(recordingDir.getFileName() + ".moved");
          Files.move(recordingDir, replaced);
          Files.writeString(recordingDir, "not a directory");
          expected = "Not a directory";
        }
        awaitWriteError(name, expected);
        assertThat(lastErrorNanos(name)).as("the directory failed while the player played").isGreaterThan(playing);
        double segments = segments();
        if (mounted) {
          assertThat(Mounts.unmount(recordingDir)).as("unmount %s", recordingDir).isEmpty();
          mounted = false;
        } else {
          Files.delete(recordingDir);
          Files.move(replaced, recordingDir);
        }
        Await.until(FAULT_LIMIT, "a segment written once the directory is writable again", () -> segments() > segments);
        assertPlayedThrough(playback.await());
      }
    } finally {
      if (mounted) {
        Mounts.unmount(recordingDir(streamDir));
      }
    }
    Path recordingDir = recordingDir(streamDir);
    Await.until(Duration.ofSeconds(20), "the recording ends", () -> Files.readString(recordingDir.resolve("index.m3u8"))
        .contains("#EXT-X-ENDLIST"));
    assertRecoveredAfterAGap(recordingDir);
  }

  /** The error is logged with the stream and the reason, and /metrics counts it. */
  private void awaitWriteError(String name, String cause) {
    Await.until(FAULT_LIMIT, "a write error of rec/" + name + " in /metrics",
        () -> MetricsScrape.of(origin).value("cascade_recording_errors_total", "reason=\"write\"") >= 1);
    List<LogCapture.Line> errors = errorLines(name);
    log.info("recording errors logged: {}", errors);
    assertThat(errors).as("error lines of rec/%s", name).isNotEmpty()
        .allSatisfy(l -> assertThat(l.message()).contains("reason=write"))
        .anySatisfy(l -> assertThat(l.message()).contains(cause));
  }

  private List<LogCapture.Line> errorLines(String name) {
    return logs.matching(l -> l.message().startsWith("event=recording.error stream=rec/" + name + " "));
  }

  private long lastErrorNanos(String name) {
    List<LogCapture.Line> errors = errorLines(name);
    return errors.get(errors.size() - 1).nanos();
  }

  private double segments() {
    return MetricsScrape.of(origin).value("cascade_recording_segments_total", "");
  }

  private static void assertPlayedThrough(PlayReport report) {
    log.info("player {}", report.summary());
    assertUndisturbedPlayback(report, PROFILE, PLAY.minusSeconds(1));
  }

  /** Segments before and after the fault, the ones after a discontinuity, no temporary file left. */
  private static void assertRecoveredAfterAGap(Path recordingDir) throws IOException {
    String playlist = Files.readString(recordingDir.resolve("index.m3u8"));
    log.info("recording after the fault\n{}", playlist);
    int marker = playlist.indexOf("#EXT-X-DISCONTINUITY");
    assertThat(marker).as("a discontinuity where segments were lost").isPositive();
    assertThat(playlist.substring(0, marker)).as("segments before the fault").contains(".m4s");
    assertThat(playlist.substring(marker)).as("segments after the fault").contains(".m4s");
    try (Stream<Path> files = Files.list(recordingDir)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).noneMatch(f -> f.endsWith(".tmp"));
    }
  }

  /** The one recording directory under {@code streamDir}. */
  private static Path recordingDir(Path streamDir) throws IOException {
    try (Stream<Path> dirs = Files.list(streamDir)) {
      List<Path> found = dirs.filter(d -> !d.getFileName().toString().endsWith(".moved")).toList();
      assertThat(found).as("recordings under %s", streamDir).hasSize(1);
      return found.get(0);
    }
  }

  /** The playlist of the one recording of the stream at {@code streamDir}. */
  private static Path onlyPlaylist(Path streamDir) throws IOException {
    try (Stream<Path> dirs = Files.list(streamDir)) {
      return dirs.toList().stream().map(d -> d.resolve("index.m3u8")).filter(Files::exists).findFirst().orElseThrow();
    }
  }

  private static long segmentsListed(Path streamDir) throws IOException {
    if (!Files.isDirectory(streamDir)) {
      return 0;
    }
    try (Stream<Path> dirs = Files.list(streamDir)) {
      long most = 0;
      for (Path d : dirs.toList()) {
        Path list = d.resolve("index.m3u8");
        if (Files.exists(list)) {
          most = Math.max(most, Files.readString(list).lines().filter(l -> l.endsWith(".m4s")).count());
        }
      }
      return most;
    }
  }

  private static void fill(Path file, long bytes) throws IOException {
    byte[] block = new byte[1 << 16];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long left = bytes; left > 0; left -= block.length) {
        out.write(block, 0, (int) Math.min(block.length, left));
      }
    }
  }
}
