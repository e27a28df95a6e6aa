package io.cascade.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.SyntheticMedia;
import io.cascade.cluster.StreamRecord;
import io.cascade.config.CascadeConfig;
import io.cascade.config.ConfigLoader;
import io.cascade.live.MediaFrame;
import io.cascade.live.LiveStream;
import io.cascade.live.Subscriber;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.NetStatus;
import io.netty.channel.EventLoop;
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
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The edge's upstream pull against in-process stand-in origins and an in-memory registry: one
 * upstream per stream however many players arrive, failover that keeps players attached, backoff,
 * idle teardown, and players that wait for a stream not claimed yet.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class EdgeIngestTest {
  private static final String SECRET = "test-cluster-secret";
  private static final Duration MEDIA = Duration.ofSeconds(40);
  private static Vertx vertx;
  private static EventLoopGroup clients;

  private final FakeRegistry registry = new FakeRegistry();
  private final List<TestOrigin> origins = new ArrayList<>();
  private final List<TestPlayer> players = new ArrayList<>();
  private EdgeNode edge;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(4));
    clients = new MultiThreadIoEventLoopGroup(4, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stopVertx() throws Exception {
    clients.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    vertx.close().await(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stopAll() throws Exception {
    for (TestPlayer p : players) {
      p.close();
    }
    if (edge != null) {
      edge.stop().await(10, TimeUnit.SECONDS);
    }
    for (TestOrigin o : origins) {
      o.kill();
    }
  }

  @Test
  void firstPlayerStartsOneAuthenticatedUpstreamThatLaterPlayersShare() throws Exception {
    TestOrigin a = origin("a");
    a.publish("live/one", MEDIA);
    registry.put(a.record("live/one", "s1"));
    startEdge(settings(Duration.ofSeconds(10), Duration.ofSeconds(10)));

    for (int i = 0; i < 5; i++) {
      players.add(TestPlayer.play(clients, edge.rtmpPort(), "live/one"));
    }
    for (TestPlayer p : players) {
      assertThat(p.await(TestPlayer.Frame::isVideo, 25, 5000)).isTrue();
      // A joiner starts with metadata and sequence headers, then a keyframe.
      assertThat(p.frames.get(0).type()).isEqualTo(MessageType.DATA_AMF0);
      assertThat(p.frames.stream().filter(f -> MessageType.isMedia(f.type())).findFirst().orElseThrow().sequenceHeader()).isTrue();
      assertThat(p.timestampRegressions()).isEmpty();
    }
    EdgeStats stats = edge.stats();
    assertThat(stats.ingestsCreated()).isEqualTo(1);
    assertThat(stats.pullsStarted()).isEqualTo(1);
    assertThat(stats.pullsActive()).isEqualTo(1);
    assertThat(stats.pullsFailed()).isZero();
    assertThat(a.subscribers("live/one")).isEqualTo(1);
    assertThat(registry.watchers("live/one")).isEqualTo(1);
  }

  @Test
  void thousandConcurrentSubscribesMakeOneIngestAndOneUpstream() throws Exception {
    TestOrigin a = origin("a");
    a.publish("live/storm", MEDIA);
    registry.put(a.record("live/storm", "s1"));
    startEdge(settings(Duration.ofSeconds(10), Duration.ofSeconds(10)));

    List<CountingSubscriber> subs = new ArrayList<>();
    EventLoopGroup loops = ((VertxInternal) vertx).nettyEventLoopGroup();
    for (int i = 0; i < 1000; i++) {
      subs.add(new CountingSubscriber(loops.next()));
    }
    List<LiveStream> joined = Collections.synchronizedList(new ArrayList<>());
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(32);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 32; t++) {
        int from = t;
        done.add(pool.submit(() -> {
          go.await();
          for (int i = from; i < subs.size(); i += 32) {
            joined.add(edge.streams().subscribe("live/storm", subs.get(i)));
          }
          return null;
        }));
      }
      long start = System.nanoTime();
      go.countDown();
      for (Future<?> f : done) {
        f.get(10, TimeUnit.SECONDS);
      }
      System.out.printf("storm: 1000 subscribes in %d ms%n", (System.nanoTime() - start) / 1_000_000);
    } finally {
      pool.shutdownNow();
    }
    assertThat(joined).hasSize(1000).doesNotContainNull();
    assertThat(joined.stream().distinct().count()).isEqualTo(1);
    eventually(() -> subs.stream().allMatch(s -> s.frames.get() > 10), 5000);
    assertThat(edge.stats().ingestsCreated()).isEqualTo(1);
    assertThat(edge.stats().pullsStarted()).isEqualTo(1);
    assertThat(a.subscribers("live/storm")).isEqualTo(1);

    for (CountingSubscriber s : subs) {
      edge.streams().unsubscribe(joined.get(0), s);
    }
  }

  @Test
  void coldEdgeStormOfRtmpPlayersOpensOneUpstreamAndFeedsThemAll() throws Exception {
    TestOrigin a = origin("a");
    a.publish("live/cold", MEDIA);
    registry.put(a.record("live/cold", "s1"));
    startEdge(settings(Duration.ofSeconds(10), Duration.ofSeconds(10)));

    int n = 50;
    List<CompletableFuture<TestPlayer>> starting = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      for (int i = 0; i < n; i++) {
        starting.add(CompletableFuture.supplyAsync(() -> {
          try {
            return TestPlayer.play(clients, edge.rtmpPort(), "live/cold");
          } catch (Exception e) {
            throw new CompletionException(e);
          }
        }, pool));
      }
      for (CompletableFuture<TestPlayer> f : starting) {
        players.add(f.get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    for (TestPlayer p : players) {
      assertThat(p.await(TestPlayer.Frame::isVideo, 10, 10000)).isTrue();
    }
    assertThat(edge.stats().ingestsCreated()).isEqualTo(1);
    assertThat(edge.stats().pullsStarted()).isEqualTo(1);
    assertThat(a.subscribers("live/cold")).isEqualTo(1);
    assertThat(edge.streams().get("live/cold").info().subscribers()).isEqualTo(n);
  }

  @Test
  void failoverToTheNewOwnerKeepsPlayersWithMonotonicTimestampsAndFreshHeaders() throws Exception {
    TestOrigin a = origin("a");
    TestOrigin b = origin("b");
    a.publish("live/fo", MEDIA);
    registry.put(a.record("live/fo", "sa"));
    startEdge(settings(Duration.ofSeconds(10), Duration.ofSeconds(10)));
    for (int i = 0; i < 5; i++) {
      players.add(TestPlayer.play(clients, edge.rtmpPort(), "live/fo"));
    }
    for (TestPlayer p : players) {
      assertThat(p.await(TestPlayer.Frame::isVideo, 25, 5000)).isTrue();
    }

    // Origin A dies; the cluster notices and drops its records, then the publisher comes back on B.
    a.kill();
    Thread.sleep(300);
    registry.markDead(a.member());
    registry.remove("live/fo");
    Thread.sleep(300);
    int[] headersBefore = players.stream().mapToInt(p -> (int) p.count(f -> f.isVideo() && f.sequenceHeader())).toArray();
    b.publish("live/fo", MEDIA);
    long claimedMicros = SyntheticMedia.epochMicros();
    long claimedNanos = System.nanoTime();
    registry.put(b.record("live/fo", "sb"));

    List<Long> resumeMillis = new ArrayList<>();
    for (TestPlayer p : players) {
      assertThat(p.await(f -> f.isVideo() && f.sendMicros() >= claimedMicros, 1, 5000)).isTrue();
      TestPlayer.Frame first = p.frames.stream().filter(f -> f.isVideo() && f.sendMicros() >= claimedMicros)
          .findFirst().orElseThrow();
      resumeMillis.add((first.receivedNanos() - claimedNanos) / 1_000_000);
    }
    for (int i = 0; i < players.size(); i++) {
      TestPlayer p = players.get(i);
      assertThat(p.await(f -> f.isVideo() && f.sendMicros() >= claimedMicros, 25, 5000)).isTrue();
      assertThat(p.closed).isNotDone();
      assertThat(p.statuses).doesNotContain(NetStatus.PLAY_UNPUBLISH_NOTIFY, NetStatus.PLAY_STOP);
      assertThat(p.timestampRegressions()).isEmpty();
      assertThat(p.count(f -> f.isVideo() && f.sequenceHeader())).isGreaterThan(headersBefore[i]);
    }
    Collections.sort(resumeMillis);
    EdgeStats stats = edge.stats();
    System.out.printf("failover: claim->first frame at players p50=%d ms max=%d ms; upstream loss->playing %d ms;"
        + " pulls started=%d failed=%d%n", resumeMillis.get(resumeMillis.size() / 2),
        resumeMillis.get(resumeMillis.size() - 1), stats.failoverMillisLast(), stats.pullsStarted(), stats.pullsFailed());
    assertThat(resumeMillis.get(resumeMillis.size() - 1)).isLessThan(3000);
    assertThat(stats.reconnects()).isEqualTo(1);
    assertThat(stats.upstreamsLost()).isEqualTo(1);
    assertThat(stats.pullsActive()).isEqualTo(1);
    assertThat(b.subscribers("live/fo")).isEqualTo(1);
  }

  @Test
  void publisherMovingToAnotherLiveOriginSwitchesTheUpstream() throws Exception {
    TestOrigin a = origin("a");
    TestOrigin b = origin("b");
    a.publish("live/move", MEDIA);
    registry.put(a.record("live/move", "sa"));
    startEdge(settings(Duration.ofSeconds(10), Duration.ofSeconds(10)));
    TestPlayer p = TestPlayer.play(clients, edge.rtmpPort(), "live/move");
    players.add(p);
    assertThat(p.await(TestPlayer.Frame::isVideo, 25, 5000)).isTrue();

    b.publish("live/move", MEDIA);
    long movedMicros = SyntheticMedia.epochMicros();
    registry.put(b.record("live/move", "sb"));

    assertThat(p.await(f -> f.isVideo() && f.sendMicros() >= movedMicros && f.sequence() < 200, 25, 5000)).isTrue();
    eventually(() -> a.subscribers("live/move") == 0, 3000);
    assertThat(b.subscribers("live/move")).isEqualTo(1);
    assertThat(p.timestampRegressions()).isEmpty();
    assertThat(p.statuses).doesNotContain(NetStatus.PLAY_UNPUBLISH_NOTIFY);
    assertThat(edge.stats().pullsActive()).isEqualTo(1);
  }

  @Test
  void publisherReconnectingToTheSameOriginIsFollowedWithoutPlayersNoticing() throws Exception {
    TestOrigin a = origin("a");
    TestOrigin.Publishing first = a.publish("live/re", MEDIA);
    StreamRecord firstRecord = a.record("live/re", "s1");
    registry.put(firstRecord);
    startEdge(settings(Duration.ofSeconds(10), Duration.ofSeconds(10)));
    TestPlayer p = TestPlayer.play(clients, edge.rtmpPort(), "live/re");
    players.add(p);
    assertThat(p.await(TestPlayer.Frame::isVideo, 25, 5000)).isTrue();

    // The encoder drops; the origin tells the edge (UnpublishNotify) before its registry release
    // lands, so a lookup still shows the ended session: the edge must wait, not reconnect to it.
    first.stop();
    Thread.sleep(500);
    assertThat(edge.stats().upstreamsLost()).isEqualTo(1);
    assertThat(edge.stats().pullsStarted()).isEqualTo(1);
    registry.release(firstRecord);

    a.publish("live/re", MEDIA);
    long backMicros = SyntheticMedia.epochMicros();
    registry.put(a.record("live/re", "s2"));
    assertThat(p.await(f -> f.isVideo() && f.sendMicros() >= backMicros, 25, 5000)).isTrue();
    assertThat(p.statuses).doesNotContain(NetStatus.PLAY_UNPUBLISH_NOTIFY);
    assertThat(p.timestampRegressions()).isEmpty();
    assertThat(edge.stats().pullsStarted()).isEqualTo(2);
    assertThat(edge.stats().reconnects()).isEqualTo(1);
  }

  @Test
  void refusedConnectsBackOffWithBoundedJitteredDelaysAndAreCounted() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    long now = System.currentTimeMillis();
    registry.put(new StreamRecord("live/bo", "m-x", "node-x", "127.0.0.1", deadPort, "sx", 1, now, "", ""));
    startEdge(settings(Duration.ofSeconds(10), Duration.ofSeconds(10)));
    TestPlayer p = TestPlayer.play(clients, edge.rtmpPort(), "live/bo");
    players.add(p);

    Thread.sleep(2500);
    List<Long> lookups = registry.lookupTimes("live/bo");
    long failed = edge.stats().pullsFailed();
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < lookups.size(); i++) {
      gaps.add((lookups.get(i) - lookups.get(i - 1)) / 1_000_000);
    }
    System.out.printf("backoff: %d refused connects in 2.5 s, delays %s ms%n", failed, gaps);
    assertThat(failed).isBetween(4L, 16L);
    for (int i = 0; i < gaps.size(); i++) {
      long base = Math.min(50L << Math.min(i, 20), 400);
      assertThat(gaps.get(i)).as("delay %d", i).isBetween(base / 2 - 5, base + 150);
    }

    // The key moves to a reachable origin: the watch cuts the backoff short.
    TestOrigin c = origin("c");
    c.publish("live/bo", MEDIA);
    long movedNanos = System.nanoTime();
    registry.put(c.record("live/bo", "sc"));
    assertThat(p.await(TestPlayer.Frame::isVideo, 10, 3000)).isTrue();
    long firstMs = (p.frames.stream().filter(TestPlayer.Frame::isVideo).findFirst().orElseThrow().receivedNanos()
        - movedNanos) / 1_000_000;
    System.out.printf("backoff: new owner -> first frame %d ms%n", firstMs);
    assertThat(firstMs).isLessThan(1000);
    assertThat(p.statuses).contains(NetStatus.PLAY_PUBLISH_NOTIFY);
  }

  @Test
  void anUpstreamThatPlaysAndDropsAtOnceIsRetriedWithBackoffNotInATightLoop() throws Exception {
    FlappingOrigin flapping = new FlappingOrigin(clients);
    try {
      long now = System.currentTimeMillis();
      registry.put(new StreamRecord("live/flap", "m-f", "node-f", "127.0.0.1", flapping.port(), "sf", 1, now, "", ""));
      startEdge(settings(Duration.ofSeconds(10), Duration.ofSeconds(10)));
      players.add(TestPlayer.play(clients, edge.rtmpPort(), "live/flap"));
      Thread.sleep(2000);
      System.out.printf("flapping: %d plays in 2 s%n", flapping.plays.get());
      // Backoff 50..400 ms: about ten attempts, not thousands.
      assertThat(flapping.plays.get()).isBetween(3, 16);
      assertThat(edge.stats().pullsActive()).isLessThanOrEqualTo(1);
    } finally {
      flapping.close();
    }
  }

  @Test
  void idleUpstreamClosesAfterTheGraceAndAReturningPlayerKeepsIt() throws Exception {
    TestOrigin a = origin("a");
    a.publish("live/idle", MEDIA);
    registry.put(a.record("live/idle", "s1"));
    Duration grace = Duration.ofMillis(800);
    startEdge(settings(grace, Duration.ofSeconds(10)));

    TestPlayer first = TestPlayer.play(clients, edge.rtmpPort(), "live/idle");
    assertThat(first.await(TestPlayer.Frame::isVideo, 10, 5000)).isTrue();
    first.close();
    Thread.sleep(300);
    TestPlayer second = TestPlayer.play(clients, edge.rtmpPort(), "live/idle");
    assertThat(second.await(TestPlayer.Frame::isVideo, 10, 5000)).isTrue();
    assertThat(edge.stats().pullsStarted()).isEqualTo(1);
    assertThat(edge.stats().ingestsCreated()).isEqualTo(1);

    second.close();
    long leftNanos = System.nanoTime();
    eventually(() -> a.subscribers("live/idle") == 0, 5000);
    long closedMs = (System.nanoTime() - leftNanos) / 1_000_000;
    System.out.printf("idle: upstream closed %d ms after the last player left (grace %d ms)%n", closedMs, grace.toMillis());
    assertThat(closedMs).isBetween(grace.toMillis() - 50, grace.toMillis() + 1500);
    eventually(() -> edge.ingests().size() == 0 && edge.stats().pullsActive() == 0, 2000);
    assertThat(edge.stats().idleCloses()).isEqualTo(1);
    assertThat(edge.streams().size()).isZero();
    assertThat(registry.watchers("live/idle")).isZero();

    // Demand again after the teardown: a fresh ingest and upstream.
    TestPlayer third = TestPlayer.play(clients, edge.rtmpPort(), "live/idle");
    players.add(third);
    assertThat(third.await(TestPlayer.Frame::isVideo, 10, 5000)).isTrue();
    assertThat(edge.stats().ingestsCreated()).isEqualTo(2);
    assertThat(edge.stats().pullsActive()).isEqualTo(1);
  }

  @Test
  void playersWaitingForAnUnclaimedKeyStartWhenTheRecordAppears() throws Exception {
    TestOrigin a = origin("a");
    startEdge(settings(Duration.ofSeconds(10), Duration.ofSeconds(10)));
    for (int i = 0; i < 3; i++) {
      players.add(TestPlayer.play(clients, edge.rtmpPort(), "live/later"));
    }
    Thread.sleep(700);
    for (TestPlayer p : players) {
      assertThat(p.count(f -> MessageType.isMedia(f.type()))).isZero();
    }
    // Driven by the watch, not by polling: one lookup when the first player came.
    assertThat(registry.lookupTimes("live/later")).hasSize(1);
    assertThat(edge.stats().pullsStarted()).isZero();

    a.publish("live/later", MEDIA);
    long claimedNanos = System.nanoTime();
    registry.put(a.record("live/later", "s1"));
    for (TestPlayer p : players) {
      assertThat(p.await(TestPlayer.Frame::isVideo, 10, 5000)).isTrue();
      assertThat(p.statuses).contains(NetStatus.PLAY_PUBLISH_NOTIFY);
    }
    long firstMs = (players.get(0).frames.stream().filter(TestPlayer.Frame::isVideo).findFirst().orElseThrow()
        .receivedNanos() - claimedNanos) / 1_000_000;
    System.out.printf("waiting: claim -> first frame %d ms%n", firstMs);
    assertThat(edge.stats().pullsStarted()).isEqualTo(1);
  }

  @Test
  void withoutAnUpstreamPastTheRepublishWaitPlayersAreToldAndResumeOnTheNextOwner() throws Exception {
    TestOrigin a = origin("a");
    TestOrigin b = origin("b");
    a.publish("live/gap", MEDIA);
    registry.put(a.record("live/gap", "sa"));
    startEdge(settings(Duration.ofSeconds(10), Duration.ofMillis(500)));
    TestPlayer p = TestPlayer.play(clients, edge.rtmpPort(), "live/gap");
    players.add(p);
    assertThat(p.await(TestPlayer.Frame::isVideo, 10, 5000)).isTrue();

    registry.remove("live/gap");
    a.kill();
    eventually(() -> p.statuses.contains(NetStatus.PLAY_UNPUBLISH_NOTIFY), 3000);
    assertThat(edge.stats().unpublishedNoUpstream()).isEqualTo(1);

    b.publish("live/gap", MEDIA);
    long movedMicros = SyntheticMedia.epochMicros();
    registry.put(b.record("live/gap", "sb"));
    assertThat(p.await(f -> f.isVideo() && f.sendMicros() >= movedMicros, 10, 5000)).isTrue();
    assertThat(p.statuses).contains(NetStatus.PLAY_PUBLISH_NOTIFY);
    assertThat(p.timestampRegressions()).isEmpty();
    assertThat(p.closed).isNotDone();
  }

  // ---- helpers

  private TestOrigin origin(String member) throws Exception {
    TestOrigin o = TestOrigin.start(clients, member, SECRET);
    origins.add(o);
    return o;
  }

  private void startEdge(EdgeSettings settings) throws Exception {
    CascadeConfig config = ConfigLoader.load((Path) null, Map.of(), Map.of(
        "rtmp.host", "127.0.0.1", "rtmp.port", 0, "rtmp.eventLoops", 2,
        "http.host", "127.0.0.1", "http.port", 0,
        "live.playerWaitTimeout", "20s", "live.republishWaitTimeout", "20s")).config();
    edge = EdgeNode.start(vertx, registry, config, settings).await(10, TimeUnit.SECONDS);
  }

  private static EdgeSettings settings(Duration idleGrace, Duration republishWait) {
    return new EdgeSettings(idleGrace, Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofSeconds(2),
        Duration.ofSeconds(3), republishWait, Duration.ofSeconds(60), SECRET);
  }

  private static void eventually(BooleanSupplier condition, long timeoutMillis) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met within " + timeoutMillis + " ms");
      }
      Thread.sleep(10);
    }
  }

  /** A subscriber that only counts and releases what it gets. */
  private static final class CountingSubscriber implements Subscriber {
    final EventLoop loop;
    final AtomicLong frames = new AtomicLong();

    CountingSubscriber(EventLoop loop) {
      this.loop = loop;
    }

    @Override
    public EventLoop eventLoop() {
      return loop;
    }

    @Override
    public void onFrame(MediaFrame frame) {
      frames.incrementAndGet();
      frame.release();
    }

    @Override
    public void onFlush() {
    }

    @Override
    public void onPublish() {
    }

    @Override
    public void onUnpublish() {
    }
  }
}
