package io.cascade.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.cluster.ParentEdge;
import io.cascade.cluster.StreamRecord;
import io.cascade.config.ConfigLoader;
import io.cascade.config.EdgeTier;
import io.cascade.live.LiveSettings;
import io.cascade.live.StreamManager;
import io.netty.buffer.UnpooledByteBufAllocator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The choice of upstream on tiered edges, in virtual time against fake parents, upstreams and
 * registry: a leaf pulls through the parent its key hashes to (the origin when none is alive),
 * moves to the key's next parent within the jitter bound when its parent leaves or drops the pull,
 * keeps its players and their session through the move, and leaves a flowing stream where it is
 * when a parent joins; a parent edge always pulls from the origin.
 */
class TieredIngestTest {
  private static final String KEY = "live/one";
  private static final Duration JITTER = Duration.ofMillis(300);
  private static final LiveSettings LIVE =
      LiveSettings.from(ConfigLoader.load((Path) null, Map.of(), Map.of()).config());

  private final VirtualScheduler time = new VirtualScheduler();
  private final FakeUpstreams upstreams = new FakeUpstreams(time);
  private final FakeRegistry registry = new FakeRegistry();
  private final FakeParents parents = new FakeParents();
  private final EdgeStats stats = new EdgeStats();

  @Test
  void aLeafWithoutParentsPullsFromTheOrigin() {
    StreamManager streams = edge(EdgeTier.LEAF).streams();
    registry.put(record("sa"));
    streams.subscribe(KEY, new TestSubscriber());
    time.runPending();
    upstreams.last().plays();
    assertThat(upstreams.last().record.relayHost()).isEqualTo("origin-a");
    assertThat(stats.playingFromOrigin()).isEqualTo(1);
    assertThat(stats.playingFromParent()).isZero();
  }

  @Test
  void aLeafPullsThroughTheParentItsKeyHashesTo() {
    StreamManager streams = edge(EdgeTier.LEAF).streams();
    List<ParentEdge> all = List.of(parents.join("p1"), parents.join("p2"), parents.join("p3"));
    registry.put(record("sa"));
    streams.subscribe(KEY, new TestSubscriber());
    time.runPending();
    upstreams.last().plays();

    ParentEdge first = RendezvousHash.rank(KEY, all, ParentEdge::member).get(0);
    StreamRecord dialled = upstreams.last().record;
    assertThat(dialled.relayHost()).isEqualTo(first.host());
    assertThat(dialled.sessionId()).as("the owner's session, re-addressed").isEqualTo("sa");
    assertThat(stats.playingFromParent()).isEqualTo(1);
    assertThat(stats.playingFromOrigin()).isZero();
  }

  @Test
  void whenItsParentLeavesTheLeafMovesToTheNextParentWithinTheJitterKeepingItsPlayers() {
    EdgeIngests ingests = edge(EdgeTier.LEAF);
    List<ParentEdge> all = List.of(parents.join("p1"), parents.join("p2"), parents.join("p3"));
    List<ParentEdge> ranked = RendezvousHash.rank(KEY, all, ParentEdge::member);
    registry.put(record("sa"));
    TestSubscriber player = new TestSubscriber();
    ingests.streams().subscribe(KEY, player);
    time.runPending();
    FakeUpstreams.Fake viaFirst = upstreams.last();
    viaFirst.plays();
    Duration left = time.elapsed();

    parents.leave(ranked.get(0));
    time.runPending();
    assertThat(viaFirst.closeRequested).isTrue();
    assertThat(ingests.ingest(KEY).state()).isEqualTo(EdgeIngest.State.BACKOFF);
    while (upstreams.opened.size() == 1 && time.elapsed().minus(left).compareTo(JITTER) <= 0) {
      time.advance(Duration.ofMillis(1));
    }
    assertThat(upstreams.opened).as("a new pull within the jitter bound").hasSize(2);
    assertThat(time.elapsed().minus(left)).isLessThanOrEqualTo(JITTER);
    FakeUpstreams.Fake viaSecond = upstreams.last();
    assertThat(viaSecond.record.relayHost()).as("the key's next parent").isEqualTo(ranked.get(1).host());
    viaSecond.plays();

    assertThat(player.drain().unpublishes).isZero();
    assertThat(player.publishes).as("publish, then the restarted session's").isEqualTo(2);
    assertThat(stats.rehomes()).isEqualTo(1);
    assertThat(stats.reconnects()).isEqualTo(1);
    assertThat(stats.playingFromParent()).isEqualTo(1);
    assertThat(stats.pullsActive()).isEqualTo(1);
  }

  @Test
  void aParentThatDropsThePullIsPassedOverBeforeTheClusterNoticesItLeft() {
    EdgeIngests ingests = edge(EdgeTier.LEAF);
    List<ParentEdge> all = List.of(parents.join("p1"), parents.join("p2"));
    List<ParentEdge> ranked = RendezvousHash.rank(KEY, all, ParentEdge::member);
    registry.put(record("sa"));
    TestSubscriber player = new TestSubscriber();
    ingests.streams().subscribe(KEY, player);
    time.runPending();
    upstreams.last().plays();

    // Killed: its socket closes, yet the directory still lists it.
    upstreams.last().lost("closed", false);
    time.advance(JITTER);
    assertThat(upstreams.opened).hasSize(2);
    assertThat(upstreams.last().record.relayHost()).isEqualTo(ranked.get(1).host());
    upstreams.last().plays();
    assertThat(stats.rehomes()).isEqualTo(1);
    assertThat(player.drain().unpublishes).isZero();

    // The other one refuses too: with every parent passed over, the origin serves.
    upstreams.last().lost("closed", false);
    time.advance(JITTER);
    upstreams.last().fails("Connection refused");
    time.advance(JITTER);
    assertThat(upstreams.last().record.relayHost()).isEqualTo("origin-a");
  }

  @Test
  void aJoiningParentLeavesAFlowingStreamWhereItIsAndTakesOnlyNewPulls() {
    EdgeIngests ingests = edge(EdgeTier.LEAF);
    registry.put(record("sa"));
    ingests.streams().subscribe(KEY, new TestSubscriber());
    time.runPending();
    upstreams.last().plays();
    assertThat(upstreams.last().record.relayHost()).isEqualTo("origin-a");

    parents.join("p1");
    time.advance(Duration.ofSeconds(5));
    assertThat(upstreams.opened).as("no re-pull for a join").hasSize(1);
    assertThat(upstreams.last().closeRequested).isFalse();

    // Once it is lost, the next pull goes by the hash.
    upstreams.last().lost("closed", false);
    time.runPending();
    assertThat(upstreams.last().record.relayHost()).isEqualTo("p1");
    assertThat(stats.rehomes()).as("an origin's loss is no re-home").isZero();
  }

  @Test
  void aNewOwnerDoesNotMoveAPullThroughAParent() {
    EdgeIngests ingests = edge(EdgeTier.LEAF);
    parents.join("p1");
    registry.put(record("sa"));
    ingests.streams().subscribe(KEY, new TestSubscriber());
    time.runPending();
    upstreams.last().plays();

    registry.markDead("m-a");
    registry.put(new StreamRecord(KEY, "m-b", "node-b", "origin-b", 1935, "sb", 2, 0, "", ""));
    time.advance(Duration.ofSeconds(1));
    assertThat(upstreams.opened).as("the parent follows the owner itself").hasSize(1);
    assertThat(upstreams.last().closeRequested).isFalse();
  }

  @Test
  void aParentEdgeAlwaysPullsFromTheOrigin() {
    EdgeIngests ingests = edge(EdgeTier.PARENT);
    ParentEdge other = parents.join("p1");
    registry.put(record("sa"));
    ingests.streams().subscribe(KEY, new TestSubscriber());
    time.runPending();
    upstreams.last().plays();
    assertThat(upstreams.last().record.relayHost()).isEqualTo("origin-a");
    parents.leave(other);
    time.advance(Duration.ofSeconds(1));
    assertThat(upstreams.opened).hasSize(1);
    assertThat(stats.playingFromOrigin()).isEqualTo(1);
  }

  private EdgeIngests edge(EdgeTier tier) {
    EdgeSettings settings = new EdgeSettings(Duration.ofSeconds(1), Duration.ofMillis(50), Duration.ofMillis(400),
        Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(60), "secret")
        .withTier(tier, JITTER);
    return new EdgeIngests(registry, parents, settings, stats,
        demand -> new StreamManager(LIVE, UnpooledByteBufAllocator.DEFAULT, demand),
        () -> new EdgeIngests.Wiring(time, upstreams));
  }

  private static StreamRecord record(String session) {
    return new StreamRecord(KEY, "m-a", "node-a", "origin-a", 1935, session, 1, 0, "", "");
  }
}
