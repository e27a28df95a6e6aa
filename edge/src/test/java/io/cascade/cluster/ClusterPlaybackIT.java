package io.cascade.cluster;

import static io.cascade.testing.PlaybackAssertions.assertCleanPlayback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.cascade.client.RtmpStatusException;
import io.cascade.client.SyntheticMedia;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.Playback;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.netty.channel.EventLoopGroup;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Two origins and two edges as separate JVMs. ffmpeg publishes H.264/AAC to origin A; ffprobe
 * players on both edges decode it; the API shows the stream on A with viewers on both edges while
 * each edge holds one upstream; a second publisher of the key on origin B is refused and A's
 * players do not notice. Then three edges join and leave as lite members while the registry's
 * records stay exactly as they were.
 */
class ClusterPlaybackIT {
  private static final Logger log = LoggerFactory.getLogger(ClusterPlaybackIT.class);
  private static final PublishProfile PROFILE = PublishProfile.H264_AAC;
  private static final Duration PUBLISH = Duration.ofSeconds(25);
  /** Long enough for the API checks and the refused duplicate to happen while the players decode. */
  private static final Duration PLAY = Duration.ofSeconds(8);
  private static final Duration MIN_SPAN = PLAY.minusMillis(500);
  private static final int LIGHT_PLAYERS_PER_EDGE = 3;
  private static final Duration API_WAIT = Duration.ofSeconds(15);
  private static final SyntheticMedia.Profile SYNTHETIC = SyntheticMedia.Profile.of(300, 30, 1, true);

  @RegisterExtension
  static final ClusterExtension nodes = new ClusterExtension(Cluster.builder("playback").origins(2).edges(2));
  private static Ffmpeg ffmpeg;
  private final List<StampedPlayer> players = new ArrayList<>();
  private final List<StampedPublisher> publishers = new ArrayList<>();

  @BeforeAll
  static void locateFfmpeg() {
    ffmpeg = Ffmpeg.locate();
  }

  @AfterEach
  void closeClients() {
    players.forEach(StampedPlayer::close);
    publishers.forEach(StampedPublisher::close);
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void ffmpegStreamOnOriginAPlaysOnBothEdgesAndADuplicateOnOriginBIsRefused() throws Exception {
    ClusterProcess originA = nodes.cluster().origin(0);
    ClusterProcess originB = nodes.cluster().origin(1);
    String stream = Streams.unique("ffmpeg");
    String key = Streams.key(stream);
    try (Publisher publisher = ffmpeg.publish(PROFILE, originA.rtmpUri(Streams.APP, stream), PUBLISH)) {
      publisher.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(20));

      long playStart = System.nanoTime();
      try (Playback onEdge1 = ffmpeg.play(nodes.cluster().edge(0).rtmpUri(Streams.APP, stream), PLAY);
          Playback onEdge2 = ffmpeg.play(nodes.cluster().edge(1).rtmpUri(Streams.APP, stream), PLAY)) {
        for (ClusterProcess edge : nodes.cluster().edges()) {
          for (int i = 0; i < LIGHT_PLAYERS_PER_EDGE; i++) {
            players.add(StampedPlayer.play(nodes.loops(), edge.rtmpUrl(Streams.APP, stream),
                edge.node() + "-light-" + i));
          }
        }
        for (StampedPlayer p : players) {
          p.started().get(15, TimeUnit.SECONDS);
        }
        Await.until(Duration.ofSeconds(15), "media at every light player",
            () -> players.stream().allMatch(p -> p.mediaMessages() > 0), players::toString);
        log.info("first media at all light players after {} ms", (System.nanoTime() - playStart) / 1_000_000);

        int perEdge = 1 + LIGHT_PLAYERS_PER_EDGE;
        assertApiShowsStreamOnAWithViewersOnBothEdges(originA, key, perEdge);

        // The duplicate: a real encoder first, then Cascade's client to read the status code.
        try (Publisher duplicate = ffmpeg.publish(PROFILE, originB.rtmpUri(Streams.APP, stream), Duration.ofSeconds(5))) {
          int exit = duplicate.awaitExit();
          log.info("duplicate ffmpeg publish on origin B exit={} framesSent={}", exit, duplicate.framesSent());
          assertThat(exit).as("ffmpeg publishing the live key on origin B must fail\n%s", duplicate.describe())
              .isNotZero();
        }
        Throwable refused = catchThrowable(() -> publishers.add(StampedPublisher.start(nodes.loops(),
            originB.rtmpUrl(Streams.APP, stream), SYNTHETIC, Duration.ofSeconds(5), "duplicate-on-b")));
        assertThat(refused).as("RtmpClient publish of the live key on origin B").isInstanceOf(RtmpStatusException.class);
        assertThat(((RtmpStatusException) refused).code()).isEqualTo(NetStatus.PUBLISH_BAD_NAME);
        log.info("duplicate RtmpClient publish on origin B refused: {}", refused.getMessage());

        Map<StampedPlayer, Long> atRefusal = new LinkedHashMap<>();
        players.forEach(p -> atRefusal.put(p, p.mediaMessages()));
        Await.until(Duration.ofSeconds(5), "light players still receiving after the refusal",
            () -> atRefusal.entrySet().stream().allMatch(e -> e.getKey().mediaMessages() > e.getValue() + 30),
            players::toString);
        assertThat(Api.stream(originB, key).ownerNode()).as("owner seen from origin B").isEqualTo(originA.node());
        assertThat(Api.localPlayers(originA, key)).as("relay pulls on origin A after the refusal").isEqualTo(2);
        assertThat(originA.logLines("event=play.start").stream().filter(l -> l.contains(" stream=" + key + " ")))
            .as("plays of %s origin A accepted: one upstream per edge", key).hasSize(nodes.cluster().edges().size());

        PlayReport first = onEdge1.await();
        PlayReport second = onEdge2.await();
        log.info("played via {} {}", nodes.cluster().edge(0).node(), first.summary());
        log.info("played via {} {}", nodes.cluster().edge(1).node(), second.summary());
        assertCleanPlayback(first, PROFILE, MIN_SPAN);
        assertCleanPlayback(second, PROFILE, MIN_SPAN);
      }
      for (StampedPlayer p : players) {
        assertThat(p.closedUnexpectedly()).as("%s closed", p).isFalse();
        assertThat(p.timestampRegressions()).as("%s timestamps", p).isZero();
        assertThat(p.statuses()).as("%s statuses", p).doesNotContain(NetStatus.PLAY_UNPUBLISH_NOTIFY);
      }
    }
  }

  /**
   * Origin A's cluster-wide list has the key, owned by A, with every edge's players; A's own list
   * counts one relay pull per edge; each edge's own list counts its players.
   */
  private static void assertApiShowsStreamOnAWithViewersOnBothEdges(ClusterProcess originA, String key, int perEdge) {
    long waited = Await.until(API_WAIT, "API of " + originA.node() + " shows " + key + " with " + perEdge
        + " players on each edge and one upstream per edge", () -> {
          Optional<JsonObject> s = Api.listed(originA, key);
          if (s.isEmpty()) {
            return false;
          }
          JsonObject byNode = s.get().getJsonObject("viewersByNode", new JsonObject());
          // Each node reports every 2 s, so wait for A's own report of the relay pulls too.
          JsonObject atA = byNode.getJsonObject(originA.node());
          return nodes.cluster().edges().stream().allMatch(e -> byNode.getJsonObject(e.node()) != null
              && byNode.getJsonObject(e.node()).getInteger("players", 0) == perEdge)
              && atA != null && atA.getInteger("players", 0) == nodes.cluster().edges().size()
              && Api.localPlayers(originA, key) == nodes.cluster().edges().size();
        }, () -> originA.getJson("/api/v1/streams").encodePrettily());
    JsonObject entry = Api.listed(originA, key).orElseThrow();
    log.info("api after {} ms: {}", waited, entry.encode());
    assertThat(entry.getJsonObject("owner").getString("node")).isEqualTo(originA.node());
    assertThat(entry.getJsonObject("owner").getString("relay")).isEqualTo("127.0.0.1:" + originA.rtmpPort());
    assertThat(entry.getString("videoCodec")).as("codec summary").isNotEmpty();
    // The origin reports the edges' relay pulls as its players, and the total includes them.
    JsonObject atOrigin = entry.getJsonObject("viewersByNode").getJsonObject(originA.node());
    assertThat(atOrigin).as("origin A's entry in viewersByNode").isNotNull();
    int edges = nodes.cluster().edges().size();
    assertThat(atOrigin.getInteger("players")).as("relay pulls origin A reports").isEqualTo(edges);
    assertThat(entry.getInteger("viewers")).isEqualTo(perEdge * edges + edges);
    for (ClusterProcess edge : nodes.cluster().edges()) {
      JsonObject v = entry.getJsonObject("viewersByNode").getJsonObject(edge.node());
      assertThat(v.getString("role")).isEqualTo("edge");
      assertThat(Api.localPlayers(edge, key)).as("players %s serves itself", edge.node()).isEqualTo(perEdge);
    }
    assertThat(Api.localPlayers(originA, key)).as("one upstream per edge at origin A").isEqualTo(edges);
    for (ClusterProcess node : nodes.cluster().nodes()) {
      assertThat(Api.stream(node, key).ownerNode()).as("owner of %s seen from %s", key, node.node())
          .isEqualTo(originA.node());
    }
  }

  @Test
  @Timeout(value = 150, unit = TimeUnit.SECONDS)
  void registryStaysIntactWhileThreeEdgesJoinAndLeave() throws Exception {
    ClusterProcess originA = nodes.cluster().origin(0);
    ClusterProcess originB = nodes.cluster().origin(1);
    String onA = Streams.unique("lite-a");
    String onB = Streams.unique("lite-b");
    Duration publishFor = Duration.ofSeconds(120);
    EventLoopGroup loops = nodes.loops();
    publishers.add(StampedPublisher.start(loops, originA.rtmpUrl(Streams.APP, onA), SYNTHETIC, publishFor, "pub-a"));
    publishers.add(StampedPublisher.start(loops, originB.rtmpUrl(Streams.APP, onB), SYNTHETIC, publishFor, "pub-b"));
    StampedPlayer watcher = StampedPlayer.play(loops, nodes.cluster().edge(0).rtmpUrl(Streams.APP, onA), "watcher");
    players.add(watcher);
    watcher.started().get(15, TimeUnit.SECONDS);
    Await.until(API_WAIT, "both streams registered", () -> Api.stream(originA, Streams.key(onA)).live()
        && Api.stream(originA, Streams.key(onB)).live());
    Await.until(API_WAIT, "watcher receiving", () -> watcher.videoFrames() >= 30, watcher::toString);

    Map<String, String> before = registry(originA);
    log.info("registry before edges join: {}", before);
    assertThat(before).containsKeys(Streams.key(onA), Streams.key(onB));

    List<ClusterProcess> joined = nodes.cluster().addEdges(3);
    for (ClusterProcess edge : joined) {
      Await.until(API_WAIT, edge.node() + " sees the registry", () -> registrySafe(edge).equals(before),
          () -> edge.node() + ": " + registrySafe(edge) + " expected " + before);
    }
    // A new edge also serves: the stream on B through one of them.
    StampedPlayer viaNewEdge = StampedPlayer.play(loops, joined.get(0).rtmpUrl(Streams.APP, onB), "via-new-edge");
    players.add(viaNewEdge);
    Await.until(API_WAIT, "player on a joined edge receiving", () -> viaNewEdge.videoFrames() >= 30, viaNewEdge::toString);
    assertThat(registry(originA)).as("registry on origin A with three more edges").isEqualTo(before);
    assertThat(registry(originB)).as("registry on origin B with three more edges").isEqualTo(before);
    viaNewEdge.close().get(10, TimeUnit.SECONDS);

    // Two leave in order, one crashes.
    joined.get(0).stop();
    joined.get(1).stop();
    joined.get(2).kill();
    // The remaining members have noticed all three departures (the crash by its closed sockets).
    nodes.cluster().awaitMembers(List.of(originA, originB, nodes.cluster().edge(0), nodes.cluster().edge(1)), 4);
    assertThat(registry(originA)).as("registry on origin A after the edges left").isEqualTo(before);
    assertThat(registry(originB)).as("registry on origin B after the edges left").isEqualTo(before);
    assertThat(registry(nodes.cluster().edge(0))).as("registry seen by the remaining edge").isEqualTo(before);
    assertThat(watcher.closedUnexpectedly()).as("watcher closed").isFalse();
    assertThat(watcher.gaps()).as("watcher gaps: %s", watcher).isZero();
    assertThat(watcher.sessions()).as("watcher publish sessions: %s", watcher).isEqualTo(1);
    assertThat(watcher.timestampRegressions()).isZero();
    for (StampedPublisher p : publishers) {
      assertThat(p.closedByPeer()).as("%s", p).isFalse();
    }
  }

  /** Key → owner member, node, epoch and start of every listed stream: what must not change. */
  private static Map<String, String> registry(ClusterProcess node) {
    Map<String, String> out = new TreeMap<>();
    var list = node.getJson("/api/v1/streams").getJsonArray("streams");
    for (int i = 0; i < list.size(); i++) {
      JsonObject s = list.getJsonObject(i);
      JsonObject owner = s.getJsonObject("owner");
      out.put(s.getString("key"), owner.getString("member") + "@" + owner.getString("node") + " epoch="
          + s.getLong("epoch") + " startedAt=" + s.getLong("startedAt"));
    }
    return out;
  }

  private static Map<String, String> registrySafe(ClusterProcess node) {
    try {
      return registry(node);
    } catch (AssertionError | RuntimeException e) {
      return Map.of("error", String.valueOf(e.getMessage()));
    }
  }
}
