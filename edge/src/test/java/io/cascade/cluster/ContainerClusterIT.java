package io.cascade.cluster;

import static io.cascade.testing.PlaybackAssertions.assertCleanPlayback;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.SyntheticMedia;
import io.cascade.cluster.ClusterProcess.Role;
import io.cascade.deploy.CascadeImage;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.Playback;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.netty.channel.EventLoopGroup;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;

/**
 * The cluster as containers of the Cascade image (k8s/image/Dockerfile, built from the packaged
 * jars): two origins and two edges with host networking, each with its own ports. ffmpeg publishes
 * to origin A and ffprobe decodes it on both edges; then, with stamped players on both edges,
 * {@code docker kill} of the owning origin and a republish to origin B keep every player
 * connected and receiving with monotonic timestamps; then {@code docker pause} of one edge stops
 * only that edge's players, and they resume after {@code docker unpause}.
 *
 * <p>Skipped, with the reason logged, only when no Docker engine is reachable.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ContainerClusterIT {
  private static final Logger log = LoggerFactory.getLogger(ContainerClusterIT.class);
  private static final Duration START_TIMEOUT = Duration.ofSeconds(120);
  private static final PublishProfile FFMPEG_PROFILE = PublishProfile.H264_AAC;
  private static final Duration PLAY = Duration.ofSeconds(8);
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(500, 30, 1, true);
  private static final int PLAYERS_PER_EDGE = 3;
  /** The cluster issue's bounds for a killed origin: its streams released, players fed again. */
  private static final Duration RELEASE_BOUND = Duration.ofSeconds(5);
  private static final Duration FAILOVER_BOUND = Duration.ofSeconds(3);
  /** Shorter than cluster.memberTimeout (8 s), so the paused edge stays a member. */
  private static final Duration PAUSE = Duration.ofSeconds(4);

  private static CascadeImage image;
  private static final List<ContainerNode> nodes = new ArrayList<>();
  private static ContainerNode originA;
  private static ContainerNode originB;
  private static ContainerNode edge1;
  private static ContainerNode edge2;
  private static EventLoopGroup loops;
  private static Ffmpeg ffmpeg;

  @BeforeAll
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  static void startContainers() {
    boolean docker;
    try {
      docker = DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException e) {
      docker = false;
    }
    if (!docker) {
      log.warn("SKIPPED ContainerClusterIT: no Docker engine reachable (start dockerd; .ci/run does)");
    }
    Assumptions.assumeTrue(docker, "no Docker engine reachable");
    ffmpeg = Ffmpeg.locate();
    loops = Streams.clientLoops();
    long started = System.nanoTime();
    image = CascadeImage.build(jar(Cluster.ORIGIN_JAR_PROPERTY), jar(Cluster.EDGE_JAR_PROPERTY));

    String name = "cascade-ct-" + UUID.randomUUID().toString().substring(0, 8);
    String secret = UUID.randomUUID().toString();
    int clusterA = Cluster.freePort();
    int clusterB = Cluster.freePort();
    String members = "127.0.0.1:" + clusterA + ",127.0.0.1:" + clusterB;
    originA = node("ct-origin-a", Role.ORIGIN, clusterA, name, secret, members);
    originB = node("ct-origin-b", Role.ORIGIN, clusterB, name, secret, members);
    edge1 = node("ct-edge-1", Role.EDGE, Cluster.freePort(), name, secret, members);
    edge2 = node("ct-edge-2", Role.EDGE, Cluster.freePort(), name, secret, members);
    // Edges wait for an origin by themselves, so all four start at once.
    CompletableFuture.allOf(nodes.stream().map(n -> CompletableFuture.runAsync(() -> n.start(START_TIMEOUT)))
        .toArray(CompletableFuture[]::new)).join();
    Await.until(Duration.ofSeconds(60), "every node sees a cluster of 4",
        () -> nodes.stream().allMatch(n -> members(n) == 4), () -> nodes.stream()
            .map(n -> n.node() + "=" + members(n)).collect(Collectors.joining(" ")));
    log.info("container cluster ready name={} ms={} (image build and start)", name, (System.nanoTime() - started) / 1_000_000);
  }

  private static ContainerNode node(String node, Role role, int clusterPort, String name, String secret, String members) {
    int rtmp = Cluster.freePort();
    int http = Cluster.freePort();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CASCADE_NODE_ID", node);
    env.put("CASCADE_RTMP_HOST", "127.0.0.1");
    env.put("CASCADE_RTMP_PORT", Integer.toString(rtmp));
    env.put("CASCADE_HTTP_HOST", "127.0.0.1");
    env.put("CASCADE_HTTP_PORT", Integer.toString(http));
    env.put("CASCADE_CLUSTER_NAME", name);
    env.put("CASCADE_CLUSTER_SECRET", secret);
    env.put("CASCADE_CLUSTER_HOST", "127.0.0.1");
    env.put("CASCADE_CLUSTER_PORT", Integer.toString(clusterPort));
    env.put("CASCADE_CLUSTER_ADVERTISED_HOST", "127.0.0.1");
    env.put("CASCADE_CLUSTER_MEMBERS", members);
    // Read by the java launcher beside the image's JAVA_OPTS, which stay as shipped.
    env.put("JDK_JAVA_OPTIONS", "-Dio.netty.leakDetectionLevel=paranoid -Xmx256m -XX:+UseSerialGC");
    String logs = System.getProperty(Cluster.LOG_DIR_PROPERTY, "target/cluster-logs");
    ContainerNode n = new ContainerNode(image.name(), node, role, env, rtmp, http, Path.of(logs, node + ".log"),
        START_TIMEOUT);
    nodes.add(n);
    return n;
  }

  private static Path jar(String property) {
    String value = System.getProperty(property);
    assertThat(value).as("system property %s (set by failsafe)", property).isNotBlank();
    return Path.of(value);
  }

  /** Cluster size in the node's latest membership line, or -1 before the first. */
  private static int members(ContainerNode n) {
    List<String> lines = n.logLines("event=cluster.");
    for (int i = lines.size() - 1; i >= 0; i--) {
      var m = java.util.regex.Pattern.compile(" members=(\\d+)").matcher(lines.get(i));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    return -1;
  }

  @AfterAll
  @Timeout(value = 2, unit = TimeUnit.MINUTES)
  static void removeContainers() {
    if (loops != null) {
      Streams.shutdown(loops);
    }
    StringBuilder leaks = new StringBuilder();
    for (ContainerNode n : nodes) {
      n.logLines("LEAK:").forEach(l -> leaks.append(n.node()).append(": ").append(l).append('\n'));
      n.close();
    }
    for (ContainerNode n : nodes) {
      boolean gone;
      try {
        DockerClientFactory.instance().client().inspectContainerCmd(n.containerId()).exec();
        gone = false;
      } catch (RuntimeException e) {
        gone = true;
      }
      assertThat(gone).as("container of %s removed", n.node()).isTrue();
    }
    if (image != null) {
      image.close();
    }
    assertThat(leaks.toString()).as("Netty leak reports in the containers").isEmpty();
  }

  @Test
  @Order(1)
  void nodesRunAsNonRootWithTheImagesJvmFlags() {
    for (ContainerNode n : nodes) {
      assertThat(n.exec("id", "-u").strip()).as("uid in %s", n.node()).isEqualTo("10001");
      // PID 1 is the JVM itself (the entry point execs it), so signals reach it directly.
      String cmdline = n.exec("cat", "/proc/1/cmdline").replace('\0', ' ');
      assertThat(cmdline).as("command line of %s", n.node()).startsWith("java ")
          .contains("-XX:MaxRAMPercentage=", "-XX:+ExitOnOutOfMemoryError",
              "cascade-" + (n.role() == Role.ORIGIN ? "origin" : "edge") + ".jar");
    }
  }

  /** Runs last: it kills origin A. */
  @Test
  @Order(2)
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void playersSurviveDockerKillOfTheOwnerAndDockerPauseAffectsOnlyOneEdge() throws Exception {
    String ffmpegStream = Streams.unique("ct-ffmpeg");
    String stream = Streams.unique("ct-stamped");
    String key = Streams.key(stream);
    List<StampedPlayer> players = new ArrayList<>();
    List<StampedPublisher> publishers = new ArrayList<>();
    try {
      try (Publisher encoder = ffmpeg.publish(FFMPEG_PROFILE, originA.rtmpUri(Streams.APP, ffmpegStream),
          Duration.ofSeconds(25))) {
        // 1. ffmpeg's stream decodes on both edges; stamped players on both edges for what follows.
        encoder.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(20));
        publishers.add(StampedPublisher.start(loops, originA.rtmpUrl(Streams.APP, stream), PROFILE,
            Duration.ofSeconds(180), "publisher-on-a"));
        try (Playback onEdge1 = ffmpeg.play(edge1.rtmpUri(Streams.APP, ffmpegStream), PLAY);
            Playback onEdge2 = ffmpeg.play(edge2.rtmpUri(Streams.APP, ffmpegStream), PLAY)) {
          for (ContainerNode edge : List.of(edge1, edge2)) {
            for (int i = 0; i < PLAYERS_PER_EDGE; i++) {
              players.add(StampedPlayer.play(loops, edge.rtmpUrl(Streams.APP, stream), "player-" + i + "@" + edge.node()));
            }
          }
          for (StampedPlayer p : players) {
            p.started().get(15, TimeUnit.SECONDS);
          }
          Await.until(Duration.ofSeconds(15), "every stamped player receiving from origin A",
              () -> players.stream().allMatch(p -> p.videoFrames() >= 30), () -> describe(players));
          PlayReport first = onEdge1.await();
          PlayReport second = onEdge2.await();
          log.info("ffmpeg stream via {} {}", edge1.node(), first.summary());
          log.info("ffmpeg stream via {} {}", edge2.node(), second.summary());
          assertCleanPlayback(first, FFMPEG_PROFILE, PLAY.minusMillis(500));
          assertCleanPlayback(second, FFMPEG_PROFILE, PLAY.minusMillis(500));
        }
      }
      Api.Lookup onA = Api.stream(edge1, key);
      assertThat(onA.ownerNode()).as("owner seen from %s", edge1.node()).isEqualTo(originA.node());

      // 2. docker kill of the owner, then the broadcaster republishes to origin B.
      originA.kill();
      long released = Await.until(Duration.ofSeconds(30), "origin A's record released (key not live on B)",
          () -> Api.stream(originB, key).absent(), () -> "B says " + Api.stream(originB, key));
      log.info("MEASURED container.failover.release_ms={} (docker kill of {})", released, originA.node());
      Await.until(Duration.ofSeconds(10), "edges see the key released",
          () -> Api.stream(edge1, key).absent() && Api.stream(edge2, key).absent());
      long republishMicros = SyntheticMedia.epochMicros();
      players.forEach(p -> p.mark(republishMicros));
      publishers.add(StampedPublisher.start(loops, originB.rtmpUrl(Streams.APP, stream), PROFILE,
          Duration.ofSeconds(120), "publisher-on-b"));
      Await.until(Duration.ofSeconds(15), "every player receiving frames of the new publish",
          () -> players.stream().allMatch(p -> p.framesAfterMark() >= 30), () -> describe(players));
      for (HttpNode n : List.of(originB, edge1, edge2)) {
        Api.Lookup l = Api.stream(n, key);
        assertThat(l.ownerNode()).as("owner of %s seen from %s", key, n.node()).isEqualTo(originB.node());
        assertThat(l.epoch()).as("epoch of the new claim").isGreaterThan(onA.epoch());
      }
      List<Long> failoverMillis = players.stream().map(p -> (p.firstAfterMarkMicros() - republishMicros) / 1000)
          .sorted().toList();
      log.info("MEASURED container.failover.release_ms={} container.failover.per_player_ms={}", released, failoverMillis);
      assertThat(released).as("ms from docker kill to release").isLessThanOrEqualTo(RELEASE_BOUND.toMillis());
      for (StampedPlayer p : players) {
        assertThat(p.closedUnexpectedly()).as("%s kept its connection", p).isFalse();
        assertThat(p.timestampRegressions()).as("%s timestamps never go back", p).isZero();
        assertThat((p.firstAfterMarkMicros() - republishMicros) / 1000).as("%s ms from new publish to a new frame", p)
            .isLessThanOrEqualTo(FAILOVER_BOUND.toMillis());
        assertThat(p.sessions()).as("%s publish sessions", p).isEqualTo(2);
      }

      // 3. docker pause of edge 2: its players stall, edge 1's go on; all resume after unpause.
      List<StampedPlayer> onEdge1 = players.stream().filter(p -> p.name.endsWith("@" + edge1.node())).toList();
      List<StampedPlayer> onEdge2 = players.stream().filter(p -> p.name.endsWith("@" + edge2.node())).toList();
      assertThat(onEdge1).hasSize(PLAYERS_PER_EDGE);
      assertThat(onEdge2).hasSize(PLAYERS_PER_EDGE);
      edge2.pause();
      try {
        // What edge 2 had already handed to the kernel still arrives; once edge 1's players have had
        // a second more of frames, nothing more should. The counted span ends on a positive event:
        // edge 1's players receiving half the pause's worth of frames, so it cannot end early.
        long expected = PAUSE.toSeconds() * 30;
        Map<StampedPlayer, Long> atPause = frames(players);
        Await.until(Duration.ofSeconds(10), "a second of frames at edge 1's players after the pause",
            () -> onEdge1.stream().allMatch(p -> p.videoFrames() - atPause.get(p) >= 30));
        Map<StampedPlayer, Long> before = frames(players);
        Await.until(PAUSE.multipliedBy(2), "edge 1's players receiving while edge 2 is paused",
            () -> onEdge1.stream().allMatch(p -> p.videoFrames() - before.get(p) >= expected / 2));
        Map<StampedPlayer, Long> after = frames(players);
        log.info("frames during {} ms of docker pause of {}: {}", PAUSE.toMillis(), edge2.node(), players.stream()
            .map(p -> p + " +" + (after.get(p) - before.get(p))).collect(Collectors.joining("; ")));
        for (StampedPlayer p : onEdge2) {
          assertThat(after.get(p) - before.get(p)).as("frames %s got while its edge was paused", p).isZero();
        }
        for (StampedPlayer p : onEdge1) {
          assertThat(after.get(p) - before.get(p)).as("frames %s got while the other edge was paused", p)
              .isGreaterThanOrEqualTo(expected / 2);
          assertThat(p.closedUnexpectedly()).as("%s kept its connection", p).isFalse();
        }
        assertThat(Api.stream(edge1, key).ownerNode()).as("owner seen from the running edge").isEqualTo(originB.node());
      } finally {
        edge2.unpause();
      }
      Map<StampedPlayer, Long> atUnpause = frames(players);
      Await.until(Duration.ofSeconds(20), "edge 2's players receiving again after docker unpause",
          () -> onEdge2.stream().allMatch(p -> p.videoFrames() >= atUnpause.get(p) + 30), () -> describe(players));
      for (StampedPlayer p : players) {
        assertThat(p.closedUnexpectedly()).as("%s kept its connection through the pause", p).isFalse();
        assertThat(p.timestampRegressions()).as("%s timestamps", p).isZero();
      }
      assertThat(publishers.get(1).closedByPeer()).as("publisher on origin B").isFalse();
    } finally {
      players.forEach(StampedPlayer::close);
      publishers.forEach(StampedPublisher::close);
    }
  }

  private static Map<StampedPlayer, Long> frames(List<StampedPlayer> players) {
    Map<StampedPlayer, Long> out = new LinkedHashMap<>();
    players.forEach(p -> out.put(p, p.videoFrames()));
    return out;
  }

  private static String describe(List<StampedPlayer> players) {
    return players.stream().map(StampedPlayer::toString).collect(Collectors.joining("\n"));
  }
}
