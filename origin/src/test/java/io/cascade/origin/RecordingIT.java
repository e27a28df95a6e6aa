package io.cascade.origin;

import static io.cascade.testing.PlaybackAssertions.assertCleanPlayback;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.ConfigLoader;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.Playback;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recording on an in-process origin: ffmpeg 8 publishes each codec pair for 6 s to an app a
 * {@code recording.rules} rule matches; once the publisher is gone for {@code live.republishWaitTimeout}
 * the recording's playlist is VOD, ffprobe decodes the init segment followed by each segment on its
 * own, and the whole recording through the playlist (ffmpeg's HLS demuxer), and its duration is the
 * published time within one GOP. A republish within the wait continues the recording after a
 * discontinuity. A recorder whose directory cannot be made does not disturb players.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RecordingIT {
  private static final Logger log = LoggerFactory.getLogger(RecordingIT.class);
  private static final Duration PUBLISH = Duration.ofSeconds(6);
  private static final Duration GOP = Duration.ofSeconds(2);
  private static final Duration PUBLISH_START_LIMIT = Duration.ofSeconds(20);
  /** Long enough for ffmpeg to start again, short enough that recordings end soon after. */
  private static final String REPUBLISH_WAIT = "3s";

  @TempDir
  static Path root;

  private static Ffmpeg ffmpeg;
  private static OriginNode origin;

  @BeforeAll
  static void startOrigin(Vertx vertx) throws TimeoutException {
    ffmpeg = Ffmpeg.locate();
    origin = OriginNode.start(vertx, config(root.resolve("recordings"))).await(30, TimeUnit.SECONDS);
  }

  private static io.cascade.config.CascadeConfig config(Path recordings) {
    return ConfigLoader.load((Path) null, Map.of(), Map.ofEntries(
        Map.entry("rtmp.host", "127.0.0.1"), Map.entry("rtmp.port", 0),
        Map.entry("http.host", "127.0.0.1"), Map.entry("http.port", 0),
        Map.entry("live.republishWaitTimeout", REPUBLISH_WAIT),
        Map.entry("recording.rules", "rec/*;segment=2s"),
        Map.entry("recording.root", recordings.toString()))).config();
  }

  @AfterAll
  static void stopOrigin() throws TimeoutException {
    InProcessOrigin.stop(origin);
  }

  private static String unique(String label) {
    return label + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @ParameterizedTest
  @EnumSource(value = PublishProfile.class, names = {"H264_AAC", "HEVC_OPUS"})
  void aPublishIsRecordedAndFfprobeReadsEverySegmentAndTheVodPlaylist(PublishProfile profile, @TempDir Path work)
      throws IOException {
    String name = unique(profile.name().toLowerCase(Locale.ROOT));
    try (Publisher publisher = ffmpeg.publish(profile, "rtmp://127.0.0.1:" + origin.rtmpPort() + "/rec/" + name,
        PUBLISH)) {
      assertThat(publisher.awaitExit()).as("ffmpeg exit code\n%s", publisher.describe()).isZero();
    }
    Path streamDir = root.resolve("recordings").resolve("rec").resolve(name);
    long waited = Await.until(Duration.ofSeconds(20), "a VOD playlist under " + streamDir,
        () -> RecordingDirs.vodPlaylist(streamDir) != null);
    Path dir = RecordingDirs.vodPlaylist(streamDir).getParent();
    log.info("recording profile={} ended {} ms after the publisher, dir={}", profile, waited, dir);

    String playlist = Files.readString(dir.resolve("index.m3u8"));
    log.info("recording playlist\n{}", playlist);
    assertThat(playlist).startsWith("#EXTM3U\n").contains("#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-MAP:URI=\"init.mp4\"")
        .endsWith("#EXT-X-ENDLIST\n");
    List<String> segments = playlist.lines().filter(l -> !l.startsWith("#")).toList();
    double seconds = playlist.lines().filter(l -> l.startsWith("#EXTINF:"))
        .mapToDouble(l -> Double.parseDouble(l.substring(8, l.indexOf(',')))).sum();
    assertThat(segments).as("2 s segments of a 6 s publish").hasSizeBetween(3, 4);
    assertThat(seconds).as("recorded seconds against %d s published", PUBLISH.toSeconds())
        .isBetween((PUBLISH.minus(GOP)).toMillis() / 1000.0, (PUBLISH.plus(GOP)).toMillis() / 1000.0);
    try (Stream<Path> files = Files.list(dir)) {
      assertThat(files.map(p -> p.getFileName().toString()).toList()).as("no temporary file left")
          .noneMatch(f -> f.endsWith(".tmp"));
    }

    byte[] init = Files.readAllBytes(dir.resolve("init.mp4"));
    for (String segment : segments) {
      Path alone = work.resolve("init+" + segment + ".mp4");
      try (OutputStream out = Files.newOutputStream(alone)) {
        out.write(init);
        out.write(Files.readAllBytes(dir.resolve(segment)));
      }
      PlayReport report = ffmpeg.probeFile(alone);
      log.info("recording segment {} {}", segment, report.summary());
      assertThat(report.exitCode()).as("%s: ffprobe exit code\n%s", segment, report.diagnostics()).isZero();
      assertThat(report.errorLines()).as("%s: ffprobe errors", segment).isEmpty();
      assertThat(report.videoCodec()).isEqualTo(profile.videoCodec());
      assertThat(report.audioCodec()).isEqualTo(profile.audioCodec());
      assertThat(report.firstVideoFrameIsKeyframe()).as("%s starts at a keyframe", segment).isTrue();
      assertThat(report.videoFrames()).as("%s video frames", segment).isPositive();
    }

    PlayReport whole = ffmpeg.probeFile(dir.resolve("index.m3u8"));
    log.info("recording playlist {}", whole.summary());
    assertCleanPlayback(whole, profile, PUBLISH.minus(GOP));
    assertThat(whole.videoSpanSeconds()).as("seconds of video through the playlist")
        .isLessThanOrEqualTo(PUBLISH.plus(GOP).toMillis() / 1000.0);
    assertThat(origin.metrics().registry().find("cascade.recording.segments").counter().count())
        .isGreaterThanOrEqualTo(segments.size());
  }

  @Test
  void aRepublishWithinTheWaitContinuesTheRecordingAfterADiscontinuity() throws IOException {
    PublishProfile profile = PublishProfile.H264_AAC;
    String name = unique("republish");
    String url = "rtmp://127.0.0.1:" + origin.rtmpPort() + "/rec/" + name;
    Duration each = Duration.ofSeconds(4);
    for (int i = 0; i < 2; i++) {
      try (Publisher publisher = ffmpeg.publish(profile, url, each)) {
        assertThat(publisher.awaitExit()).as("ffmpeg exit code\n%s", publisher.describe()).isZero();
      }
    }
    Path streamDir = root.resolve("recordings").resolve("rec").resolve(name);
    Await.until(Duration.ofSeconds(20), "a VOD playlist under " + streamDir, () -> RecordingDirs.vodPlaylist(streamDir) != null);
    try (Stream<Path> recordings = Files.list(streamDir)) {
      assertThat(recordings.toList()).as("one recording for both publishes").hasSize(1);
    }
    Path list = RecordingDirs.vodPlaylist(streamDir);
    String playlist = Files.readString(list);
    log.info("recording republished playlist\n{}", playlist);
    assertThat(playlist.split("#EXT-X-DISCONTINUITY\n", -1)).as("one discontinuity").hasSize(2);
    double seconds = playlist.lines().filter(l -> l.startsWith("#EXTINF:"))
        .mapToDouble(l -> Double.parseDouble(l.substring(8, l.indexOf(',')))).sum();
    assertThat(seconds).as("recorded seconds of two %d s publishes", each.toSeconds())
        .isBetween(2 * (each.minus(GOP)).toMillis() / 1000.0, 2 * (each.plus(GOP)).toMillis() / 1000.0);

    PlayReport whole = ffmpeg.probeFile(list);
    log.info("recording republished {}", whole.summary());
    assertCleanPlayback(whole, profile, each.multipliedBy(2).minus(GOP.multipliedBy(2)));
  }

  @Test
  void anUnwritableRecordingDirectoryIsCountedAndPlayersAreNotDisturbed(@TempDir Path work)
      throws IOException, TimeoutException {
    Path notADirectory = Files.writeString(work.resolve("file"), "x");
    // Its own Vert.x: listeners on port 0 of one Vert.x share one server, so they would share nodes.
    Vertx own = Vertx.vertx();
    OriginNode broken = OriginNode.start(own, config(notADirectory.resolve("recordings")))
        .await(30, TimeUnit.SECONDS);
    try {
      String url = "rtmp://127.0.0.1:" + broken.rtmpPort() + "/rec/" + unique("broken");
      try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, url, PUBLISH)) {
        publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
        try (Playback playback = ffmpeg.play(url, Duration.ofSeconds(3))) {
          PlayReport report = playback.await();
          assertCleanPlayback(report, PublishProfile.H264_AAC, Duration.ofMillis(2_500));
        }
      }
      var errors = broken.metrics().registry().find("cascade.recording.errors").tag("reason", "directory").counter();
      Await.until(Duration.ofSeconds(10), "a directory error counted", () -> errors.count() >= 1);
      assertThat(broken.metrics().registry().find("cascade.recording.segments").counter().count()).isZero();
    } finally {
      InProcessOrigin.stop(broken);
      own.close().await(30, TimeUnit.SECONDS);
    }
  }
}
