package io.cascade.cluster;

import static io.cascade.cluster.ClusterTestSupport.address;
import static io.cascade.cluster.ClusterTestSupport.await;
import static io.cascade.cluster.ClusterTestSupport.closeAll;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.map.IMap;
import com.hazelcast.partition.MigrationListener;
import com.hazelcast.partition.MigrationState;
import com.hazelcast.partition.Partition;
import com.hazelcast.partition.ReplicaMigrationEvent;
import io.cascade.cluster.StreamRegistry.Claim;
import io.cascade.cluster.StreamRegistry.ClaimOutcome;
import io.cascade.testing.Await;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The registry on real Hazelcast members in this JVM: two origins shared by the tests, plus
 * members started and stopped by the tests that need them. Keys are unique per test.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HazelcastStreamRegistryTest {
  /** Default cluster.memberTimeout (a killed member is noticed by its closed connections, sooner). */
  private static final Duration MEMBER_TIMEOUT = Duration.ofSeconds(8);
  private static final Duration RELEASE_MARGIN = Duration.ofSeconds(2);
  /** The bound for a killed origin's streams to be released. */
  private static final Duration KILLED_RELEASE_BOUND = Duration.ofSeconds(5);

  private static String cluster;
  private static ClusterNode originA;
  private static ClusterNode originB;

  @BeforeAll
  static void startOrigins() {
    cluster = ClusterTestSupport.uniqueClusterName();
    originA = ClusterTestSupport.start(cluster, "origin-a", ClusterNode.Role.ORIGIN, List.of());
    originB = ClusterTestSupport.start(cluster, "origin-b", ClusterNode.Role.ORIGIN, List.of(address(originA)));
    assertThat(originA.memberCount()).isEqualTo(2);
  }

  @AfterAll
  static void stopOrigins() {
    closeAll(List.of(originA, originB));
  }

  @Test
  void claimRejectUpdateRelease() {
    String key = uniqueKey();
    StreamRecord a = record(originA, key);
    StreamRecord b = record(originB, key);

    assertThat(await(originA.registry().claim(a))).isEqualTo(new Claim(ClaimOutcome.CLAIMED, a));
    Claim rejected = await(originB.registry().claim(b));
    assertThat(rejected.outcome()).isEqualTo(ClaimOutcome.REJECTED);
    assertThat(rejected.granted()).isFalse();
    assertThat(rejected.current()).isEqualTo(a);
    assertThat(await(originA.registry().claim(a)).outcome()).as("same session again").isEqualTo(ClaimOutcome.CLAIMED);

    StreamRecord withCodecs = a.withCodecs("h264", "aac");
    await(originA.registry().update(a, withCodecs));
    assertThat(await(originB.registry().lookup(key))).contains(withCodecs);
    await(originB.registry().update(b, b.withCodecs("hevc", "opus")));
    assertThat(await(originB.registry().lookup(key))).as("update of another session").contains(withCodecs);

    await(originB.registry().release(b));
    assertThat(await(originA.registry().lookup(key))).as("release of another session").contains(withCodecs);
    await(originA.registry().release(a));
    assertThat(await(originB.registry().lookup(key))).isEmpty();
    assertThat(await(originB.registry().claim(b)).outcome()).isEqualTo(ClaimOutcome.CLAIMED);
    assertThat(await(originA.registry().list())).contains(b);
    await(originB.registry().release(b));
  }

  @Test
  void deadOwnersRecordIsHiddenAndTakenOverWithAHigherEpoch() {
    String key = uniqueKey();
    long farFuture = System.currentTimeMillis() + Duration.ofDays(1).toMillis();
    StreamRecord orphan = new StreamRecord(key, "member-that-left", "origin-gone", "10.0.0.9", 1935, "s-old",
        farFuture, 1L, "h264", "aac");
    rawMap(originA).put(key, orphan.toJson().encode());

    assertThat(await(originB.registry().lookup(key))).isEmpty();
    assertThat(await(originB.registry().list())).noneMatch(r -> r.key().equals(key));
    assertThat(originB.registry().isOwnerAlive(orphan)).isFalse();

    StreamRecord b = record(originB, key);
    Claim claim = await(originB.registry().claim(b));
    assertThat(claim.outcome()).isEqualTo(ClaimOutcome.TAKEN_OVER);
    assertThat(claim.granted()).isTrue();
    assertThat(claim.current().sessionId()).isEqualTo(b.sessionId());
    assertThat(claim.current().epoch()).isEqualTo(farFuture + 1);
    assertThat(await(originA.registry().lookup(key))).contains(claim.current());
    assertThat(originA.registry().isOwnerAlive(claim.current())).isTrue();
    await(originB.registry().release(claim.current()));
  }

  @Test
  void takeoverEpochIsAtLeastNow() {
    String key = uniqueKey();
    StreamRecord orphan = new StreamRecord(key, "member-that-left", "origin-gone", "10.0.0.9", 1935, "s-old", 7L, 1L,
        "", "");
    rawMap(originA).put(key, orphan.toJson().encode());
    long before = System.currentTimeMillis();
    Claim claim = await(originA.registry().claim(record(originA, key).withEpoch(0)));
    assertThat(claim.outcome()).isEqualTo(ClaimOutcome.TAKEN_OVER);
    assertThat(claim.current().epoch()).isGreaterThanOrEqualTo(before);
    await(originA.registry().release(claim.current()));
  }

  @Test
  void unreadableValueCountsAsDeadAndIsTakenOver() {
    String key = uniqueKey();
    rawMap(originA).put(key, "not json");
    assertThat(await(originA.registry().lookup(key))).isEmpty();
    assertThat(await(originA.registry().claim(record(originA, key))).outcome()).isEqualTo(ClaimOutcome.TAKEN_OVER);
    rawMap(originA).remove(key);
  }

  @Test
  void concurrentClaimsOfOneKeyGrantExactlyOne() {
    String key = uniqueKey();
    List<StreamRecord> proposals = IntStream.range(0, 20)
        .mapToObj(i -> record(i % 2 == 0 ? originA : originB, key))
        .toList();
    List<Claim> claims = proposals.parallelStream()
        .map(p -> await((p.ownerMember().equals(originA.memberId()) ? originA : originB).registry().claim(p)))
        .toList();
    assertThat(claims).filteredOn(Claim::granted).hasSize(1);
    StreamRecord winner = claims.stream().filter(Claim::granted).findFirst().orElseThrow().current();
    assertThat(claims).filteredOn(c -> !c.granted()).allSatisfy(c -> assertThat(c.current()).isEqualTo(winner));
    await(originA.registry().release(winner));
  }

  @Test
  void watchDeliversChangesOfItsKeyOnlyOnTheWatchersContext() throws Exception {
    String key = uniqueKey();
    String otherKey = uniqueKey();
    BlockingQueue<Optional<StreamRecord>> seen = new LinkedBlockingQueue<>();
    List<String> wrongContext = new ArrayList<>();
    Context context = originB.vertx().getOrCreateContext();
    StreamRegistry.Watch watch = onContext(context, () -> originB.registry().watch(key, r -> {
      if (Vertx.currentContext() != context) {
        wrongContext.add(Thread.currentThread().getName());
      }
      seen.add(r);
    }));

    assertThat(seen.poll(10, TimeUnit.SECONDS)).as("current state after registration").isEmpty();

    StreamRecord a = record(originA, key);
    await(originA.registry().claim(a));
    assertThat(seen.poll(10, TimeUnit.SECONDS)).contains(a);

    StreamRecord other = record(originA, otherKey);
    await(originA.registry().claim(other));
    StreamRecord updated = a.withCodecs("h264", "aac");
    await(originA.registry().update(a, updated));
    assertThat(seen.poll(10, TimeUnit.SECONDS)).as("the update, not the other key's claim").contains(updated);

    await(originA.registry().release(updated));
    assertThat(seen.poll(10, TimeUnit.SECONDS)).isEmpty();

    // A takeover of a dead owner's record shows as the new record.
    StreamRecord orphan = new StreamRecord(key, "gone", "origin-gone", "10.0.0.9", 1935, "s-old", 1L, 1L, "", "");
    rawMap(originA).put(key, orphan.toJson().encode());
    assertThat(seen.poll(10, TimeUnit.SECONDS)).as("a dead owner's record reads as absent").isEmpty();
    Claim takeover = await(originA.registry().claim(record(originA, key)));
    assertThat(seen.poll(10, TimeUnit.SECONDS)).contains(takeover.current());

    watch.cancel();
    await(originA.registry().release(takeover.current()));
    await(originA.registry().release(other));
    laterChangeSeen(context, originB, key);
    assertThat(seen).as("nothing after cancel").isEmpty();
    assertThat(wrongContext).isEmpty();
  }

  @Test
  void watchStartsWithTheCurrentRecord() throws Exception {
    String key = uniqueKey();
    StreamRecord a = record(originA, key);
    await(originA.registry().claim(a));
    BlockingQueue<Optional<StreamRecord>> seen = new LinkedBlockingQueue<>();
    Context context = originB.vertx().getOrCreateContext();
    StreamRegistry.Watch watch = onContext(context, () -> originB.registry().watch(key, seen::add));
    assertThat(seen.poll(10, TimeUnit.SECONDS)).contains(a);
    watch.cancel();
    await(originA.registry().release(a));
    laterChangeSeen(context, originB, key);
    assertThat(seen).as("nothing after cancel").isEmpty();
  }

  @Test
  void watchCancelledBeforeRegistrationCompletesDeliversNothing() throws Exception {
    String key = uniqueKey();
    BlockingQueue<Optional<StreamRecord>> seen = new LinkedBlockingQueue<>();
    Context context = originA.vertx().getOrCreateContext();
    onContext(context, () -> {
      originA.registry().watch(key, seen::add).cancel();
      return null;
    });
    StreamRecord a = record(originA, key);
    await(originA.registry().claim(a));
    await(originA.registry().release(a));
    // The cancelled watch's registration may still be finishing on a worker; the cancel flag keeps
    // it silent whenever it lands, and the later change shows the claim's events have been handed out.
    laterChangeSeen(context, originA, key);
    assertThat(seen).as("neither the current record nor an event").isEmpty();
  }

  @Test
  void sizeCountsEntriesWithoutBlocking() {
    String key = uniqueKey();
    await(originA.registry().claim(record(originA, key)));
    int expected = rawMap(originA).size();
    Await.until(Duration.ofSeconds(10), "origin B counts the claimed entry",
        () -> originB.registry().size() == expected);
    await(originA.registry().release(record(originA, key)));
  }

  /**
   * A member that dies without leaving (terminate: no goodbye, sockets closed as by kill -9) has
   * its records removed by the survivors well within cluster.memberTimeout.
   */
  @Test
  void survivorsReleaseAKilledOriginsStreams() throws Exception {
    ClusterNode doomed = ClusterTestSupport.start(cluster, "origin-c", ClusterNode.Role.ORIGIN,
        List.of(address(originA)));
    List<String> keys = List.of(uniqueKey(), uniqueKey(), uniqueKey());
    for (String key : keys) {
      assertThat(await(doomed.registry().claim(record(doomed, key))).outcome()).isEqualTo(ClaimOutcome.CLAIMED);
    }
    BlockingQueue<Optional<StreamRecord>> seen = new LinkedBlockingQueue<>();
    StreamRegistry.Watch watch = onContext(originB.vertx().getOrCreateContext(),
        () -> originB.registry().watch(keys.get(0), seen::add));
    assertThat(seen.poll(10, TimeUnit.SECONDS)).isPresent();

    // Backups in place, so the records can only disappear through the survivors' cleanup.
    Await.until(Duration.ofSeconds(20), "backups in place (cluster safe)",
        () -> originA.hazelcast().getPartitionService().isClusterSafe());
    long killedAt = System.nanoTime();
    doomed.hazelcast().getLifecycleService().terminate();
    long removedMillis = Await.until(MEMBER_TIMEOUT.plusSeconds(10), "the killed origin removed from the members",
        () -> originA.memberCount() == 2);
    Await.until(MEMBER_TIMEOUT.plus(RELEASE_MARGIN).plusSeconds(10), "the killed origin's records released",
        () -> keys.stream().noneMatch(rawMap(originA)::containsKey));
    Duration released = Duration.ofNanos(System.nanoTime() - killedAt);
    assertThat(seen.poll(5, TimeUnit.SECONDS)).isEmpty();
    watch.cancel();
    ClusterTestSupport.closeQuietly(doomed);
    System.out.printf("killed origin (not master): member removed after %d ms, streams released after %d ms%n",
        removedMillis, released.toMillis());
    assertThat(released).isLessThan(KILLED_RELEASE_BOUND);
    assertThat(originA.memberCount()).isEqualTo(2);
  }

  /** The oldest member (Hazelcast's master) dying takes a mastership hand-over first; still within the bound. */
  @Test
  void survivorsReleaseAKilledMastersStreams() {
    String ownCluster = ClusterTestSupport.uniqueClusterName();
    ClusterNode master = ClusterTestSupport.start(ownCluster, "origin-m", ClusterNode.Role.ORIGIN, List.of());
    ClusterNode survivor = null;
    try {
      survivor = ClusterTestSupport.start(ownCluster, "origin-s", ClusterNode.Role.ORIGIN, List.of(address(master)));
      String key = uniqueKey();
      await(master.registry().claim(record(master, key)));
      IMap<String, String> map = rawMap(survivor);
      assertThat(map.containsKey(key)).isTrue();
      ClusterNode s0 = survivor;
      Await.until(Duration.ofSeconds(20), "backups in place (cluster safe)",
          () -> s0.hazelcast().getPartitionService().isClusterSafe());

      long killedAt = System.nanoTime();
      master.hazelcast().getLifecycleService().terminate();
      long removedMillis = Await.until(MEMBER_TIMEOUT.plusSeconds(10), "the killed master removed from the members",
          () -> s0.memberCount() == 1);
      Await.until(MEMBER_TIMEOUT.plus(RELEASE_MARGIN).plusSeconds(10), "the killed master's record released",
          () -> !map.containsKey(key));
      Duration released = Duration.ofNanos(System.nanoTime() - killedAt);
      ClusterTestSupport.closeQuietly(master);
      System.out.printf("killed master origin: member removed after %d ms, streams released after %d ms%n",
          removedMillis, released.toMillis());
      assertThat(released).isLessThan(KILLED_RELEASE_BOUND);
      assertThat(survivor.memberCount()).isEqualTo(1);
    } finally {
      closeAll(survivor == null ? List.of() : List.of(survivor));
    }
  }

  /**
   * Edges are lite members: they read and watch the registry but own no partitions, so three edges
   * joining and leaving (one of them killed) move no data and lose no entry.
   */
  @Test
  void edgesAreLiteMembersAndComingAndGoingKeepsEveryEntry() throws Exception {
    Map<String, String> before = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      ClusterNode owner = i % 2 == 0 ? originA : originB;
      StreamRecord r = record(owner, uniqueKey());
      await(owner.registry().claim(r));
      before.put(r.key(), r.toJson().encode());
    }
    // The origins are shared by this class's tests: one that restarted a member may leave a
    // rebalancing behind. Only migrations that start once both are safe count as the edges' doing.
    Await.until(Duration.ofSeconds(20), "both origins cluster safe before the edges come",
        () -> originA.hazelcast().getPartitionService().isClusterSafe()
            && originB.hazelcast().getPartitionService().isClusterSafe());
    AtomicInteger migrations = new AtomicInteger();
    UUID migrationListener = originA.hazelcast().getPartitionService().addMigrationListener(new MigrationListener() {
      @Override
      public void migrationStarted(MigrationState state) {
        migrations.incrementAndGet();
      }

      @Override
      public void migrationFinished(MigrationState state) {
      }

      @Override
      public void replicaMigrationCompleted(ReplicaMigrationEvent event) {
      }

      @Override
      public void replicaMigrationFailed(ReplicaMigrationEvent event) {
      }
    });

    List<Future<ClusterNode>> starting = List.of("edge-1", "edge-2", "edge-3").stream()
        .map(id -> ClusterTestSupport.startAsync(cluster, id, ClusterNode.Role.EDGE, List.of(address(originA))))
        .toList();
    List<ClusterNode> edges = new ArrayList<>();
    try {
      for (Future<ClusterNode> f : starting) {
        edges.add(await(f));
      }
      Await.until(Duration.ofSeconds(20), "three edges joined", () -> originA.memberCount() == 5);
      for (ClusterNode edge : edges) {
        assertThat(edge.hazelcast().getCluster().getLocalMember().isLiteMember()).isTrue();
        for (Partition p : edge.hazelcast().getPartitionService().getPartitions()) {
          assertThat(p.getOwner()).isNotEqualTo(edge.hazelcast().getCluster().getLocalMember());
        }
        assertThat(rawMap(edge).getLocalMapStats().getOwnedEntryCount()).isZero();
        String someKey = before.keySet().iterator().next();
        assertThat(await(edge.registry().lookup(someKey))).isPresent();
        assertThat(await(edge.registry().list())).extracting(StreamRecord::key).containsAll(before.keySet());
      }

      ClusterTestSupport.kill(edges.get(0));
      await(edges.get(1).close());
      await(edges.get(2).close());
      Await.until(Duration.ofSeconds(20), "the edges gone from the members", () -> originA.memberCount() == 2);
      // Safe: every partition's replicas in place and no migration running, so a migration the
      // edges' departure caused would have started (and been counted) by now.
      Await.until(Duration.ofSeconds(20), "both origins cluster safe",
          () -> originA.hazelcast().getPartitionService().isClusterSafe()
              && originB.hazelcast().getPartitionService().isClusterSafe());

      IMap<String, String> map = rawMap(originB);
      for (Map.Entry<String, String> e : before.entrySet()) {
        assertThat(map.get(e.getKey())).as(e.getKey()).isEqualTo(e.getValue());
      }
      assertThat(migrations.get()).as("partition migrations while edges came and went").isZero();
    } finally {
      closeAll(edges);
      originA.hazelcast().getPartitionService().removeMigrationListener(migrationListener);
      before.keySet().forEach(rawMap(originA)::remove);
    }
  }

  private static final AtomicInteger KEYS = new AtomicInteger();

  private static String uniqueKey() {
    return "live/s" + KEYS.incrementAndGet() + "-" + UUID.randomUUID().toString().substring(0, 6);
  }

  private static StreamRecord record(ClusterNode owner, String key) {
    long now = System.currentTimeMillis();
    return new StreamRecord(key, owner.memberId(), owner.hazelcast().getCluster().getLocalMember()
        .getAttribute(HazelcastConfigFactory.NODE_ID_ATTRIBUTE), owner.advertisedHost(), 1935,
        UUID.randomUUID().toString(), now, now, "", "");
  }

  private static IMap<String, String> rawMap(ClusterNode node) {
    return node.hazelcast().getMap(HazelcastStreamRegistry.MAP_NAME);
  }

  /**
   * The event that makes a cancelled watch's silence mean something: a fresh watch of {@code key}
   * on {@code node}, on the same context, sees a claim made after every change so far. Events of
   * one key reach a member in order (one connection, one event stripe per key) and a context runs
   * its tasks in order, so whatever the cancelled watch would have been handed came before this.
   */
  private static void laterChangeSeen(Context context, ClusterNode node, String key) throws InterruptedException {
    BlockingQueue<Optional<StreamRecord>> later = new LinkedBlockingQueue<>();
    StreamRegistry.Watch sentinel = onContext(context, () -> node.registry().watch(key, later::add));
    assertThat(later.poll(10, TimeUnit.SECONDS)).as("the sentinel watch's current state").isEmpty();
    StreamRecord marker = record(originA, key);
    await(originA.registry().claim(marker));
    assertThat(later.poll(10, TimeUnit.SECONDS)).as("the later change").contains(marker);
    sentinel.cancel();
    await(originA.registry().release(marker));
  }

  private static <T> T onContext(Context context, java.util.concurrent.Callable<T> task) {
    Promise<T> promise = Promise.promise();
    context.runOnContext(v -> {
      try {
        promise.complete(task.call());
      } catch (Exception e) {
        promise.fail(e);
      }
    });
    return await(promise.future());
  }
}
