package io.cascade.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.cluster.ParentDirectory;
import io.cascade.cluster.StreamRecord;
import io.cascade.config.ConfigLoader;
import io.cascade.live.LiveSettings;
import io.cascade.live.LiveStream;
import io.cascade.live.StreamManager;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.Future;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The ingest's state machine in virtual time, against fake upstreams and an in-memory registry:
 * one pull per stream however many players join, waiting for an owner, retry with backoff after a
 * loss and on to the new owner, idle teardown on time, stop while connecting, and an owner the
 * registry says is gone. Nothing here sleeps or opens a socket.
 */
class EdgeIngestTest {
  private static final String KEY = "live/one";
  private static final Duration GRACE = Duration.ofMillis(800);
  private static final Duration REPUBLISH_WAIT = Duration.ofSeconds(5);
  private static final LiveSettings LIVE =
      LiveSettings.from(ConfigLoader.load((Path) null, Map.of(), Map.of()).config());

  private final VirtualScheduler time = new VirtualScheduler();
  private final FakeUpstreams upstreams = new FakeUpstreams(time);
  private final FakeRegistry registry = new FakeRegistry();
  private final EdgeStats stats = new EdgeStats();
  private final EdgeIngests ingests = new EdgeIngests(registry, ParentDirectory.NONE, settings(), stats,
      demand -> new StreamManager(LIVE, UnpooledByteBufAllocator.DEFAULT, demand),
      () -> new EdgeIngests.Wiring(time, upstreams));
  private final StreamManager streams = ingests.streams();

  @Test
  void manyJoinsMakeOneIngestOnePullAndOneWatch() throws Exception {
    registry.put(record("a", "s1", 1));
    List<TestSubscriber> players = new ArrayList<>();
    List<LiveStream> joined = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < 1000; i++) {
      players.add(new TestSubscriber());
    }
    // Joins race on 16 threads, as players arrive on many connections' loops.
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        int from = t;
        done.add(pool.submit(() -> {
          go.await();
          for (int i = from; i < players.size(); i += 16) {
            joined.add(streams.subscribe(KEY, players.get(i)));
          }
          return null;
        }));
      }
      go.countDown();
      for (java.util.concurrent.Future<?> f : done) {
        f.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    time.runPending();
    assertThat(joined).hasSize(1000).doesNotContainNull();
    assertThat(joined.stream().distinct().count()).isEqualTo(1);
    assertThat(upstreams.opened).hasSize(1);
    upstreams.last().plays();

    // Players coming and going while it flows change nothing upstream.
    for (int i = 0; i < 500; i++) {
      streams.unsubscribe(joined.get(0), players.get(i));
    }
    time.advance(Duration.ofSeconds(30));
    for (int i = 0; i < 500; i++) {
      streams.subscribe(KEY, players.get(i));
    }
    time.advance(Duration.ofSeconds(30));
    assertThat(upstreams.opened).hasSize(1);
    assertThat(stats.ingestsCreated()).isEqualTo(1);
    assertThat(stats.pullsStarted()).isEqualTo(1);
    assertThat(stats.pullsActive()).isEqualTo(1);
    assertThat(registry.watchers(KEY)).isEqualTo(1);
    assertThat(registry.lookupTimes(KEY)).hasSize(1);
    assertThat(state()).isEqualTo(EdgeIngest.State.FLOWING);
    assertThat(players.get(999).drain().publishes).isEqualTo(1);
    assertThat(upstreams.last().fed).isSameAs(joined.get(0));
    assertThat(upstreams.last().publisher).isSameAs(ingests.ingest(KEY));
  }

  @Test
  void playersWaitForAnUnclaimedKeyWithoutPollingAndStartWhenTheRecordAppears() {
    List<TestSubscriber> players = List.of(new TestSubscriber(), new TestSubscriber(), new TestSubscriber());
    players.forEach(p -> streams.subscribe(KEY, p));
    time.advance(Duration.ofMinutes(10));
    assertThat(state()).isEqualTo(EdgeIngest.State.WAITING);
    // Driven by the watch, not by polling: one lookup when the first player came.
    assertThat(registry.lookupTimes(KEY)).hasSize(1);
    assertThat(upstreams.opened).isEmpty();

    registry.put(record("a", "s1", 1));
    time.runPending();
    assertThat(upstreams.opened).hasSize(1);
    assertThat(upstreams.last().record.sessionId()).isEqualTo("s1");
    assertThat(upstreams.last().key).isEqualTo(KEY);
    upstreams.last().plays();
    for (TestSubscriber p : players) {
      assertThat(p.drain().publishes).isEqualTo(1);
    }
    assertThat(streams.get(KEY).isPublishedBy(ingests.ingest(KEY))).isTrue();
  }

  @Test
  void lostUpstreamIsRetriedWithBackoffThenFollowsTheNewOwnerWithoutPlayersNoticing() {
    registry.put(record("a", "sa", 1));
    TestSubscriber player = new TestSubscriber();
    streams.subscribe(KEY, player);
    time.runPending();
    upstreams.last().plays();
    Duration lostAt = time.elapsed();

    // Origin A dies: the socket closes, the registry still shows A, reconnects are refused.
    upstreams.last().lost("closed", false);
    assertThat(upstreams.opened).as("a delivering upstream is looked for again at once").hasSize(2);
    List<Duration> gaps = new ArrayList<>();
    for (int failure = 1; failure <= 5; failure++) {
      Duration failedAt = time.elapsed();
      int before = upstreams.opened.size();
      upstreams.last().fails("Connection refused");
      assertThat(state()).isEqualTo(EdgeIngest.State.BACKOFF);
      while (upstreams.opened.size() == before) {
        time.advance(Duration.ofMillis(1));
      }
      gaps.add(time.elapsed().minus(failedAt));
    }
    for (int i = 0; i < gaps.size(); i++) {
      long base = Math.min(50L << i, 400);
      assertThat(gaps.get(i).toMillis()).as("delay %d of %s", i, gaps).isBetween(base / 2, base);
    }
    upstreams.last().fails("Connection refused");
    assertThat(player.drain().unpublishes).isZero();

    // The publisher is back on B: the watch cuts the backoff short.
    registry.markDead("m-a");
    registry.put(record("b", "sb", 2));
    time.runPending();
    FakeUpstreams.Fake b = upstreams.last();
    assertThat(b.record.sessionId()).isEqualTo("sb");
    time.advance(Duration.ofMillis(7));
    b.plays();

    assertThat(player.drain().unpublishes).isZero();
    assertThat(player.publishes).as("publish, then the restarted session's").isEqualTo(2);
    assertThat(streams.get(KEY).isPublishedBy(ingests.ingest(KEY))).isTrue();
    assertThat(stats.upstreamsLost()).isEqualTo(1);
    assertThat(stats.reconnects()).isEqualTo(1);
    assertThat(stats.failoverMillisLast()).isEqualTo(time.elapsed().minus(lostAt).toMillis());
    assertThat(stats.pullsFailed()).isEqualTo(6);
    assertThat(stats.pullsStarted()).isEqualTo(8);
    assertThat(stats.pullsActive()).isEqualTo(1);
  }

  @Test
  void anUpstreamThatPlaysAndDropsAtOnceIsRetriedWithBackoffNotInATightLoop() {
    registry.put(record("a", "s1", 1));
    streams.subscribe(KEY, new TestSubscriber());
    time.runPending();
    for (int i = 0; i < 200 && time.elapsed().compareTo(Duration.ofSeconds(2)) < 0; ) {
      if (upstreams.opened.size() > i) {
        upstreams.opened.get(i++).playsWithoutMedia();
        upstreams.last().lost("closed", false);
      }
      time.advance(Duration.ofMillis(1));
    }
    // Backoff 50..400 ms: about ten attempts in two seconds, not thousands.
    assertThat(upstreams.opened.size()).isBetween(5, 16);
    assertThat(upstreams.open()).isLessThanOrEqualTo(1);
    assertThat(stats.reconnects()).isZero();
  }

  @Test
  void idleUpstreamClosesExactlyAfterTheGraceAndAReturningPlayerKeepsIt() {
    registry.put(record("a", "s1", 1));
    TestSubscriber first = new TestSubscriber();
    LiveStream s = streams.subscribe(KEY, first);
    time.runPending();
    upstreams.last().plays();

    streams.unsubscribe(s, first);
    time.advance(GRACE.minusMillis(1));
    TestSubscriber second = new TestSubscriber();
    s = streams.subscribe(KEY, second);
    time.advance(GRACE.multipliedBy(3));
    assertThat(upstreams.open()).isEqualTo(1);
    assertThat(stats.pullsStarted()).isEqualTo(1);

    streams.unsubscribe(s, second);
    time.advance(GRACE.minusMillis(1));
    assertThat(upstreams.open()).isEqualTo(1);
    time.advance(Duration.ofMillis(1));
    assertThat(upstreams.open()).isZero();
    assertThat(ingests.size()).isZero();
    assertThat(stats.idleCloses()).isEqualTo(1);
    assertThat(stats.pullsActive()).isZero();
    assertThat(stats.ingestsActive()).isZero();
    assertThat(streams.size()).isZero();
    assertThat(registry.watchers(KEY)).isZero();

    // Demand again after the teardown: a fresh ingest and upstream.
    streams.subscribe(KEY, new TestSubscriber());
    time.runPending();
    assertThat(stats.ingestsCreated()).isEqualTo(2);
    assertThat(upstreams.opened).hasSize(2);
  }

  @Test
  void stopWhileConnectingWaitsForTheCloseAndAPlayerArrivingMeanwhileGetsANewPull() {
    upstreams.closeByHand();
    registry.put(record("a", "s1", 1));
    TestSubscriber player = new TestSubscriber();
    LiveStream s = streams.subscribe(KEY, player);
    time.runPending();
    FakeUpstreams.Fake connecting = upstreams.last();
    assertThat(state()).isEqualTo(EdgeIngest.State.CONNECTING);

    streams.unsubscribe(s, player);
    time.advance(GRACE);
    assertThat(connecting.closeRequested).isTrue();
    assertThat(state()).isEqualTo(EdgeIngest.State.STOPPING);
    // A late Play.Start of the closed upstream is ignored.
    connecting.plays();
    assertThat(streams.get(KEY)).isNull();

    streams.subscribe(KEY, player);
    time.advance(Duration.ofSeconds(10));
    assertThat(upstreams.opened).as("never two upstreams at once").hasSize(1);
    connecting.finishClosing();
    assertThat(upstreams.opened).hasSize(2);
    assertThat(stats.ingestsCreated()).isEqualTo(1);
    upstreams.last().plays();
    assertThat(player.drain().publishes).isEqualTo(1);

    Future<Void> closed = ingests.close();
    time.runPending();
    assertThat(closed.isComplete()).isFalse();
    upstreams.last().finishClosing();
    assertThat(closed.succeeded()).isTrue();
    assertThat(ingests.size()).isZero();
    assertThat(player.drain().unpublishes).isEqualTo(1);
  }

  @Test
  void ownerTheRegistryDropsKeepsPlayersUntilTheRepublishWaitThenTheNextOwnerResumesThem() {
    registry.put(record("a", "sa", 1));
    TestSubscriber player = new TestSubscriber();
    streams.subscribe(KEY, player);
    time.runPending();
    upstreams.last().plays();

    registry.remove(KEY);
    time.runPending();
    assertThat(state()).isEqualTo(EdgeIngest.State.WAITING);
    assertThat(upstreams.open()).isZero();
    time.advance(REPUBLISH_WAIT.minusMillis(1));
    assertThat(player.drain().unpublishes).isZero();
    time.advance(Duration.ofMillis(1));
    assertThat(player.drain().unpublishes).isEqualTo(1);
    assertThat(stats.unpublishedNoUpstream()).isEqualTo(1);

    registry.put(record("b", "sb", 2));
    time.runPending();
    upstreams.last().plays();
    assertThat(player.drain().publishes).isEqualTo(2);
    assertThat(stats.reconnects()).isEqualTo(1);
  }

  @Test
  void anEndedSessionThatTheRegistryStillShowsIsWaitedOutNotReconnected() {
    StreamRecord s1 = record("a", "s1", 1);
    registry.put(s1);
    TestSubscriber player = new TestSubscriber();
    streams.subscribe(KEY, player);
    time.runPending();
    upstreams.last().plays();

    // The origin says UnpublishNotify before its registry release lands.
    upstreams.last().lost("unpublished", true);
    time.advance(Duration.ofSeconds(2));
    assertThat(state()).isEqualTo(EdgeIngest.State.WAITING);
    assertThat(upstreams.opened).hasSize(1);
    registry.release(s1);
    time.runPending();
    assertThat(upstreams.opened).hasSize(1);

    registry.put(record("a", "s2", 1));
    time.runPending();
    upstreams.last().plays();
    assertThat(upstreams.opened).hasSize(2);
    assertThat(player.drain().unpublishes).isZero();
    assertThat(stats.reconnects()).isEqualTo(1);
  }

  @Test
  void aMovedPublisherSwitchesTheUpstreamAfterTheOldOneClosedAndAnOutrankedClaimIsIgnored() {
    upstreams.closeByHand();
    registry.put(record("a", "sa", 5));
    streams.subscribe(KEY, new TestSubscriber());
    time.runPending();
    FakeUpstreams.Fake a = upstreams.last();
    a.plays();

    // A lower-ranked claim from a healing split brain: stay with A.
    registry.put(record("x", "sx", 4));
    time.runPending();
    assertThat(upstreams.opened).hasSize(1);
    assertThat(a.closeRequested).isFalse();

    registry.put(record("b", "sb", 6));
    time.runPending();
    assertThat(a.closeRequested).isTrue();
    assertThat(upstreams.opened).hasSize(1);
    a.finishClosing();
    assertThat(upstreams.opened).hasSize(2);
    assertThat(upstreams.last().record.sessionId()).isEqualTo("sb");
  }

  @Test
  void anUnusableRelayAddressIsAFailedPullRetriedWithBackoff() {
    registry.put(new StreamRecord(KEY, "m-a", "node-a", "127.0.0.1", 0, "s1", 1, 0, "", ""));
    streams.subscribe(KEY, new TestSubscriber());
    time.runPending();
    assertThat(state()).isEqualTo(EdgeIngest.State.BACKOFF);
    assertThat(stats.pullsFailed()).isEqualTo(1);
    assertThat(stats.pullsStarted()).isZero();
    time.advance(Duration.ofMillis(50));
    assertThat(stats.pullsFailed()).isEqualTo(2);
  }

  private EdgeIngest.State state() {
    return ingests.ingest(KEY).state();
  }

  private static StreamRecord record(String member, String session, long epoch) {
    return new StreamRecord(KEY, "m-" + member, "node-" + member, "origin-" + member, 1935, session, epoch, 0, "", "");
  }

  private static EdgeSettings settings() {
    return new EdgeSettings(GRACE, Duration.ofMillis(50), Duration.ofMillis(400), Duration.ofSeconds(2),
        Duration.ofSeconds(3), REPUBLISH_WAIT, Duration.ofSeconds(60), "secret");
  }
}
