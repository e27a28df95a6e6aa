package io.cascade.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.SyntheticMedia;
import io.cascade.rtmp.message.NetStatus;
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
 * An origin that owns a stream stops dead (SIGSTOP: sockets open, nothing answers, as in a long GC
 * pause). The cluster must release its streams within 15 s so the broadcaster can go live on the
 * other origin; when the frozen origin resumes it must rejoin without reviving its stale claim,
 * and its old publisher, still connected to it, must be told the key is taken and disconnected.
 *
 * <p>On SIGCONT the frozen origin finds itself alone with its old copy of the registry, so for a
 * few seconds there are two clusters that Hazelcast then merges. Both halves hold one data member;
 * Hazelcast breaks that tie by address, and {@link Cluster} gives origin A the lowest port, which
 * makes the frozen origin's half the one the other merges into: the case where a merge policy that
 * keeps the merge target's entry would bring the stale claim back.
 */
class FreezeIT {
  private static final Logger log = LoggerFactory.getLogger(FreezeIT.class);
  private static final Duration RELEASE_BOUND = Duration.ofSeconds(15);
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(400, 30, 1, true);

  @RegisterExtension
  static final ClusterExtension nodes = new ClusterExtension(Cluster.builder("freeze").origins(2).edges(1));

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void frozenOwnerIsReleasedAndRejoinsWithoutStaleClaims() throws Exception {
    ClusterProcess originA = nodes.cluster().origin(0);
    ClusterProcess originB = nodes.cluster().origin(1);
    ClusterProcess edge = nodes.cluster().edge(0);
    String stream = Streams.unique("freeze");
    String key = Streams.key(stream);
    List<StampedPublisher> publishers = new ArrayList<>();
    StampedPlayer player = null;
    try {
      StampedPublisher old = StampedPublisher.start(nodes.loops(), originA.rtmpUrl(Streams.APP, stream), PROFILE,
          Duration.ofSeconds(120), "old-publisher-on-a");
      publishers.add(old);
      player = StampedPlayer.play(nodes.loops(), edge.rtmpUrl(Streams.APP, stream), "player@" + edge.node());
      StampedPlayer watching = player;
      player.started().get(15, TimeUnit.SECONDS);
      Await.until(Duration.ofSeconds(15), "player receiving from origin A", () -> watching.videoFrames() >= 30,
          watching::toString);
      long oldEpoch = Api.stream(originB, key).epoch();

      originA.freeze();
      long frozenAt = System.nanoTime();
      long released = Await.until(Duration.ofSeconds(40), "frozen origin A's record released (key not live on B)",
          () -> Api.stream(originB, key).absent(), () -> "B says " + Api.stream(originB, key));
      log.info("MEASURED freeze.release_ms={} (SIGSTOP of {} to its record gone from the registry)", released,
          originA.node());

      long republishMicros = SyntheticMedia.epochMicros();
      player.mark(republishMicros);
      StampedPublisher replacement = StampedPublisher.start(nodes.loops(), originB.rtmpUrl(Streams.APP, stream),
          PROFILE,
          Duration.ofSeconds(120), "new-publisher-on-b");
      publishers.add(replacement);
      Await.until(Duration.ofSeconds(15), "player receiving the new publish", () -> watching.framesAfterMark() >= 30,
          watching::toString);
      log.info("MEASURED freeze.failover_ms={} (new publish on {} to first new frame at the player)",
          (player.firstAfterMarkMicros() - republishMicros) / 1000, originB.node());

      originA.thaw();
      long thawedAt = System.nanoTime();
      // One of the two publishers must go; it has to be the stale one on the thawed origin.
      long disconnected = Await.until(Duration.ofSeconds(60), "a publisher disconnected after the thaw",
          () -> old.closedByPeer() || replacement.closedByPeer(), () -> old + "\n" + replacement);
      log.info("MEASURED freeze.thaw_to_disconnect_ms={} after SIGCONT (frozen {} ms) old={} new={}",
          disconnected, (thawedAt - frozenAt) / 1_000_000, old, replacement);
      assertThat(replacement.closedByPeer())
          .as("the new publisher on %s was disconnected after the thaw, the stale claim of %s revived: %s; registry"
              + " says %s", originB.node(), originA.node(), replacement, Api.stream(originB, key))
          .isFalse();
      Await.until(Duration.ofSeconds(60), "thawed origin A sees origin B's claim",
          () -> originB.node().equals(Api.stream(originA, key).ownerNode()), () -> "A says " + Api.stream(originA, key));
      log.info("MEASURED freeze.rejoin_ms={} after SIGCONT (A's API shows the new owner)",
          (System.nanoTime() - thawedAt) / 1_000_000);

      long newEpoch = Api.stream(originB, key).epoch();
      for (ClusterProcess node : nodes.cluster().nodes()) {
        Api.Lookup l = Api.stream(node, key);
        assertThat(l.ownerNode()).as("owner of %s seen from %s", key, node.node()).isEqualTo(originB.node());
        assertThat(l.epoch()).as("epoch seen from %s", node.node()).isEqualTo(newEpoch).isGreaterThan(oldEpoch);
        assertThat(Api.listedCount(node, key)).as("entries for %s listed by %s", key, node.node()).isEqualTo(1);
      }
      // Closed is enough; a status, when one came, must name the reason. A freeze longer than
      // rtmp.publisherNoDataTimeout can also end the old publish before the claim check does.
      assertThat(old.statuses().stream().filter(st -> st.startsWith("error:")))
          .as("error statuses the old publisher got").allMatch(st -> st.equals("error:" + NetStatus.PUBLISH_BAD_NAME));
      if (!old.receivedStatus(NetStatus.PUBLISH_BAD_NAME)) {
        log.warn("old publisher closed without NetStream.Publish.BadName: {}; origin A says {}", old,
            originA.logLines(key).stream().filter(l -> l.contains("event=close")).toList());
      }
      assertThat(replacement.closedByPeer()).as("%s", replacement).isFalse();

      long afterThaw = player.framesAfterMark();
      Await.until(Duration.ofSeconds(10), "player still receiving the new publish after the thaw",
          () -> watching.framesAfterMark() >= afterThaw + 60, watching::toString);
      assertThat(player.closedUnexpectedly()).as("%s kept its connection", player).isFalse();
      assertThat(player.timestampRegressions()).as("%s timestamps", player).isZero();
      assertThat(player.sessions()).as("%s publish sessions (old, new; nothing stale after the thaw)", player)
          .isEqualTo(2);
      assertThat(released).as("ms from SIGSTOP to release").isLessThanOrEqualTo(RELEASE_BOUND.toMillis());
    } finally {
      if (originA.isFrozen()) {
        originA.thaw();
      }
      if (player != null) {
        player.close();
      }
      publishers.forEach(StampedPublisher::close);
    }
  }
}
