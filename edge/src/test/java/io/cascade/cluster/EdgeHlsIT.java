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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LL-HLS through an edge: ffmpeg publishes H.264/AAC to the origin, ffprobe plays the edge's
 * {@code /{app}/{stream}/index.m3u8} with ffmpeg's HLS demuxer; the first HLS request makes the
 * edge pull the stream, once, however many playlist and part requests follow, and the packaging
 * leaves the stream once no request came for {@code hls.viewerIdle}.
 */
class EdgeHlsIT {
  private static final Logger log = LoggerFactory.getLogger(EdgeHlsIT.class);
  private static final Duration PLAY = Duration.ofSeconds(5);

  @RegisterExtension
  static final ClusterExtension nodes = new ClusterExtension(Cluster.builder("hls").origins(1).edges(1));
  private static Ffmpeg ffmpeg;

  @BeforeAll
  static void locateFfmpeg() {
    ffmpeg = Ffmpeg.locate();
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void theFirstHlsRequestOnTheEdgePullsTheStreamOnce() {
    ClusterProcess origin = nodes.cluster().origin(0);
    ClusterProcess edge = nodes.cluster().edge(0);
    PublishProfile profile = PublishProfile.H264_AAC;
    String stream = Streams.unique("hls");
    String key = Streams.key(stream);
    try (Publisher publisher = ffmpeg.publish(profile, origin.rtmpUri(Streams.APP, stream), Duration.ofSeconds(16))) {
      publisher.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(20));
      assertThat(Api.localPlayers(edge, key)).as("no pull before a viewer").isZero();
      String url = "http://127.0.0.1:" + edge.httpPort() + "/" + Streams.APP + "/" + stream + "/index.m3u8";
      try (Playback onEdge = ffmpeg.play(url, PLAY)) {
        Await.until(Duration.ofSeconds(10), "the edge pulls " + key + " for its HLS packaging",
            () -> Api.localPlayers(edge, key) == 1, () -> edge.logTail(20));
        PlayReport report = onEdge.await();
        log.info("played over hls via {} profile={} {}", edge.node(), profile, report.summary());
        assertCleanPlayback(report, profile, PLAY.minusMillis(500));
        assertPublishedShare(report, profile, PLAY);
      }
      assertThat(origin.logLines("event=play.start").stream().filter(l -> l.contains(" stream=" + key + " ")))
          .as("upstream pulls of %s on the origin", key).hasSize(1);
      // Once no HLS request came for hls.viewerIdle (10 s) the packaging leaves the stream.
      Await.until(Duration.ofSeconds(25), "the edge's HLS packaging of " + key + " ends when its viewer is gone",
          () -> Api.localPlayers(edge, key) == 0, () -> edge.logTail(20));
      assertThat(edge.logLines("event=hls.session.end").stream().filter(l -> l.contains("stream=" + key + " ")))
          .as("ended idle").singleElement().asString().contains("reason=idle");
      assertThat(edge.logLines("event=hls.session.start").stream().filter(l -> l.contains("stream=" + key + " ")))
          .as("HLS packaging sessions of %s on the edge", key).hasSize(1);
    }
  }
}
