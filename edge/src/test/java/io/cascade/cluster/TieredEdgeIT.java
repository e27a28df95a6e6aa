package io.cascade.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.RtmpClientOptions;
import io.cascade.client.SyntheticMedia;
import io.cascade.edge.RendezvousHash;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.netty.channel.EventLoopGroup;
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
 * Tiered edges as separate JVMs: one origin, two parent edges, four leaf edges (one of them a
 * Hazelcast client). Four streams (one from ffmpeg, three synthetic), chosen so the rendezvous hash
 * puts two on each parent, are played on every leaf by RTMP and HTTP-FLV players.
 *
 * <ol>
 *   <li>Cold start: a hundred RTMP players per leaf arrive at once on a stream nobody carries yet;
 *       each leaf opens exactly one pull, the stream's parent one, and the origin serves one relay.
 *   <li>The kept players (an RTMP player and an HTTP-FLV viewer per stream on every leaf) arrive
 *       at once: each leaf opens one pull per stream, each parent one per stream of its own, and the
 *       origin serves exactly one relay per stream.
 *   <li>The streams API (on the origin and on a leaf) shows each stream's tree, origin -> parent ->
 *       every leaf; every node's bytes sent carry its tier.
 *   <li>One parent is killed (SIGKILL): its leaves' pulls move to the other within 3 s, every
 *       player on its original connection with timestamps that never go back; players of the
 *       survivor's streams see no frame gap, the moved ones at most the outage's; the origin is
 *       back to one relay per stream.
 *   <li>The killed parent comes back: it moves no flowing stream, and of two new streams it takes
 *       the one the hash gives it while the survivor takes the other.
 * </ol>
 *
 * <p>Over 400 lines: one scenario whose phases build on each other's state (the same cluster,
 * streams and players); split, each phase would have to rebuild the tree.
 */
class TieredEdgeIT {
  private static final Logger log = LoggerFactory.getLogger(TieredEdgeIT.class);
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(500, 30, 1, true);
  private static final Pattern ANNOUNCE = Pattern.compile("event=parents\\.announce node=\\S+ member=(\\S+)");
  private static final Duration REHOME_BOUND = Duration.ofSeconds(3);
  private static final int STREAMS_PER_PARENT = 2;
  /**
   * Leaf edges, each its own JVM: 4 by default; {@code -Dtiers.leaves=10} runs the issue's cold
   * start of 1,000 players on 10 leaves (13 JVMs: too heavy for every build on two shared cores).
   */
  private static final int LEAVES = Integer.getInteger("tiers.leaves", 4);
  /** RTMP players per leaf arriving at once on a cold stream: the issue's 1,000 players on 10 leaves, per leaf. */
  private static final int BURST_PER_LEAF = 100;
  /** Small frames at 10 fps for the burst's stream, as in {@link StormIT}. */
  private static final SyntheticMedia.Profile COLD_PROFILE = SyntheticMedia.Profile.of(100, 10, 1, false);

  /**
   * The burst's 400 clients share the test JVM with seven nodes on two cores: their replies may
   * take longer than the client's 10 s default, which is the harness's pace, not the edges'. They
   * read on event loops of their own so that they cannot starve the publishers' timers.
   */
  private static final RtmpClientOptions BURST_CLIENT = new RtmpClientOptions().connectTimeout(Duration.ofSeconds(45))
      .handshakeTimeout(Duration.ofSeconds(45)).commandTimeout(Duration.ofSeconds(45));

  @RegisterExtension
  static final ClusterExtension nodes = new ClusterExtension(Cluster.builder("tiers").origins(1).edges(2 + LEAVES)
      .edgeEnv(0, "CASCADE_EDGE_TIER", "parent")
      .edgeEnv(1, "CASCADE_EDGE_TIER", "parent")
      // One leaf a Hazelcast client of the origin, the others lite members (docs/SCALE.md).
      .edgeEnv(2 + LEAVES - 1, "CASCADE_CLUSTER_EDGE_MODE", "client")
      // With 10 leaves the test JVM's 1,000 clients, on two cores shared with 13 JVMs, can take over
      // the default 10 s to send their handshake's C2: the harness's pace, so the edges wait longer.
      .edgeEnv("CASCADE_RTMP_HANDSHAKE_TIMEOUT", LEAVES > 4 ? "60s" : "10s")
      // Killed parents are noticed by their closed connections within a second or two, not by
      // missed heartbeats. But while a parent JVM restarts, seven JVMs and the burst on two cores
      // once starved the origin's heartbeats for 8.5 s, the default member timeout: a leaf was
      // split off and pulled from the origin meanwhile (a CI run of 2026-12-07). The heartbeat
      // timeout is Hazelcast's pace under this load, not what the test checks.
      .env("CASCADE_CLUSTER_MEMBER_TIMEOUT", "20s"));

  /** The players kept through the test: one RTMP player per stream per leaf. */
  private final List<StampedPlayer> players = new ArrayList<>();
  private final List<HttpFlvViewer> viewers = new ArrayList<>();
  private final List<StampedPublisher> publishers = new ArrayList<>();
  /** The parent the cold-start stream hashed to. */
  private ClusterProcess coldParent;

  @Test
  @Timeout(value = 400, unit = TimeUnit.SECONDS)
  void leavesPullThroughTheParentsByTheHashAndMoveWhenOneDies() throws Exception {
    Cluster cluster = nodes.cluster();
    ClusterProcess origin = cluster.origin(0);
    List<ClusterProcess> parents = List.of(cluster.edge(0), cluster.edge(1));
    List<ClusterProcess> leaves = new ArrayList<>();
    for (int i = 0; i < LEAVES; i++) {
      leaves.add(cluster.edge(2 + i));
    }
    Map<String, ClusterProcess> byMember = new LinkedHashMap<>();
    for (ClusterProcess p : parents) {
      Await.until(Duration.ofSeconds(30), p.node() + " announced", () -> announcedMember(p) != null,
          () -> p.logTail(30));
      byMember.put(announcedMember(p), p);
    }
    for (ClusterProcess leaf : leaves) {
      Await.until(Duration.ofSeconds(30), leaf.node() + " knows both parents",
          () -> byMember.values().stream().allMatch(p -> joinedSeen(leaf, p) >= 1), () -> leaf.logTail(30));
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
        Duration.ofSeconds(240))) {
      for (String stream : names.subList(1, names.size())) {
        publishers.add(StampedPublisher.start(nodes.loops(), origin.rtmpUrl(Streams.APP, stream), PROFILE,
            Duration.ofSeconds(240), "publisher-" + stream));
      }
      encoder.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(30));
      for (String stream : names) {
        Await.until(Duration.ofSeconds(10), stream + " registered", () -> Api.stream(leaves.get(0),
            Streams.key(stream)).live());
      }
      assertThat(relays(origin)).as("relays served by the origin before any player").isZero();

      coldStartBurst(origin, parents, leaves, members, byMember);

      // The kept players: one RTMP player and one HTTP-FLV viewer per stream on every leaf, all at once.
      Map<Object, String> streamOf = new LinkedHashMap<>();
      for (String stream : names) {
        for (ClusterProcess leaf : leaves) {
          StampedPlayer p = StampedPlayer.play(nodes.loops(), leaf.rtmpUrl(Streams.APP, stream), stream + "@" + leaf.node());
          players.add(p);
          streamOf.put(p, stream);
          HttpFlvViewer v = HttpFlvViewer.open("http://127.0.0.1:" + leaf.httpPort() + "/" + Streams.APP + "/" + stream
              + ".flv", "flv:" + stream + "@" + leaf.node());
          viewers.add(v);
          streamOf.put(v, stream);
        }
      }
      for (StampedPlayer p : players) {
        p.started().get(30, TimeUnit.SECONDS);
      }
      for (HttpFlvViewer v : viewers) {
        assertThat(v.status().get(30, TimeUnit.SECONDS)).as("status of %s", v).isEqualTo(200);
      }
      Await.until(Duration.ofSeconds(30), "every player receiving media", () ->
          players.stream().allMatch(p -> p.mediaMessages() >= 60)
              && viewers.stream().allMatch(v -> v.tally().mediaMessages() >= 60), this::describePlayers);

      // One relay per stream leaves the origin; each parent serves its own streams to every leaf.
      // (40 s: the cold-start stream's pulls end once its players left and its publisher stopped.)
      Await.until(Duration.ofSeconds(40), "origin relays one per stream, leaves pull only from parents", () ->
          relays(origin) == names.size() && oneRelayEach(origin, names)
              && leaves.stream().allMatch(l -> sources(l, "parent") == names.size() && sources(l, "origin") == 0),
          () -> "origin relays " + relays(origin) + "; " + describeSources(leaves));
      for (ClusterProcess leaf : leaves) {
        assertThat(pullsStarted(leaf)).as("pulls opened by %s: the cold stream's and one per stream", leaf.node())
            .isEqualTo(1 + names.size());
      }
      for (ClusterProcess parent : parents) {
        assertThat(pullsStarted(parent)).as("pulls opened by %s: its streams' (and the cold one's if it hashed there)",
            parent.node()).isEqualTo(STREAMS_PER_PARENT + (parent == coldParent ? 1 : 0));
        assertThat(sources(parent, "origin")).as("%s pulls its streams from the origin", parent.node())
            .isEqualTo(STREAMS_PER_PARENT);
        assertThat(relays(parent)).as("%s serves its streams to every leaf", parent.node())
            .isEqualTo(STREAMS_PER_PARENT * leaves.size());
        for (String stream : names) {
          assertThat(Api.local(parent, Streams.key(stream)).isPresent())
              .as("%s holds %s", parent.node(), stream).isEqualTo(streams.get(stream) == parent);
        }
      }

      // The API draws each stream's tree from the viewer reports: origin -> its parent -> every leaf.
      for (ClusterProcess asked : List.of(origin, leaves.get(0))) {
        for (String stream : names) {
          String expected = expectedTree(origin, streams.get(stream), leaves);
          Await.until(Duration.ofSeconds(15), "tree of " + stream + " as " + asked.node() + " reports it",
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
      List<StampedPlayer> tallies = new ArrayList<>(players);
      Map<StampedPlayer, String> tallyStream = new LinkedHashMap<>();
      players.forEach(p -> tallyStream.put(p, streamOf.get(p)));
      viewers.forEach(v -> {
        tallies.add(v.tally());
        tallyStream.put(v.tally(), streamOf.get(v));
      });
      for (StampedPlayer p : tallies) {
        assertThat(p.gaps()).as("%s: no frame gap before the kill", p).isZero();
      }
      List<StampedPlayer> moved = tallies.stream().filter(p -> streams.get(tallyStream.get(p)) == victim).toList();
      List<StampedPlayer> stayed = tallies.stream().filter(p -> streams.get(tallyStream.get(p)) == survivor).toList();
      Map<StampedPlayer, Long> before = new LinkedHashMap<>();
      moved.forEach(p -> before.put(p, p.mediaMessages()));
      long killMicros = SyntheticMedia.epochMicros();
      tallies.forEach(p -> p.mark(killMicros));
      victim.kill();
      long resumedMs = Await.until(Duration.ofSeconds(15), "players of " + victim.node() + "'s streams get media again",
          () -> moved.stream().allMatch(p -> p.mediaMessages() >= before.get(p) + 60), this::describePlayers);
      log.info("MEASURED tiers.rehome_ms={} (kill -9 of {} to all {} of its leaves' RTMP and HTTP-FLV players getting"
          + " 60 more media messages)", resumedMs, victim.node(), moved.size());
      List<Long> perPlayer = new ArrayList<>();
      for (StampedPlayer p : moved) {
        if (!tallyStream.get(p).equals(names.get(0))) {
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
      for (HttpFlvViewer v : viewers) {
        assertThat(v.open()).as("%s kept its response", v).isTrue();
        assertThat(v.streamProblem()).as("%s reads well-formed FLV", v).isNull();
        assertThat(v.timestampRegressions()).as("%s timestamps never go back: %s", v, v.firstRegression()).isZero();
      }
      // Frames are numbered by the synthetic publishers: players of the survivor's streams lose none,
      // the moved ones at most the run lost in the outage (one gap).
      for (StampedPlayer p : stayed) {
        assertThat(p.gaps()).as("%s: no frame gap on a stream whose parent lived", p).isZero();
      }
      for (StampedPlayer p : moved) {
        assertThat(p.gaps()).as("%s: no gap but the outage's", p).isLessThanOrEqualTo(1);
      }
      log.info("MEASURED tiers.rehome.missing_frames={} (moved players, frames lost in the outage)",
          moved.stream().filter(p -> !tallyStream.get(p).equals(names.get(0))).map(StampedPlayer::missingFrames).toList());
      assertThat(resumedMs).as("ms from the kill to the moved players' media flowing again")
          .isLessThanOrEqualTo(REHOME_BOUND.toMillis());
      assertThat(perPlayer).allSatisfy(ms -> assertThat(ms).isLessThanOrEqualTo(REHOME_BOUND.toMillis()));

      parentRejoinsAndTakesOnlyItsShare(origin, victim, survivor, leaves, names.size());
    } finally {
      players.forEach(StampedPlayer::close);
      viewers.forEach(HttpFlvViewer::close);
      publishers.forEach(StampedPublisher::close);
    }
  }

  /**
   * Cold start: a hundred RTMP players per leaf arrive at once on a stream no node carries yet (a
   * light one, as in {@link StormIT}: the point is the number of players); each leaf opens exactly
   * one pull, the stream's parent one, the other parent none, and the origin serves one relay.
   * Then the players leave and the publisher stops.
   */
  private void coldStartBurst(ClusterProcess origin, List<ClusterProcess> parents, List<ClusterProcess> leaves,
      List<String> members, Map<String, ClusterProcess> byMember) throws Exception {
    String stream = Streams.unique("cold");
    String key = Streams.key(stream);
    coldParent = byMember.get(RendezvousHash.choose(key, members, Function.identity()));
    StampedPublisher publisher = StampedPublisher.start(nodes.loops(), origin.rtmpUrl(Streams.APP, stream), COLD_PROFILE,
        Duration.ofSeconds(120), "publisher-" + stream);
    EventLoopGroup burstLoops = Streams.clientLoops();
    List<StampedPlayer> burst = new ArrayList<>();
    try {
      Await.until(Duration.ofSeconds(10), stream + " registered", () -> Api.stream(leaves.get(0), key).live());
      for (ClusterProcess edge : concat(parents, leaves)) {
        assertThat(pullsStarted(edge)).as("%s is cold", edge.node()).isZero();
      }
      assertThat(Api.localPlayers(origin, key)).as("relays of %s before any player", stream).isZero();
      long launch = System.nanoTime();
      for (int i = 0; i < BURST_PER_LEAF; i++) {
        for (ClusterProcess leaf : leaves) {
          burst.add(StampedPlayer.play(burstLoops, leaf.rtmpUrl(Streams.APP, stream), stream + "@" + leaf.node() + "#" + i,
              BURST_CLIENT));
        }
      }
      log.info("MEASURED tiers.coldstart.launch_ms={} for {} RTMP players on {} leaves",
          (System.nanoTime() - launch) / 1_000_000, burst.size(), leaves.size());
      // 1,000 clients of 10 leaves read on two loops of the test JVM: give the harness longer.
      Await.until(Duration.ofSeconds(LEAVES > 4 ? 120 : 45), "every player of the burst got 10 video frames",
          () -> burst.stream().allMatch(p -> p.videoFrames() >= 10),
          () -> burst.stream().filter(p -> p.videoFrames() < 10).count() + " short; e.g. " + burst.stream()
              .filter(p -> p.videoFrames() < 10).limit(5).map(p -> p + " " + p.started()).collect(Collectors.joining("\n")));
      long allReceiving = (System.nanoTime() - launch) / 1_000_000;
      List<Long> leafPulls = leaves.stream().map(TieredEdgeIT::pullsStarted).toList();
      List<Long> parentPulls = parents.stream().map(TieredEdgeIT::pullsStarted).toList();
      List<String> relayPlays = origin.logLines("event=play.start").stream().filter(l -> l.contains(" stream=" + key + " "))
          .toList();
      log.info("MEASURED tiers.coldstart {} players per leaf: pulls per leaf={} per parent={} ({} holds the stream),"
          + " plays of it at the origin={}, all players had 10 frames {} ms after launch", BURST_PER_LEAF, leafPulls,
          parentPulls, coldParent.node(), relayPlays.size(), allReceiving);
      assertThat(leafPulls).as("pulls opened by each leaf for %d players", BURST_PER_LEAF).containsOnly(1L);
      for (ClusterProcess parent : parents) {
        assertThat(pullsStarted(parent)).as("pulls opened by %s", parent.node()).isEqualTo(parent == coldParent ? 1 : 0);
      }
      assertThat(relayPlays).as("plays of %s the origin accepted", key).hasSize(1);
      assertThat(Api.localPlayers(origin, key)).as("relays of %s at the origin", key).isEqualTo(1);
      for (StampedPlayer p : burst) {
        assertThat(p.closedUnexpectedly()).as("%s closed", p).isFalse();
        assertThat(p.firstFrameKeyframe()).as("%s starts at a keyframe", p).isTrue();
        assertThat(p.gaps()).as("%s gaps", p).isZero();
        assertThat(p.timestampRegressions()).as("%s timestamps", p).isZero();
      }
    } finally {
      burst.forEach(StampedPlayer::close);
      Streams.shutdown(burstLoops);
      publisher.close();
    }
  }

  /**
   * The killed parent restarts: flowing streams stay on the survivor (no re-home), and of two new
   * streams, one hashed to each parent over the new member set, each parent pulls exactly its own.
   */
  private void parentRejoinsAndTakesOnlyItsShare(ClusterProcess origin, ClusterProcess rejoined,
      ClusterProcess survivor, List<ClusterProcess> leaves, int flowing) throws Exception {
    String oldMember = announcedMember(rejoined);
    rejoined.restart();
    rejoined.awaitReady(Duration.ofSeconds(60));
    Await.until(Duration.ofSeconds(30), rejoined.node() + " announced again",
        () -> !oldMember.equals(announcedMember(rejoined)), () -> rejoined.logTail(30));
    for (ClusterProcess leaf : leaves) {
      Await.until(Duration.ofSeconds(30), leaf.node() + " knows " + rejoined.node() + " again",
          () -> joinedSeen(leaf, rejoined) >= 2, () -> leaf.logTail(30));
    }
    Map<String, ClusterProcess> byMember = new LinkedHashMap<>();
    byMember.put(announcedMember(rejoined), rejoined);
    byMember.put(announcedMember(survivor), survivor);
    List<String> members = new ArrayList<>(byMember.keySet());

    // Nothing flowing moves to the newcomer.
    assertThat(relays(origin)).as("origin relays after the rejoin").isEqualTo(flowing);
    assertThat(sources(survivor, "origin")).as("streams the survivor keeps").isEqualTo(flowing);
    assertThat(sources(rejoined, "origin")).as("streams moved to the rejoined parent").isZero();
    for (ClusterProcess leaf : leaves) {
      assertThat(scrape(leaf).sum("cascade_upstream_rehomes_total")).as("re-homes on %s after the rejoin", leaf.node())
          .isEqualTo(STREAMS_PER_PARENT);
    }

    // Two new streams: each parent takes the one the hash gives it.
    Map<ClusterProcess, String> fresh = new LinkedHashMap<>();
    for (int i = 0; fresh.size() < 2; i++) {
      String stream = Streams.unique("rejoin" + i);
      fresh.putIfAbsent(byMember.get(RendezvousHash.choose(Streams.key(stream), members, Function.identity())), stream);
    }
    List<StampedPlayer> newPlayers = new ArrayList<>();
    for (String stream : fresh.values()) {
      publishers.add(StampedPublisher.start(nodes.loops(), origin.rtmpUrl(Streams.APP, stream), PROFILE,
          Duration.ofSeconds(120), "publisher-" + stream));
      Await.until(Duration.ofSeconds(10), stream + " registered", () -> Api.stream(leaves.get(0),
          Streams.key(stream)).live());
      for (ClusterProcess leaf : leaves) {
        StampedPlayer p = StampedPlayer.play(nodes.loops(), leaf.rtmpUrl(Streams.APP, stream), stream + "@" + leaf.node());
        newPlayers.add(p);
        players.add(p);
      }
    }
    Await.until(Duration.ofSeconds(20), "players of the new streams receiving media",
        () -> newPlayers.stream().allMatch(p -> p.mediaMessages() >= 60), this::describePlayers);
    Await.until(Duration.ofSeconds(10), "each parent pulls its new stream from the origin", () ->
        sources(rejoined, "origin") == 1 && sources(survivor, "origin") == flowing + 1 && relays(origin) == flowing + 2
            && relays(rejoined) == leaves.size(),
        () -> "origin relays " + relays(origin) + "; " + describeSources(List.of(rejoined, survivor)));
    assertThat(Api.local(rejoined, Streams.key(fresh.get(rejoined))).isPresent())
        .as("%s holds %s", rejoined.node(), fresh.get(rejoined)).isTrue();
    assertThat(Api.local(survivor, Streams.key(fresh.get(survivor))).isPresent())
        .as("%s holds %s", survivor.node(), fresh.get(survivor)).isTrue();
    assertThat(Api.local(rejoined, Streams.key(fresh.get(survivor))).isPresent())
        .as("%s does not hold %s", rejoined.node(), fresh.get(survivor)).isFalse();
    log.info("MEASURED tiers.rejoin: {} took {} new stream(s) and 0 flowing; {} kept {} flowing and took 1 new",
        rejoined.node(), (long) sources(rejoined, "origin"), survivor.node(), flowing);
  }

  @SafeVarargs
  private static <T> List<T> concat(List<? extends T>... lists) {
    List<T> all = new ArrayList<>();
    for (List<? extends T> l : lists) {
      all.addAll(l);
    }
    return all;
  }

  /** A stream's tree in {@link Api#tree}'s form: one relay from the origin to the parent, two players on each leaf. */
  private static String expectedTree(ClusterProcess origin, ClusterProcess parent, List<ClusterProcess> leaves) {
    String children = leaves.stream().map(ClusterProcess::node).sorted().map(n -> n + "(leaf 2/0)[]")
        .collect(Collectors.joining(","));
    return origin.node() + "(origin 0/1)[" + parent.node() + "(parent 0/" + leaves.size() + ")[" + children + "]]";
  }

  /** Whether the origin serves each stream to exactly one puller (players are only on the leaves). */
  private static boolean oneRelayEach(ClusterProcess origin, List<String> names) {
    return names.stream().allMatch(n -> Api.localPlayers(origin, Streams.key(n)) == 1);
  }

  private static String announcedMember(ClusterProcess parent) {
    Matcher m = ANNOUNCE.matcher(log(parent));
    String last = null;
    while (m.find()) {
      last = m.group(1);
    }
    return last;
  }

  /** How many times {@code leaf} logged {@code parent} joining the parent directory. */
  private static int joinedSeen(ClusterProcess leaf, ClusterProcess parent) {
    return log(leaf).split(Pattern.quote("event=parents.joined node=" + parent.node() + " "), -1).length - 1;
  }

  private static long pullsStarted(ClusterProcess node) {
    return (long) scrape(node).sum("cascade_upstream_pulls_started_total");
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
    return concat(players, viewers).stream().map(Object::toString).collect(Collectors.joining("\n"));
  }
}
