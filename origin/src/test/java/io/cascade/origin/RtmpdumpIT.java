package io.cascade.origin;

import static io.cascade.testing.PlaybackAssertions.assertCleanPlayback;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.cascade.testing.Rtmpdump;
import io.cascade.testing.ToolProcess;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** librtmp's rtmpdump, a client with its own RTMP stack, plays a live stream from the origin. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RtmpdumpIT {
  private static final Logger log = LoggerFactory.getLogger(RtmpdumpIT.class);
  private static final Duration PUBLISH = Duration.ofSeconds(8);
  private static final Duration STOP_AT = Duration.ofSeconds(5);

  private static Ffmpeg ffmpeg;
  private static OriginNode origin;

  @BeforeAll
  static void startOrigin(Vertx vertx) throws TimeoutException {
    ffmpeg = Ffmpeg.locate();
    origin = TestOrigin.start(vertx);
  }

  @AfterAll
  static void stopOrigin() throws TimeoutException {
    TestOrigin.stop(origin);
  }

  @Test
  void rtmpdumpRecordsADecodableLiveStream(@TempDir Path dir) {
    Rtmpdump rtmpdump = Rtmpdump.require();
    PublishProfile profile = PublishProfile.H264_AAC;
    String url = TestOrigin.uniqueStreamUrl(origin, "rtmpdump");
    Path file = dir.resolve("dump.flv");
    try (Publisher publisher = ffmpeg.publish(profile, url, PUBLISH)) {
      publisher.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(20));
      int exit;
      try (ToolProcess dump = rtmpdump.dumpLive(url, file, STOP_AT)) {
        exit = dump.awaitExit();
        log.info("rtmpdump exit={} elapsed={}ms\n{}", exit, dump.elapsed().toMillis(), dump.describe());
        assertThat(exit).as("rtmpdump exit code\n%s", dump.describe()).isZero();
      }
      PlayReport report = ffmpeg.probeFile(file);
      log.info("probed rtmpdump file {}", report.summary());
      // rtmpdump stops at the first tag at or past 5 s of stream time, having started at a keyframe at or before 1 s.
      assertCleanPlayback(report, profile, STOP_AT.minusSeconds(1).minusMillis(100));
      assertThat(publisher.awaitExit()).as("publisher exit code\n%s", publisher.describe()).isZero();
    }
  }
}
