package io.cascade.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.auth.SignedKey;
import io.cascade.client.RtmpStatusException;
import io.cascade.client.SyntheticMedia;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.testing.Await;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Auth across the cluster: publishes and plays need signed keys on every node, origins serve edges
 * only ({@code origin.localPlayback=false}). A signed player on the edge gets the stream through
 * the edge's relay pull, which carries a cluster token and no player signature; a direct pull from
 * the origin without a token, or with one signed by another secret, is refused; neither node logs
 * a signature or a secret.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class RelayAuthIT {
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(800, 30, 1, true);
  private static final String PUBLISH_SECRET = "relay-auth-publish-Q8w";
  private static final String PLAY_SECRET = "relay-auth-play-M3k";

  private static Cluster cluster;
  private static EventLoopGroup loops;
  private static StampedPublisher publisher;
  private static String stream;
  private static String key;
  private static final List<String> signatures = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    loops = Streams.clientLoops();
    cluster = Cluster.builder("relay-auth").origins(1).edges(1)
        .env("CASCADE_AUTH_PUBLISH_SECRETS", PUBLISH_SECRET)
        .env("CASCADE_AUTH_PLAY_SECRETS", PLAY_SECRET)
        .originEnv("CASCADE_ORIGIN_LOCAL_PLAYBACK", "false")
        .start();
    stream = Streams.unique("relay-auth");
    key = Streams.key(stream);
    publisher = StampedPublisher.start(loops, cluster.origin(0).rtmpUrl(Streams.APP, signed(PUBLISH_SECRET)), PROFILE,
        Duration.ofSeconds(300), "publisher");
  }

  @AfterAll
  static void stop() {
    if (publisher != null) {
      publisher.close();
    }
    Streams.shutdown(loops);
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aSignedPlayerOnTheEdgeGetsTheStreamThroughTheRelay() throws Exception {
    StampedPlayer player = StampedPlayer.play(loops, cluster.edge(0).rtmpUrl(Streams.APP, signed(PLAY_SECRET)), "signed");
    try {
      player.started().get(30, TimeUnit.SECONDS);
      Await.until(Duration.ofSeconds(30), "signed player receiving on the edge", () -> player.videoFrames() >= 60,
          player::toString);
      assertThat(player.gaps()).isZero();
    } finally {
      player.close();
    }
  }

  @Test
  void theEdgeRefusesUnsignedAndWronglySignedPlayers() throws Exception {
    assertRefused(cluster.edge(0), stream, NetStatus.PLAY_FAILED, "signed stream key (exp and sig) is required");
    assertRefused(cluster.edge(0), signed(PUBLISH_SECRET), NetStatus.PLAY_FAILED, "signature does not match");
    assertThat(ObservabilityIT.scrape(cluster.edge(0)).sum("cascade_auth_failures_total", "action", "play", "reason",
        "signature_missing")).isEqualTo(1);
  }

  @Test
  void directPullsFromTheOriginNeedAValidClusterToken() throws Exception {
    ClusterProcess origin = cluster.origin(0);
    long exp = System.currentTimeMillis() / 1000 + 60;
    // A player's valid signature is not a relay token: this origin serves edges only.
    assertRefused(origin, signed(PLAY_SECRET), NetStatus.PLAY_FAILED, "serves edges only");
    String forged = RelayToken.sign("not-the-cluster-secret", key, exp);
    signatures.add(forged);
    assertRefused(origin, stream + "?" + RelayToken.PARAMETER + "=" + forged, NetStatus.PLAY_FAILED,
        "invalid or expired cluster token");
    Scrape scrape = ObservabilityIT.scrape(origin);
    assertThat(scrape.sum("cascade_auth_failures_total", "action", "play", "reason", "relay_auth_required")).isEqualTo(1);
    assertThat(scrape.sum("cascade_auth_failures_total", "action", "play", "reason", "relay_auth_failed")).isEqualTo(1);

    // With the cluster secret the same pull is a relay: no player auth applies to it.
    String token = RelayToken.sign(cluster.secret(), key, exp);
    StampedPlayer relay = StampedPlayer.play(loops,
        origin.rtmpUrl(Streams.APP, stream + "?" + RelayToken.PARAMETER + "=" + token), "relay");
    try {
      relay.started().get(20, TimeUnit.SECONDS);
      Await.until(Duration.ofSeconds(20), "token-bearing pull receiving", () -> relay.videoFrames() >= 30,
          relay::toString);
    } finally {
      relay.close();
    }
  }

  @Test
  void noNodeLogsASignatureOrASecret() throws Exception {
    // A refusal of a signed name, so that the node had a signature to (not) log.
    assertRefused(cluster.edge(0), signed(PUBLISH_SECRET), NetStatus.PLAY_FAILED, "signature does not match");
    List<String> forbidden = new ArrayList<>(List.of(PUBLISH_SECRET, PLAY_SECRET, cluster.secret(), "sig=",
        RelayToken.PARAMETER + "="));
    forbidden.addAll(signatures);
    for (ClusterProcess node : cluster.nodes()) {
      for (String secret : forbidden) {
        assertThat(node.logLines(secret)).as("%s log lines containing %s", node.node(), secret).isEmpty();
      }
      assertThat(node.logLines("event=")).as("%s logged", node.node()).isNotEmpty();
    }
  }

  /** {@code stream?exp=…&sig=…} signed with {@code secret}; the signature is remembered for the log check. */
  private static String signed(String secret) {
    long exp = System.currentTimeMillis() / 1000 + 600;
    signatures.add(SignedKey.sign(secret, key, exp));
    return stream + "?" + SignedKey.query(secret, key, exp);
  }

  private static void assertRefused(ClusterProcess node, String name, String code, String descriptionPart)
      throws Exception {
    StampedPlayer p = StampedPlayer.play(loops, node.rtmpUrl(Streams.APP, name), "refused");
    try {
      p.started().get(20, TimeUnit.SECONDS);
      throw new AssertionError(node.node() + " let " + name.replaceAll("sig=.*", "sig=…") + " play");
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(RtmpStatusException.class);
      RtmpStatusException status = (RtmpStatusException) e.getCause();
      assertThat(status.code()).isEqualTo(code);
      assertThat(String.valueOf(status.info().get("description"))).contains(descriptionPart);
    } finally {
      p.close();
    }
  }
}
