package io.cascade.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.SyntheticMedia;
import io.cascade.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SIGTERM drains a node: readiness flips first, new connections are refused, the connected
 * players keep receiving frames for node.drainGrace, then the rest are closed, an origin's claims
 * are released, and the process exits 0.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DrainIT {
  private static final Logger log = LoggerFactory.getLogger(DrainIT.class);
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(400, 30, 1, true);
  private static final Duration EDGE_GRACE = Duration.ofSeconds(6);
  private static final Duration ORIGIN_GRACE = Duration.ofSeconds(5);

  @RegisterExtension
  static final ClusterExtension nodes = new ClusterExtension(Cluster.builder("drain").origins(2).edges(1)
      .edgeEnv("CASCADE_NODE_DRAIN_GRACE", EDGE_GRACE.toSeconds() + "s")
      .originEnv("CASCADE_NODE_DRAIN_GRACE", ORIGIN_GRACE.toSeconds() + "s"));

  @Test
  @Order(1)
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void sigtermOnAnEdgeKeepsItsPlayersForTheGraceThenExitsZero() throws Exception {
    ClusterProcess origin = nodes.cluster().origin(0);
    ClusterProcess edge = nodes.cluster().edge(0);
    String stream = Streams.unique("drain-edge");
    StampedPublisher publisher = StampedPublisher.start(nodes.loops(), origin.rtmpUrl(Streams.APP, stream), PROFILE,
        Duration.ofSeconds(120), "publisher");
    List<StampedPlayer> players = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        players.add(StampedPlayer.play(nodes.loops(), edge.rtmpUrl(Streams.APP, stream), "player-" + i));
      }
      for (StampedPlayer p : players) {
        p.started().get(20, TimeUnit.SECONDS);
        Await.until(Duration.ofSeconds(20), p.name + " receiving", () -> p.videoFrames() >= 30, p::toString);
      }
      assertThat(edge.status("/health/ready")).isEqualTo(200);

      long[] before = players.stream().mapToLong(StampedPlayer::videoFrames).toArray();
      long t0 = System.nanoTime();
      edge.terminate();
      long notReady = Await.until(Duration.ofSeconds(3), "edge not ready after SIGTERM",
          () -> edge.status("/health/ready") == 503);
      log.info("MEASURED drain.edge.not_ready_ms={}", notReady);
      assertThat(edge.get("/metrics").body()).contains("cascade_node_draining{node=\"" + edge.node() + "\",role=\"edge\",tier=\"leaf\"} 1.0");

      // A new player is refused (the listener is closed) while the connected ones play on.
      StampedPlayer late = StampedPlayer.play(nodes.loops(), edge.rtmpUrl(Streams.APP, stream), "late");
      try {
        late.started().get(10, TimeUnit.SECONDS);
        throw new AssertionError("a new player was accepted by a draining edge");
      } catch (ExecutionException expected) {
        log.info("late player refused: {}", expected.getCause().toString());
      } finally {
        late.close();
      }
      // Three seconds of frames arrive at every player after SIGTERM, all inside the grace.
      Await.until(EDGE_GRACE, "every player got 90 frames after SIGTERM",
          () -> IntStream.range(0, players.size()).allMatch(i -> players.get(i).videoFrames() - before[i] >= 90),
          players::toString);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("still inside the grace").isLessThan(EDGE_GRACE);
      for (int i = 0; i < players.size(); i++) {
        StampedPlayer p = players.get(i);
        assertThat(p.closedUnexpectedly()).as("%s still connected inside a %s grace", p, EDGE_GRACE).isFalse();
        assertThat(p.gaps()).as("%s", p).isZero();
      }

      Integer exit = edge.awaitExitCode(EDGE_GRACE.plusSeconds(20));
      long exitedMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(exit).as("edge exit code after SIGTERM").isEqualTo(0);
      assertThat(exitedMs).as("exit after the grace").isGreaterThanOrEqualTo(EDGE_GRACE.toMillis() - 500);
      for (StampedPlayer p : players) {
        Await.until(Duration.ofSeconds(5), p.name + " closed by the drained edge", p::closedUnexpectedly, p::toString);
      }
      assertThat(edge.logLines("event=drain.")).as("drain steps logged")
          .anyMatch(l -> l.contains("event=drain.start") && l.contains("signal=SIGTERM"))
          .anyMatch(l -> l.contains("event=drain.not_ready"))
          .anyMatch(l -> l.contains("event=drain.connections_done"))
          .anyMatch(l -> l.contains("event=drain.done") && l.contains("exit=0"));
      assertThat(edge.logLines("reason=draining")).as("players closed with reason draining").hasSize(players.size());
      log.info("MEASURED drain.edge exit_ms={} (grace {} ms)", exitedMs, EDGE_GRACE.toMillis());
    } finally {
      players.forEach(StampedPlayer::close);
      publisher.close();
    }
  }

  @Test
  @Order(2)
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void sigtermOnAnOriginReleasesItsClaimsAfterTheGraceAndExitsZero() throws Exception {
    ClusterProcess origin = nodes.cluster().origin(0);
    ClusterProcess other = nodes.cluster().origin(1);
    String stream = Streams.unique("drain-origin");
    String key = Streams.key(stream);
    StampedPublisher publisher = StampedPublisher.start(nodes.loops(), origin.rtmpUrl(Streams.APP, stream), PROFILE,
        Duration.ofSeconds(120), "publisher");
    StampedPlayer player = StampedPlayer.play(nodes.loops(), origin.rtmpUrl(Streams.APP, stream), "player-on-origin");
    try {
      player.started().get(20, TimeUnit.SECONDS);
      Await.until(Duration.ofSeconds(20), "player receiving", () -> player.videoFrames() >= 30, player::toString);
      Await.until(Duration.ofSeconds(10), "claim visible on the other origin", () -> !Api.stream(other, key).absent());

      long before = player.videoFrames();
      long t0 = System.nanoTime();
      origin.terminate();
      Await.until(Duration.ofSeconds(3), "origin not ready after SIGTERM", () -> origin.status("/health/ready") == 503);
      // Two seconds of frames arrive after SIGTERM; the claim is still held then, inside the grace.
      Await.until(ORIGIN_GRACE, "60 frames at the player after SIGTERM", () -> player.videoFrames() - before >= 60,
          player::toString);
      assertThat(player.closedUnexpectedly()).as("%s during the grace", player).isFalse();
      assertThat(Api.stream(other, key).absent()).as("claim still held during the grace").isFalse();
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("still inside the grace").isLessThan(ORIGIN_GRACE);

      Integer exit = origin.awaitExitCode(ORIGIN_GRACE.plusSeconds(25));
      assertThat(exit).as("origin exit code after SIGTERM").isEqualTo(0);
      assertThat(origin.logLines("event=drain.claims_released")).as("claims released")
          .anyMatch(l -> l.contains("released=1"));
      // The drain released the record (the line above: the registry answered) before the member left.
      assertThat(Api.stream(other, key).absent()).as("record of %s after the drain", key).isTrue();
      assertThat(publisher.closedByPeer()).as("%s", publisher).isTrue();
      log.info("MEASURED drain.origin exit_ms={} (grace {} ms)", (System.nanoTime() - t0) / 1_000_000,
          ORIGIN_GRACE.toMillis());
    } finally {
      player.close();
      publisher.close();
    }
  }
}
