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

/** librtmp's rtmpdump, a client with its own RTMP stack, records a live stream from the origin. */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RtmpdumpIT {
  private static final Logger log = LoggerFactory.getLogger(RtmpdumpIT.class);
  private static final Duration PUBLISH = Duration.ofSeconds(8);

  private static Ffmpeg ffmpeg;
  private static OriginNode origin;

  @BeforeAll
  static void startOrigin(Vertx vertx) throws TimeoutException {
    ffmpeg = Ffmpeg.locate();
    origin = InProcessOrigin.start(vertx);
  }

  @AfterAll
  static void stopOrigin() throws TimeoutException {
    InProcessOrigin.stop(origin);
  }

  @Test
  void rtmpdumpRecordsALiveStreamToItsEnd(@TempDir Path dir) {
    Rtmpdump rtmpdump = Rtmpdump.require();
    PublishProfile profile = PublishProfile.H264_AAC;
    String url = InProcessOrigin.uniqueStreamUrl(origin, "rtmpdump");
    Path file = dir.resolve("recording.flv");
    try (Publisher publisher = ffmpeg.publish(profile, url, PUBLISH)) {
      publisher.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(20));
      int sentAtStart = publisher.framesSent();
      try (ToolProcess recorder = rtmpdump.recordLive(url, file, PUBLISH.plusSeconds(30))) {
        int exit = recorder.awaitExit();
        log.info("rtmpdump exit={} elapsed={}ms publisherFramesAtStart={}", exit, recorder.elapsed().toMillis(),
            sentAtStart);
        // rtmpdump exits 0 ("Download complete") only when the stream it recorded ended normally.
        assertThat(exit).as("rtmpdump exit code\n%s", recorder.describe()).isZero();
      }
      assertThat(publisher.awaitExit()).as("publisher exit code\n%s", publisher.describe()).isZero();
      PlayReport report = ffmpeg.probeFile(file);
      log.info("probed rtmpdump recording publisherFramesSent={} {}", publisher.framesSent(), report.summary());
      // Joining about 1 s in, the recording starts at the keyframe before that and runs to the end.
      assertCleanPlayback(report, profile, PUBLISH.minusSeconds(2));
    }
  }
}
