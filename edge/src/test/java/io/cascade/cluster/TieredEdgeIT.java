package io.cascade.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.SyntheticMedia;
import io.cascade.edge.RendezvousHash;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tiered edges as separate JVMs: one origin, two parent edges, two leaf edges. Four streams (one
 * from ffmpeg, three synthetic), chosen so the rendezvous hash puts two on each parent, are played
 * on both leaves. The origin serves exactly one relay per stream (each stream's parent), each
 * parent serves its own streams to both leaves; then one parent is killed (SIGKILL) and its
 * leaves' pulls move to the other parent within 3 s, every player on its original connection with
 * timestamps that never go back, and the origin is back to one relay per stream. The streams API
 * (asked on the origin and on a leaf) shows each stream's tree, origin -> parent -> both leaves,
 * before the kill and through the survivor after it.
 */
class TieredEdgeIT {
  private static final Logger log = LoggerFactory.getLogger(TieredEdgeIT.class);
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(500, 30, 1, true);
  private static final Pattern ANNOUNCE = Pattern.compile("event=parents\\.announce node=\\S+ member=(\\S+)");
  private static final Duration REHOME_BOUND = Duration.ofSeconds(3);
  private static final int STREAMS_PER_PARENT = 2;

  @RegisterExtension
  static final ClusterExtension nodes = new ClusterExtension(Cluster.builder("tiers").origins(1).edges(4)
      .edgeEnv(0, "CASCADE_EDGE_TIER", "parent")
      .edgeEnv(1, "CASCADE_EDGE_TIER", "parent")
      // One leaf a lite member, the other a Hazelcast client of the origin (docs/SCALE.md).
      .edgeEnv(3, "CASCADE_CLUSTER_EDGE_MODE", "client"));

  private final List<StampedPlayer> players = new ArrayList<>();
  private final List<StampedPublisher> publishers = new ArrayList<>();

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void leavesPullThroughTheParentsByTheHashAndMoveWhenOneDies() throws Exception {
    Cluster cluster = nodes.cluster();
    ClusterProcess origin = cluster.origin(0);
    List<ClusterProcess> parents = List.of(cluster.edge(0), cluster.edge(1));
    List<ClusterProcess> leaves = List.of(cluster.edge(2), cluster.edge(3));
    Map<String, ClusterProcess> byMember = new LinkedHashMap<>();
    for (ClusterProcess p : parents) {
      Await.until(Duration.ofSeconds(30), p.node() + " announced", () -> announcedMember(p) != null,
          () -> p.logTail(30));
      byMember.put(announcedMember(p), p);
    }
    for (ClusterProcess leaf : leaves) {
      Await.until(Duration.ofSeconds(30), leaf.node() + " knows both parents",
          () -> byMember.values().stream().allMatch(p -> log(leaf).contains("event=parents.joined node=" + p.node() + " ")),
          () -> leaf.logTail(30));
    }
    List<String> members = new ArrayList<>(byMember.keySet());

    // Two streams per parent by the same hash the leaves use; the first (ffmpeg's) on the parent killed later.
    Map<String, ClusterProcess> streams = new LinkedHashMap<>();
    int[] count = new int[2];
    for (int i = 0; streams.size() < 2 * STREAMS_PER_PARENT; i++) {
      String stream = Streams.unique("tier" + i);
      ClusterProcess parent = byMember.get(RendezvousHash.choose(Streams.key(stream), members, Function.identity()));
      int index = parents.indexOf(parent);
      boolean firstGoesToTheVictim = !streams.isEmpty() || index == 0;
      if (count[index] < STREAMS_PER_PARENT && firstGoesToTheVictim) {
        count[index]++;
        streams.put(stream, parent);
      }
    }
    List<String> names = new ArrayList<>(streams.keySet());
    log.info("streams by parent: {}", streams.entrySet().stream()
        .map(e -> e.getKey() + "->" + e.getValue().node()).collect(Collectors.joining(", ")));

    Ffmpeg ffmpeg = Ffmpeg.locate();
    try (Publisher encoder = ffmpeg.publish(PublishProfile.H264_AAC, origin.rtmpUri(Streams.APP, names.get(0)),
        Duration.ofSeconds(120))) {
      for (String stream : names.subList(1, names.size())) {
        publishers.add(StampedPublisher.start(nodes.loops(), origin.rtmpUrl(Streams.APP, stream), PROFILE,
            Duration.ofSeconds(120), "publisher-" + stream));
      }
      encoder.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(30));
      Map<StampedPlayer, String> streamOf = new LinkedHashMap<>();
      for (String stream : names) {
        for (ClusterProcess leaf : leaves) {
          StampedPlayer p = StampedPlayer.play(nodes.loops(), leaf.rtmpUrl(Streams.APP, stream),
              stream + "@" + leaf.node());
          players.add(p);
          streamOf.put(p, stream);
        }
      }
      for (StampedPlayer p : players) {
        p.started().get(20, TimeUnit.SECONDS);
      }
      Await.until(Duration.ofSeconds(20), "every player receiving media", () -> players.stream()
          .allMatch(p -> p.mediaMessages() >= 60), this::describePlayers);

      // One relay per stream leaves the origin; each parent serves its own streams to both leaves.
      Await.until(Duration.ofSeconds(10), "origin relays one per stream, leaves pull only from parents", () ->
          relays(origin) == names.size() && oneRelayEach(origin, names)
              && leaves.stream().allMatch(l -> sources(l, "parent") == names.size() && sources(l, "origin") == 0),
          () -> "origin relays " + relays(origin) + "; " + describeSources(leaves));
      for (ClusterProcess parent : parents) {
        assertThat(sources(parent, "origin")).as("%s pulls its streams from the origin", parent.node())
            .isEqualTo(STREAMS_PER_PARENT);
        assertThat(relays(parent)).as("%s serves its streams to both leaves", parent.node())
            .isEqualTo(STREAMS_PER_PARENT * leaves.size());
        for (String stream : names) {
          assertThat(Api.local(parent, Streams.key(stream)).isPresent())
              .as("%s holds %s", parent.node(), stream).isEqualTo(streams.get(stream) == parent);
        }
      }

      // The API draws each stream's tree from the viewer reports: origin -> its parent -> both leaves.
      for (ClusterProcess asked : List.of(origin, leaves.get(0))) {
        for (String stream : names) {
          String expected = expectedTree(origin, streams.get(stream), leaves);
          Await.until(Duration.ofSeconds(10), "tree of " + stream + " as " + asked.node() + " reports it",
              () -> expected.equals(Api.tree(asked, Streams.key(stream))),
              () -> "expected " + expected + " got " + Api.tree(asked, Streams.key(stream)));
        }
      }

      // Every node's series carry its tier, so the dashboards split the tree's egress by level.
      Map<ClusterProcess, String> tierOf = new LinkedHashMap<>();
      tierOf.put(origin, "origin");
      parents.forEach(p -> tierOf.put(p, "parent"));
      leaves.forEach(l -> tierOf.put(l, "leaf"));
      tierOf.forEach((node, tier) -> assertThat(scrape(node).sum("cascade_sent_bytes_total", "tier", tier, "role",
          tier.equals("origin") ? "origin" : "edge")).as("bytes sent by %s, tier %s", node.node(), tier).isPositive());

      ClusterProcess victim = parents.get(0);
      ClusterProcess survivor = parents.get(1);
      List<StampedPlayer> moved = players.stream().filter(p -> streams.get(streamOf.get(p)) == victim).toList();
      Map<StampedPlayer, Long> before = new LinkedHashMap<>();
      moved.forEach(p -> before.put(p, p.mediaMessages()));
      long killMicros = SyntheticMedia.epochMicros();
      players.forEach(p -> p.mark(killMicros));
      victim.kill();
      long resumedMs = Await.until(Duration.ofSeconds(15), "players of " + victim.node() + "'s streams get media again",
          () -> moved.stream().allMatch(p -> p.mediaMessages() >= before.get(p) + 60), this::describePlayers);
      log.info("MEASURED tiers.rehome_ms={} (kill -9 of {} to all {} of its leaves' players getting 60 more media"
          + " messages)", resumedMs, victim.node(), moved.size());
      List<Long> perPlayer = new ArrayList<>();
      for (StampedPlayer p : moved) {
        if (!streamOf.get(p).equals(names.get(0))) {
          perPlayer.add((p.firstAfterMarkMicros() - killMicros) / 1000);
        }
      }
      log.info("MEASURED tiers.rehome.per_player_ms={} (kill to the first frame sent after it, synthetic streams)",
          perPlayer);

      Await.until(Duration.ofSeconds(10), "the survivor pulls every stream once, the origin one relay per stream",
          () -> relays(origin) == names.size() && oneRelayEach(origin, names) && sources(survivor, "origin") == names.size()
              && relays(survivor) == names.size() * leaves.size(),
          () -> "origin relays " + relays(origin) + "; survivor " + describeSources(List.of(survivor)));
      for (String stream : names) {
        String expected = expectedTree(origin, survivor, leaves);
        Await.until(Duration.ofSeconds(15), "tree of " + stream + " through the survivor",
            () -> expected.equals(Api.tree(origin, Streams.key(stream))),
            () -> "expected " + expected + " got " + Api.tree(origin, Streams.key(stream)));
      }
      for (ClusterProcess leaf : leaves) {
        Scrape s = scrape(leaf);
        assertThat(s.sum("cascade_upstream_rehomes_total")).as("re-homes on %s", leaf.node())
            .isEqualTo(STREAMS_PER_PARENT);
        assertThat(sources(leaf, "parent")).isEqualTo(names.size());
      }
      for (StampedPlayer p : players) {
        assertThat(p.closedUnexpectedly()).as("%s kept its connection", p).isFalse();
        assertThat(p.timestampRegressions()).as("%s timestamps never go back: %s", p, p.firstRegression()).isZero();
      }
      assertThat(resumedMs).as("ms from the kill to the moved players' media flowing again")
          .isLessThanOrEqualTo(REHOME_BOUND.toMillis());
      assertThat(perPlayer).allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(REHOME_BOUND.toMillis()));
    } finally {
      players.forEach(StampedPlayer::close);
      publishers.forEach(StampedPublisher::close);
    }
  }

  /** A stream's tree in {@link Api#tree}'s form: one relay from the origin to the parent, one player on each leaf. */
  private static String expectedTree(ClusterProcess origin, ClusterProcess parent, List<ClusterProcess> leaves) {
    String children = leaves.stream().map(ClusterProcess::node).sorted().map(n -> n + "(leaf 1/0)[]")
        .collect(Collectors.joining(","));
    return origin.node() + "(origin 0/1)[" + parent.node() + "(parent 0/" + leaves.size() + ")[" + children + "]]";
  }

  /** Whether the origin serves each stream to exactly one puller (players are only on the leaves). */
  private static boolean oneRelayEach(ClusterProcess origin, List<String> names) {
    return names.stream().allMatch(n -> Api.localPlayers(origin, Streams.key(n)) == 1);
  }

  private static String announcedMember(ClusterProcess parent) {
    Matcher m = ANNOUNCE.matcher(log(parent));
    return m.find() ? m.group(1) : null;
  }

  private static String log(ClusterProcess node) {
    try {
      return Files.readString(node.logFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Scrape scrape(ClusterProcess node) {
    var r = node.get("/metrics");
    assertThat(r).as("/metrics of %s", node.node()).isNotNull();
    return new Scrape(r.body());
  }

  private static long relays(ClusterProcess node) {
    return (long) scrape(node).sum("cascade_players_active", "kind", "relay");
  }

  private static long sources(ClusterProcess node, String source) {
    return (long) scrape(node).sum("cascade_upstream_sources", "source", source);
  }

  private static String describeSources(List<ClusterProcess> nodes) {
    return nodes.stream().map(n -> n.node() + " origin=" + sources(n, "origin") + " parent=" + sources(n, "parent")
        + " relays=" + relays(n)).collect(Collectors.joining("; "));
  }

  private String describePlayers() {
    return players.stream().map(StampedPlayer::toString).collect(Collectors.joining("\n"));
  }
}
