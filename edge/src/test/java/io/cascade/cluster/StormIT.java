package io.cascade.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.SyntheticMedia;
import io.cascade.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thousand players ask a cold edge for the same stream within a second: the edge must open
 * exactly one upstream to the origin, and every player must get the stream from its start at a
 * keyframe, without gaps.
 */
class StormIT {
  private static final Logger log = LoggerFactory.getLogger(StormIT.class);
  private static final int PLAYERS = 1000;
  /** Small frames at 10 fps: the point is the number of players, not the bitrate. */
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(100, 10, 1, false);

  @RegisterExtension
  static final ClusterExtension nodes = new ClusterExtension(Cluster.builder("storm").origins(1).edges(1));

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void thousandPlayersOnAColdEdgeShareOneUpstream() throws Exception {
    ClusterProcess origin = nodes.cluster().origin(0);
    ClusterProcess edge = nodes.cluster().edge(0);
    String stream = Streams.unique("storm");
    String key = Streams.key(stream);
    List<StampedPlayer> players = new ArrayList<>(PLAYERS);
    StampedPublisher publisher = StampedPublisher.start(nodes.loops(), origin.rtmpUrl(Streams.APP, stream), PROFILE,
        Duration.ofSeconds(90), "publisher");
    try {
      Await.until(Duration.ofSeconds(10), "stream registered", () -> Api.stream(edge, key).live());
      assertThat(Api.localPlayers(edge, key)).as("edge is cold").isZero();
      assertThat(Api.localPlayers(origin, key)).as("no upstream yet").isZero();

      long launchStart = System.nanoTime();
      for (int i = 0; i < PLAYERS; i++) {
        StampedPlayer p = new StampedPlayer("player-" + i);
        p.start(nodes.loops(), edge.rtmpUrl(Streams.APP, stream));
        players.add(p);
      }
      long launchMillis = (System.nanoTime() - launchStart) / 1_000_000;
      log.info("MEASURED storm.launch_ms={} for {} players (connect started for each)", launchMillis, PLAYERS);
      // How fast the storm arrives depends on the machine's load; whatever its pace, the edge must
      // open one upstream for all of them (asserted below), so the launch time is only reported.

      // Sample the origin's view while the storm settles: never more than one upstream.
      int[] maxUpstreams = {0};
      Await.until(Duration.ofSeconds(45), "every player got 20 frames", () -> {
        maxUpstreams[0] = Math.max(maxUpstreams[0], Api.localPlayers(origin, key));
        return players.stream().allMatch(p -> p.videoFrames() >= 20);
      }, () -> players.stream().filter(p -> p.videoFrames() < 20).count() + " short, "
          + players.stream().filter(p -> p.started().isCompletedExceptionally()).count() + " failed to play; e.g. "
          + players.stream().filter(p -> p.videoFrames() < 20).limit(5).map(p -> p + " " + p.started())
              .collect(Collectors.joining("\n")));
      long allReceiving = (System.nanoTime() - launchStart) / 1_000_000;
      List<Long> ttff = players.stream().map(p -> p.timeToFirstFrameNanos() / 1_000_000).sorted().toList();
      log.info("MEASURED storm.first_frame_ms p50={} p90={} p99={} max={}; all players had 20 frames {} ms after launch",
          ttff.get(PLAYERS / 2), ttff.get(PLAYERS * 9 / 10), ttff.get(PLAYERS * 99 / 100), ttff.get(PLAYERS - 1),
          allReceiving);
      Await.sampling(Duration.ofSeconds(1),
          () -> maxUpstreams[0] = Math.max(maxUpstreams[0], Api.localPlayers(origin, key)));
      int upstreams = Api.localPlayers(origin, key);
      int edgePlayers = Api.localPlayers(edge, key);
      // Every play the origin accepted for the key, from its log: catches a second pull however short-lived.
      List<String> relayPlays = origin.logLines("event=play.start").stream()
          .filter(l -> l.contains(" stream=" + key + " ")).toList();
      log.info("MEASURED storm.upstreams={} max_sampled={} plays_at_origin={} edge_players={}", upstreams, maxUpstreams[0],
          relayPlays.size(), edgePlayers);
      assertThat(relayPlays).as("plays of %s the origin accepted", key).hasSize(1);
      assertThat(upstreams).as("players the origin serves on %s (the edge's upstreams)", key).isEqualTo(1);
      assertThat(maxUpstreams[0]).as("most upstreams sampled during the storm").isEqualTo(1);
      assertThat(edgePlayers).as("players the edge serves").isEqualTo(PLAYERS);
      for (StampedPlayer p : players) {
        assertThat(p.closedUnexpectedly()).as("%s closed", p).isFalse();
        assertThat(p.firstFrameKeyframe()).as("%s starts at a keyframe", p).isTrue();
        assertThat(p.gaps()).as("%s gaps", p).isZero();
        assertThat(p.timestampRegressions()).as("%s timestamps", p).isZero();
      }
    } finally {
      players.forEach(StampedPlayer::close);
      publisher.close();
    }
  }
}
