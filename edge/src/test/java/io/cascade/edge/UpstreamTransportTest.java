package io.cascade.edge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.cluster.StreamRecord;
import io.cascade.config.CascadeConfig;
import io.cascade.config.ConfigLoader;
import io.cascade.live.LiveSettings;
import io.cascade.live.StreamManager;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.internal.VertxInternal;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The RTMP upstream against in-process stand-in origins on real sockets: it plays with a relay
 * token and feeds the stream, and it tells a refused connect, a refused token, an origin that
 * plays and hangs up, an unpublish and a silent upstream apart. One test runs a whole edge node
 * to check the wiring (one authenticated upstream that many players share).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UpstreamTransportTest {
  private static final String SECRET = "test-cluster-secret";
  private static final String KEY = "live/one";
  private static final Duration MEDIA = Duration.ofSeconds(40);
  private static Vertx vertx;
  private static EventLoopGroup clients;

  private final List<TestOrigin> origins = new ArrayList<>();
  private final List<TestPlayer> players = new ArrayList<>();
  private final StreamManager streams = new StreamManager(LiveSettings.DEFAULTS, PooledByteBufAllocator.DEFAULT);
  private final Object publisher = new Object();
  private EdgeNode edge;
  private Upstream upstream;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    clients = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stopVertx() throws Exception {
    clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopAll() throws Exception {
    if (upstream != null) {
      upstream.close();
      upstream.closed().await(10, TimeUnit.SECONDS);
    }
    for (TestPlayer p : players) {
      p.close();
    }
    if (edge != null) {
      edge.stop().await(10, TimeUnit.SECONDS);
    }
    for (TestOrigin o : origins) {
      o.kill();
    }
    if (streams.get(KEY) != null) {
      streams.unpublish(streams.get(KEY), publisher);
    }
  }

  @Test
  void playsWithARelayTokenAndFeedsTheStream() throws Exception {
    TestOrigin a = origin("a");
    a.publish(KEY, MEDIA);
    Events events = open(a.record(KEY, "s1"), settings(SECRET, Duration.ofSeconds(3)));

    events.playing.get(5, TimeUnit.SECONDS);
    events.firstMedia.get(5, TimeUnit.SECONDS);
    assertThat(a.subscribers(KEY)).isEqualTo(1);
    assertThat(streams.get(KEY).info().framesIn()).isPositive();
    assertThat(events.failed).isNotDone();
    assertThat(events.lost).isNotDone();
  }

  @Test
  void aWrongRelayTokenIsAFailedPlay() throws Exception {
    TestOrigin a = origin("a");
    a.publish(KEY, MEDIA);
    Events events = open(a.record(KEY, "s1"), settings("another-secret", Duration.ofSeconds(3)));

    assertThat(events.failed.get(5, TimeUnit.SECONDS)).isNotBlank();
    assertThat(events.playing).isNotDone();
    assertThat(a.subscribers(KEY)).isZero();
  }

  @Test
  void aRefusedConnectIsAFailureAndTheUpstreamEndsClosed() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    Events events = open(new StreamRecord(KEY, "m-x", "node-x", "127.0.0.1", deadPort, "sx", 1, 0, "", ""),
        settings(SECRET, Duration.ofSeconds(3)));
    assertThat(events.failed.get(5, TimeUnit.SECONDS)).isNotBlank();
    upstream.closed().await(5, TimeUnit.SECONDS);
    assertThat(events.playing).isNotDone();
  }

  @Test
  void anUnusableRelayAddressIsRefusedAtOnce() {
    LoopScheduler scheduler = LoopScheduler.next((VertxInternal) vertx);
    Upstream.Connector connector = UpstreamTransport.connector(scheduler, settings(SECRET, Duration.ofSeconds(3)),
        EdgeIngests.clientOptions(settings(SECRET, Duration.ofSeconds(3))));
    assertThatThrownBy(() -> connector.open(new StreamRecord(KEY, "m", "n", "", 1935, "s", 1, 0, "", ""), "live", "one",
        new Events())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void anOriginThatPlaysAndHangsUpIsALossBeforeAnyMedia() throws Exception {
    FlappingOrigin flapping = new FlappingOrigin(clients);
    try {
      Events events = open(new StreamRecord(KEY, "m-f", "node-f", "127.0.0.1", flapping.port(), "sf", 1, 0, "", ""),
          settings(SECRET, Duration.ofSeconds(3)));
      events.playing.get(5, TimeUnit.SECONDS);
      assertThat(events.lost.get(5, TimeUnit.SECONDS)).isEqualTo("closed ended=false");
      assertThat(events.firstMedia).isNotDone();
    } finally {
      flapping.close();
    }
  }

  @Test
  void anUnpublishEndsTheSessionAndSilenceIsNoData() throws Exception {
    TestOrigin a = origin("a");
    TestOrigin.Publishing publishing = a.publish(KEY, MEDIA);
    Events ended = open(a.record(KEY, "s1"), settings(SECRET, Duration.ofSeconds(3)));
    ended.firstMedia.get(5, TimeUnit.SECONDS);
    publishing.stop();
    assertThat(ended.lost.get(5, TimeUnit.SECONDS)).isEqualTo("unpublished ended=true");
    upstream.close();

    // A publisher that stops sending but stays connected: the origin sends nothing more.
    TestOrigin.Publishing silent = a.publish(KEY, MEDIA);
    Events quiet = open(a.record(KEY, "s2"), settings(SECRET, Duration.ofMillis(500)));
    quiet.firstMedia.get(5, TimeUnit.SECONDS);
    long stoppedNanos = System.nanoTime();
    silent.media().stop().get(5, TimeUnit.SECONDS);
    assertThat(quiet.lost.get(5, TimeUnit.SECONDS)).isEqualTo("no_data ended=false");
    assertThat((System.nanoTime() - stoppedNanos) / 1_000_000).isGreaterThanOrEqualTo(400);
  }

  @Test
  void anEdgeNodeOpensOneAuthenticatedUpstreamThatItsPlayersShare() throws Exception {
    TestOrigin a = origin("a");
    a.publish(KEY, MEDIA);
    FakeRegistry registry = new FakeRegistry();
    registry.put(a.record(KEY, "s1"));
    CascadeConfig config = ConfigLoader.load((Path) null, Map.of(), Map.of(
        "rtmp.host", "127.0.0.1", "rtmp.port", 0, "rtmp.eventLoops", 2,
        "http.host", "127.0.0.1", "http.port", 0)).config();
    edge = EdgeNode.start(vertx, registry, config, settings(SECRET, Duration.ofSeconds(3)))
        .await(10, TimeUnit.SECONDS);

    for (int i = 0; i < 5; i++) {
      players.add(TestPlayer.play(clients, edge.rtmpPort(), KEY));
    }
    for (TestPlayer p : players) {
      assertThat(p.await(TestPlayer.Frame::isVideo, 25, 5000)).isTrue();
      // A joiner starts with metadata and sequence headers, then a keyframe.
      assertThat(p.frames.get(0).type()).isEqualTo(MessageType.DATA_AMF0);
      assertThat(p.frames.stream().filter(f -> MessageType.isMedia(f.type())).findFirst().orElseThrow()
          .sequenceHeader()).isTrue();
      assertThat(p.timestampRegressions()).isEmpty();
    }
    EdgeStats stats = edge.stats();
    assertThat(stats.ingestsCreated()).isEqualTo(1);
    assertThat(stats.pullsStarted()).isEqualTo(1);
    assertThat(stats.pullsActive()).isEqualTo(1);
    assertThat(stats.pullsFailed()).isZero();
    assertThat(a.subscribers(KEY)).isEqualTo(1);
    assertThat(registry.watchers(KEY)).isEqualTo(1);
  }

  // ---- helpers

  private TestOrigin origin(String member) throws Exception {
    TestOrigin o = TestOrigin.start(clients, member, SECRET);
    origins.add(o);
    return o;
  }

  /** Opens an upstream for {@code record} on a fresh loop; on Play.Start it feeds this test's stream. */
  private Events open(StreamRecord record, EdgeSettings settings) {
    LoopScheduler scheduler = LoopScheduler.next((VertxInternal) vertx);
    Events events = new Events();
    CompletableFuture<Upstream> opened = new CompletableFuture<>();
    scheduler.execute(() -> opened.complete(UpstreamTransport.connector(scheduler, settings,
        EdgeIngests.clientOptions(settings)).open(record, "live", "one", events)));
    upstream = opened.join();
    return events;
  }

  private static EdgeSettings settings(String secret, Duration noData) {
    return new EdgeSettings(Duration.ofSeconds(10), Duration.ofMillis(50), Duration.ofMillis(400),
        Duration.ofSeconds(2), noData, Duration.ofSeconds(10), Duration.ofSeconds(60), secret);
  }

  /** What the upstream reported; it publishes the test's stream on Play.Start, as the ingest does. */
  private final class Events implements Upstream.Listener {
    final CompletableFuture<Void> playing = new CompletableFuture<>();
    final CompletableFuture<Void> firstMedia = new CompletableFuture<>();
    final CompletableFuture<String> failed = new CompletableFuture<>();
    final CompletableFuture<String> lost = new CompletableFuture<>();

    @Override
    public void onPlaying(Upstream u) {
      if (streams.get(KEY) != null) {
        streams.unpublish(streams.get(KEY), publisher);
      }
      u.feed(streams.publish(KEY, publisher).stream(), publisher);
      playing.complete(null);
    }

    @Override
    public void onFirstMedia(Upstream u) {
      firstMedia.complete(null);
    }

    @Override
    public void onFailed(Upstream u, String reason) {
      failed.complete(reason);
    }

    @Override
    public void onLost(Upstream u, String reason, String detail, boolean sessionEnded) {
      lost.complete(reason + " ended=" + sessionEnded);
    }
  }
}
