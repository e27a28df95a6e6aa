package io.cascade.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.SyntheticMedia;
import io.cascade.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The edge keeps an upstream for {@code edge.upstreamIdleGrace} after its last player leaves (a
 * player coming back within it reuses the upstream) and closes it when the grace runs out.
 */
class IdleTeardownIT {
  private static final Logger log = LoggerFactory.getLogger(IdleTeardownIT.class);
  private static final Duration GRACE = Duration.ofSeconds(2);
  /** API polling, the origin noticing the closed connection, a loaded 2-core machine. */
  private static final Duration MARGIN = Duration.ofMillis(2500);
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(300, 30, 1, true);

  @RegisterExtension
  static final ClusterExtension nodes = new ClusterExtension(Cluster.builder("idle").origins(1).edges(1)
      .edgeEnv("CASCADE_EDGE_UPSTREAM_IDLE_GRACE", GRACE.toSeconds() + "s"));

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void upstreamClosesAfterTheGraceOnceTheLastPlayerLeft() throws Exception {
    ClusterProcess origin = nodes.cluster().origin(0);
    ClusterProcess edge = nodes.cluster().edge(0);
    String stream = Streams.unique("idle");
    String key = Streams.key(stream);
    StampedPublisher publisher = StampedPublisher.start(nodes.loops(), origin.rtmpUrl(Streams.APP, stream), PROFILE,
        Duration.ofSeconds(80), "publisher");
    List<StampedPlayer> players = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        players.add(StampedPlayer.play(nodes.loops(), edge.rtmpUrl(Streams.APP, stream), "player-" + i));
      }
      for (StampedPlayer p : players) {
        p.started().get(15, TimeUnit.SECONDS);
      }
      Await.until(Duration.ofSeconds(15), "players receiving", () -> players.stream().allMatch(p -> p.videoFrames() >= 15));
      assertThat(Api.localPlayers(origin, key)).as("upstreams").isEqualTo(1);

      // All leave; one comes back within the grace: the upstream must still be there, unchanged.
      for (StampedPlayer p : players) {
        p.close().get(10, TimeUnit.SECONDS);
      }
      long leftAt = System.nanoTime();
      int[] fewest = {Integer.MAX_VALUE};
      Await.sampling(GRACE.dividedBy(2), () -> fewest[0] = Math.min(fewest[0], Api.localPlayers(origin, key)));
      int minDuringGrace = fewest[0];
      StampedPlayer returning = StampedPlayer.play(nodes.loops(), edge.rtmpUrl(Streams.APP, stream), "returning");
      players.add(returning);
      returning.started().get(10, TimeUnit.SECONDS);
      Await.until(Duration.ofSeconds(5), "returning player receiving", () -> returning.videoFrames() >= 15);
      long returnedAfter = (System.nanoTime() - leftAt) / 1_000_000;
      log.info("returning player got frames {} ms after the others left; fewest upstreams seen meanwhile: {}",
          returnedAfter, minDuringGrace);
      assertThat(minDuringGrace).as("upstream kept during the grace").isEqualTo(1);
      assertThat(Api.localPlayers(origin, key)).as("upstreams after the return").isEqualTo(1);
      assertThat(returning.timeToFirstFrameNanos() / 1_000_000).as("warm edge: first frame ms").isLessThan(1000);
      log.info("MEASURED idle.warm_edge_first_frame_ms={}", returning.timeToFirstFrameNanos() / 1_000_000);

      returning.close().get(10, TimeUnit.SECONDS);
      long keptMillis = Await.until(GRACE.plus(MARGIN).plusSeconds(5), "the edge's upstream for " + key + " closed",
          () -> Api.localPlayers(origin, key) == 0);
      log.info("MEASURED idle.teardown_ms={} (last player left to the origin's player count for {} at 0; grace {})",
          keptMillis, key, GRACE);
      assertThat(keptMillis).as("upstream closed after the last player left (ms)").isPositive()
          .isGreaterThanOrEqualTo(GRACE.toMillis() - 100)
          .isLessThanOrEqualTo(GRACE.plus(MARGIN).toMillis());
      Await.until(Duration.ofSeconds(5), "edge serves no players of the key", () -> Api.localPlayers(edge, key) == 0);
      assertThat(publisher.closedByPeer()).isFalse();
    } finally {
      players.forEach(StampedPlayer::close);
      publisher.close();
    }
  }
}
