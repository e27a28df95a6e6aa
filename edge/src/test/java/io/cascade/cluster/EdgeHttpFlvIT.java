package io.cascade.cluster;

import static io.cascade.testing.PlaybackAssertions.assertCleanPlayback;
import static io.cascade.testing.PlaybackAssertions.assertPublishedShare;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.Playback;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP-FLV through an edge: ffmpeg publishes to the origin (H.264/AAC as classic FLV, HEVC/Opus as
 * Enhanced RTMP), ffprobe decodes the edge's {@code /{app}/{stream}.flv}; the first HTTP-FLV viewer
 * makes the edge pull the stream once, exactly as an RTMP player does, and the edge counts the
 * viewer in its own stream list.
 */
class EdgeHttpFlvIT {
  private static final Logger log = LoggerFactory.getLogger(EdgeHttpFlvIT.class);
  private static final Duration PLAY = Duration.ofSeconds(6);

  @RegisterExtension
  static final ClusterExtension nodes = new ClusterExtension(Cluster.builder("httpflv").origins(1).edges(1));
  private static Ffmpeg ffmpeg;

  @BeforeAll
  static void locateFfmpeg() {
    ffmpeg = Ffmpeg.locate();
  }

  @ParameterizedTest
  @EnumSource(value = PublishProfile.class, names = {"H264_AAC", "HEVC_OPUS"})
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void httpFlvViewerOnTheEdgePullsTheStreamAndDecodesIt(PublishProfile profile) {
    ClusterProcess origin = nodes.cluster().origin(0);
    ClusterProcess edge = nodes.cluster().edge(0);
    String stream = Streams.unique(profile.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    String key = Streams.key(stream);
    try (Publisher publisher = ffmpeg.publish(profile, origin.rtmpUri(Streams.APP, stream), Duration.ofSeconds(15))) {
      publisher.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(20));
      String url = "http://127.0.0.1:" + edge.httpPort() + "/" + Streams.APP + "/" + stream + ".flv";
      try (Playback onEdge = ffmpeg.play(url, PLAY)) {
        Await.until(Duration.ofSeconds(10), "the edge lists the http-flv viewer of " + key,
            () -> Api.localPlayers(edge, key) == 1, () -> edge.logTail(20));
        PlayReport report = onEdge.await();
        log.info("played over http-flv via {} profile={} {}", edge.node(), profile, report.summary());
        assertCleanPlayback(report, profile, PLAY.minusMillis(500));
        assertPublishedShare(report, profile, PLAY);
      }
      assertThat(origin.logLines("event=play.start").stream().filter(l -> l.contains(" stream=" + key + " ")))
          .as("upstream pulls of %s on the origin", key).hasSize(1);
    }
  }
}
