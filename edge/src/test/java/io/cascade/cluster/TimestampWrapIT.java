package io.cascade.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.SyntheticMedia;
import io.cascade.client.SyntheticPublisher;
import io.cascade.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nothing is lost where RTMP timestamps change shape: a publisher whose clock starts just below
 * 2^24 ms (the chunk header's 3-byte field gives way to the extended timestamp) and one just below
 * 2^32 ms (the 32-bit timestamp wraps to 0). Players on the origin and on an edge, waiting before
 * the publish starts, must receive every video and audio frame (no sequence gaps, counts equal to
 * what was sent) with timestamps that only move forward as 32-bit serial numbers, and across the
 * boundary: the first publish session keeps the encoder's timestamps.
 */
class TimestampWrapIT {
  private static final Logger log = LoggerFactory.getLogger(TimestampWrapIT.class);
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(400, 30, 1, true);
  private static final Duration PUBLISH = Duration.ofSeconds(6);
  /** The boundary comes this far into the publish. */
  private static final long LEAD_MILLIS = 2_500;
  private static final int PLAYERS_PER_NODE = 2;

  @RegisterExtension
  static final ClusterExtension nodes = new ClusterExtension(Cluster.builder("tswrap").origins(1).edges(1));

  @ParameterizedTest(name = "boundary {0} ms")
  @ValueSource(longs = {1L << 24, 1L << 32})
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void everyFrameArrivesInOrderAcrossTheBoundary(long boundary) throws Exception {
    long start = boundary - LEAD_MILLIS;
    ClusterProcess origin = nodes.cluster().origin(0);
    ClusterProcess edge = nodes.cluster().edge(0);
    String stream = Streams.unique("wrap");
    List<StampedPlayer> players = new ArrayList<>();
    StampedPublisher publisher = null;
    try {
      for (int i = 0; i < PLAYERS_PER_NODE; i++) {
        players.add(StampedPlayer.play(nodes.loops(), origin.rtmpUrl(Streams.APP, stream), "origin-" + i));
        players.add(StampedPlayer.play(nodes.loops(), edge.rtmpUrl(Streams.APP, stream), "edge-" + i));
      }
      for (StampedPlayer p : players) {
        p.started().get(15, TimeUnit.SECONDS);
      }
      publisher = StampedPublisher.start(nodes.loops(), origin.rtmpUrl(Streams.APP, stream), PROFILE, PUBLISH, start,
          "publisher-from-" + start);
      SyntheticPublisher.Result sent = publisher.done().get(PUBLISH.toSeconds() + 20, TimeUnit.SECONDS);
      log.info("published {} video and {} audio frames from {} ms", sent.videoFrames(), sent.audioFrames(), start);
      Await.until(Duration.ofSeconds(15), "every frame at every player",
          () -> players.stream().allMatch(p -> p.videoFrames() >= sent.videoFrames() && p.audioFrames() >= sent.audioFrames()),
          players::toString);

      for (StampedPlayer p : players) {
        log.info("{}", p);
        assertThat(p.closedUnexpectedly()).as("%s closed", p).isFalse();
        assertThat(p.sessions()).as("%s publish sessions", p).isEqualTo(1);
        assertThat(p.gaps()).as("%s sequence gaps", p).isZero();
        assertThat(p.videoFrames()).as("%s video frames", p).isEqualTo(sent.videoFrames());
        assertThat(p.audioFrames()).as("%s audio frames", p).isEqualTo(sent.audioFrames());
        assertThat(p.timestampRegressions()).as("%s timestamps going back: %s", p, p.firstRegression()).isZero();
        assertThat(p.firstTimestamp()).as("%s first timestamp", p).isEqualTo(start);
        assertThat(p.lastTimestamp()).as("%s last timestamp, unwrapped", p)
            .isGreaterThanOrEqualTo(boundary).isLessThan(start + PUBLISH.toMillis());
        assertThat(p.timestampWraps()).as("%s wraps past 2^32", p).isEqualTo(boundary == 1L << 32 ? 1 : 0);
      }
      assertThat(publisher.closedByPeer()).as("publisher closed by the server").isFalse();
    } finally {
      players.forEach(StampedPlayer::close);
      if (publisher != null) {
        publisher.close();
      }
    }
  }
}
