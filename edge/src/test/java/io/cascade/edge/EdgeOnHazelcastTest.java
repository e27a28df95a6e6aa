package io.cascade.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.cluster.ClusterNode;
import io.cascade.cluster.StreamRecord;
import io.cascade.cluster.StreamRegistry;
import io.cascade.config.CascadeConfig;
import io.cascade.config.ConfigLoader;
import io.cascade.config.HostPort;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.testing.Await;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The edge wired as in production, on a real Hazelcast registry: an origin member claims a key
 * while a player waits on the edge, the entry event starts the pull, the cluster-wide API shows
 * the edge's viewer, and the release after the publish ends sends the edge back to waiting.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class EdgeOnHazelcastTest {
  private static final String SECRET = "hz-test-secret";

  @Test
  void claimOnAnOriginMemberStartsTheWaitingPlayerAndTheApiShowsItsEdge() throws Exception {
    String cluster = "edge-test-" + UUID.randomUUID().toString().substring(0, 8);
    EventLoopGroup clients = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    ClusterNode originMember = null;
    ClusterNode edgeMember = null;
    EdgeNode edge = null;
    TestOrigin rtmpOrigin = null;
    TestPlayer player = null;
    try {
      originMember = ClusterNode.start(config(cluster, "origin-1", List.of()), ClusterNode.Role.ORIGIN, small())
          .await(60, TimeUnit.SECONDS);
      CascadeConfig edgeConfig = config(cluster, "edge-1", List.of(new HostPort("127.0.0.1", originMember.port())));
      edgeMember = ClusterNode.start(edgeConfig, ClusterNode.Role.EDGE, small()).await(60, TimeUnit.SECONDS);
      edge = EdgeNode.start(edgeMember, edgeConfig).await(10, TimeUnit.SECONDS);

      player = TestPlayer.play(clients, edge.rtmpPort(), "live/hz");
      // The play joined the stream before Play.Start: the ingest exists and nothing is pulled yet.
      assertThat(edge.stats().ingestsCreated()).isEqualTo(1);
      assertThat(edge.streams().waitingPlayers()).isEqualTo(1);
      assertThat(edge.stats().pullsStarted()).isZero();

      rtmpOrigin = TestOrigin.start(clients, originMember.memberId(), SECRET);
      TestOrigin.Publishing publishing = rtmpOrigin.publish("live/hz", Duration.ofSeconds(60));
      long claimedNanos = System.nanoTime();
      StreamRegistry registry = originMember.registry();
      StreamRecord record = rtmpOrigin.record("live/hz", "session-1");
      assertThat(registry.claim(record).await(10, TimeUnit.SECONDS).granted()).isTrue();

      TestPlayer p = player;
      assertThat(p.await(TestPlayer.Frame::isVideo, 10, 10_000)).isTrue();
      long firstMs = (p.frames.stream().filter(TestPlayer.Frame::isVideo).findFirst().orElseThrow().receivedNanos()
          - claimedNanos) / 1_000_000;
      System.out.printf("hazelcast: claim -> first frame at a waiting edge player %d ms%n", firstMs);
      assertThat(p.statuses).contains(NetStatus.PLAY_PUBLISH_NOTIFY);
      assertThat(rtmpOrigin.subscribers("live/hz")).isEqualTo(1);

      JsonObject stream = awaitViewers(edgeMember.vertx(), edge, "live/hz", "edge-1");
      assertThat(stream.getJsonObject("owner").getString("node")).isEqualTo("node-" + originMember.memberId());

      // The publish ends: origin says unpublished, the record goes, the edge waits (no reconnect loop).
      publishing.stop();
      registry.release(record).await(10, TimeUnit.SECONDS);
      EdgeNode e = edge;
      // WAITING has no timer: only a registry event moves it on, so no reconnect can follow.
      Await.until(Duration.ofSeconds(10), "the edge waits for a new owner",
          () -> e.ingests().ingest("live/hz").state() == EdgeIngest.State.WAITING && e.stats().pullsActive() == 0);
      assertThat(edge.stats().upstreamsLost()).isEqualTo(1);
      assertThat(edge.stats().pullsStarted()).isEqualTo(1);
      assertThat(edge.stats().pullsActive()).isZero();
    } finally {
      if (player != null) {
        player.close();
      }
      if (edge != null) {
        edge.stop().await(10, TimeUnit.SECONDS);
      }
      if (rtmpOrigin != null) {
        rtmpOrigin.kill();
      }
      for (ClusterNode n : new ClusterNode[] {edgeMember, originMember}) {
        if (n != null) {
          n.close().await(30, TimeUnit.SECONDS);
        }
      }
      clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  /** Polls the edge's {@code /api/v1/streams/{key}} until {@code node} reports a viewer. */
  private static JsonObject awaitViewers(Vertx vertx, EdgeNode edge, String key, String node) throws Exception {
    HttpClient http = vertx.createHttpClient();
    try {
      JsonObject[] last = new JsonObject[1];
      Await.until(Duration.ofSeconds(15), "viewers of " + key + " on " + node + " in the API", () -> {
        String body = http.request(HttpMethod.GET, edge.httpPort(), "127.0.0.1", "/api/v1/streams/" + key)
            .compose(req -> req.send().compose(resp -> resp.body()))
            .await(5, TimeUnit.SECONDS).toString();
        last[0] = new JsonObject(body);
        JsonObject byNode = last[0].getJsonObject("viewersByNode");
        return byNode != null && byNode.containsKey(node);
      });
      JsonObject byNode = last[0].getJsonObject("viewersByNode");
      assertThat(byNode.getJsonObject(node).getInteger("players")).isEqualTo(1);
      assertThat(byNode.getJsonObject(node).getString("role")).isEqualTo("edge");
      return last[0];
    } finally {
      http.close();
    }
  }

  private static CascadeConfig config(String cluster, String nodeId, List<HostPort> members) {
    Map<String, Object> o = new HashMap<>();
    o.put("node.id", nodeId);
    o.put("cluster.name", cluster);
    o.put("cluster.host", "127.0.0.1");
    o.put("cluster.port", 0);
    o.put("cluster.members", members);
    o.put("cluster.secret", List.of(SECRET));
    o.put("rtmp.host", "127.0.0.1");
    o.put("rtmp.port", 0);
    o.put("rtmp.eventLoops", 2);
    o.put("http.host", "127.0.0.1");
    o.put("http.port", 0);
    return ConfigLoader.load((Path) null, Map.of(), o).config();
  }

  private static VertxOptions small() {
    return new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(4).setInternalBlockingPoolSize(2);
  }
}
