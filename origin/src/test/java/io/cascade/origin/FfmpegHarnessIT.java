package io.cascade.origin;

import static io.cascade.testing.PlaybackAssertions.assertCleanPlayback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.Playback;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Checks the ffmpeg harness itself, without a server: each profile's encoders run in real time and
 * what they write is what the player reports. A failure here is the environment's, not the origin's.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class FfmpegHarnessIT {
  private static final Duration PUBLISH = Duration.ofSeconds(3);

  private static Ffmpeg ffmpeg;

  @BeforeAll
  static void locate() {
    ffmpeg = Ffmpeg.locate();
    assertThat(ffmpeg.version()).startsWith("ffmpeg version 8.");
  }

  @ParameterizedTest
  @EnumSource(PublishProfile.class)
  void profileEncodesInRealTimeAndProbesAsPublished(PublishProfile profile, @TempDir Path dir) {
    Path file = dir.resolve(profile + ".flv");
    long started = System.nanoTime();
    try (Publisher publisher = ffmpeg.publish(profile, file.toString(), PUBLISH)) {
      assertThat(publisher.awaitExit()).as("publisher exit code\n%s", publisher.describe()).isZero();
      assertThat(publisher.framesSent()).isEqualTo(3 * PublishProfile.FPS);
    }
    // -re sends about the first 0.5 s at once, then paces; unpaced, 3 s would take a fraction of a second.
    assertThat(Duration.ofNanos(System.nanoTime() - started)).as("-re paces the publisher")
        .isGreaterThanOrEqualTo(PUBLISH.minusSeconds(1));

    PlayReport whole = ffmpeg.probeFile(file);
    assertCleanPlayback(whole, profile, PUBLISH.minusMillis(200));
    assertThat(whole.videoFrames()).isEqualTo(3 * PublishProfile.FPS);
    assertThat(whole.videoKeyframes()).as("one keyframe per 2 s GOP").isEqualTo(2);

    try (Playback partial = ffmpeg.play(file.toString(), Duration.ofSeconds(2))) {
      PlayReport report = partial.await();
      assertCleanPlayback(report, profile, Duration.ofMillis(1800));
      assertThat(report.videoSpanSeconds()).as("the player stops after the stream time asked for").isLessThan(2.0);
    }
  }

  @Test
  void publisherThatCannotConnectFailsWithItsOutput() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC,
        "rtmp://127.0.0.1:" + closedPort + "/live/nobody", PUBLISH)) {
      assertThatThrownBy(() -> publisher.awaitFramesSent(1, Duration.ofSeconds(10)))
          .isInstanceOf(AssertionError.class)
          .hasMessageContaining("publisher sent 0 of the 1 frames")
          .hasMessageContaining("rtmp://127.0.0.1:" + closedPort);
    }
  }
}
