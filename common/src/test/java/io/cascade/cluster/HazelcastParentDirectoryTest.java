package io.cascade.cluster;

import static io.cascade.cluster.ClusterTestSupport.address;
import static io.cascade.cluster.ClusterTestSupport.await;
import static io.cascade.cluster.ClusterTestSupport.closeAll;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.cluster.Member;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.instance.impl.Node;
import io.cascade.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Parent edges in the cluster's directory, on real Hazelcast members in one JVM: an announcement
 * reaches a leaf (with a change event), a withdrawal takes it back, and a parent that dies without
 * a goodbye drops out of every member's list and out of the map. A leaf or a parent that is split
 * off and merges back ends with the directory it had.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HazelcastParentDirectoryTest {

  /** An origin, two parent edges (not announced yet, their entries {@code a} and {@code b}) and a leaf. */
  private record Tree(ClusterNode origin, ClusterNode parentA, ClusterNode parentB, ClusterNode leaf, ParentEdge a,
      ParentEdge b) {
    /** Starts the four members of {@code cluster}, each added to {@code nodes} as soon as it runs. */
    static Tree start(String cluster, List<ClusterNode> nodes) {
      ClusterNode origin = ClusterTestSupport.start(cluster, "origin", ClusterNode.Role.ORIGIN, List.of());
      nodes.add(origin);
      List<ClusterNode> edges = new ArrayList<>();
      for (String name : List.of("parent-a", "parent-b", "leaf")) {
        ClusterNode edge = ClusterTestSupport.start(cluster, name, ClusterNode.Role.EDGE, List.of(address(origin)));
        nodes.add(edge);
        edges.add(edge);
      }
      return new Tree(origin, edges.get(0), edges.get(1), edges.get(2),
          new ParentEdge(edges.get(0).memberId(), "parent-a", "127.0.0.1", 19350),
          new ParentEdge(edges.get(1).memberId(), "parent-b", "127.0.0.1", 19351));
    }
  }

  /**
   * The split and the merge are Hazelcast's own (see {@link #splitOff}); merging, the member
   * resets, takes a new UUID and joins again.
   * Found in TieredEdgeIT: the leaf heard the parents leave, not come back (their entries had not
   * changed), and listed none until a parent's entry changed.
   */
  @Test
  void aLeafOrAParentThatMergesBackKeepsTheDirectory() {
    String cluster = ClusterTestSupport.uniqueClusterName();
    List<ClusterNode> nodes = new ArrayList<>();
    try {
      Tree tree = Tree.start(cluster, nodes);
      ClusterNode origin = tree.origin();
      ClusterNode parentA = tree.parentA();
      ClusterNode parentB = tree.parentB();
      ClusterNode leaf = tree.leaf();
      ParentEdge a = tree.a();
      ParentEdge b = tree.b();
      await(parentA.parents().announce(a));
      await(parentB.parents().announce(b));
      Await.until(Duration.ofSeconds(10), "the leaf lists both parents",
          () -> leaf.parents().parents().size() == 2, () -> leaf.parents().parents().toString());
      AtomicInteger fewest = new AtomicInteger(2);
      leaf.parents().onChange(() -> fewest.accumulateAndGet(leaf.parents().parents().size(), Math::min));

      UUID leafBefore = leaf.hazelcast().getCluster().getLocalMember().getUuid();
      splitOff(leaf);
      Await.until(Duration.ofSeconds(60), "the leaf merged back under a new UUID", () ->
          !leaf.hazelcast().getCluster().getLocalMember().getUuid().equals(leafBefore)
              && origin.hazelcast().getCluster().getMembers().size() == 4);
      Await.until(Duration.ofSeconds(30), "the leaf lists both parents again",
          () -> leaf.parents().parents().size() == 2, () -> leaf.parents().parents().toString());
      assertThat(leaf.parents().parents()).containsExactlyInAnyOrder(a, b);
      assertThat(fewest.get()).as("the leaf lost the parents while it was split off").isZero();
      // Its entry listener outlived the merge: a withdrawal still reaches it.
      await(parentB.parents().withdraw());
      Await.until(Duration.ofSeconds(10), "the leaf forgets the withdrawn parent",
          () -> leaf.parents().parents().equals(List.of(a)), () -> leaf.parents().parents().toString());

      UUID parentBefore = parentA.hazelcast().getCluster().getLocalMember().getUuid();
      fewest.set(1);
      splitOff(parentA);
      Await.until(Duration.ofSeconds(60), "the parent merged back under a new UUID", () ->
          !parentA.hazelcast().getCluster().getLocalMember().getUuid().equals(parentBefore)
              && origin.hazelcast().getCluster().getMembers().size() == 4);
      // The origin removed the entry when the old member left; the parent writes it back.
      Await.until(Duration.ofSeconds(30), "the leaf lists the merged parent again",
          () -> leaf.parents().parents().equals(List.of(a)) && fewest.get() == 0,
          () -> leaf.parents().parents() + " fewest " + fewest.get());
      Await.until(Duration.ofSeconds(10), "the origin lists it", () -> origin.parents().parents().equals(List.of(a)),
          () -> origin.parents().parents().toString());
      assertThat(origin.hazelcast().<String, String>getMap(HazelcastParentDirectory.MAP_NAME).keySet())
          .containsExactly(a.member());
    } finally {
      closeAll(nodes);
    }
  }

  /**
   * Splits {@code member} off the way a partition does: it suspects every other member and drops
   * its connections, claims mastership of a cluster of its own, and the others declare it dead
   * when its heartbeats stop; Hazelcast's split-brain check then merges it back.
   */
  private static void splitOff(ClusterNode member) {
    Node node = ((HazelcastInstanceProxy) member.hazelcast()).getOriginal().node;
    Member self = member.hazelcast().getCluster().getLocalMember();
    for (Member other : member.hazelcast().getCluster().getMembers()) {
      if (!other.equals(self)) {
        node.getClusterService().suspectMember(other, "split off by the test", true);
      }
    }
  }

  @Test
  void announcedParentsReachLeavesAndVanishWithTheirMember() {
    String cluster = ClusterTestSupport.uniqueClusterName();
    List<ClusterNode> nodes = new ArrayList<>();
    try {
      Tree tree = Tree.start(cluster, nodes);
      ClusterNode origin = tree.origin();
      ClusterNode parentA = tree.parentA();
      ClusterNode parentB = tree.parentB();
      ClusterNode leaf = tree.leaf();
      AtomicInteger changes = new AtomicInteger();
      leaf.parents().onChange(changes::incrementAndGet);

      ParentEdge a = tree.a();
      ParentEdge b = tree.b();
      await(parentA.parents().announce(a));
      await(parentB.parents().announce(b));
      Await.until(Duration.ofSeconds(10), "the leaf lists both parents",
          () -> leaf.parents().parents().size() == 2, () -> leaf.parents().parents().toString());
      assertThat(leaf.parents().parents()).containsExactlyInAnyOrder(a, b);
      // Each member hears the entry events on its own; the local copy is written a moment before
      // the change listeners run, so the origin's list and the leaf's event count are awaited too.
      Await.until(Duration.ofSeconds(10), "the origin lists both parents",
          () -> origin.parents().parents().size() == 2, () -> origin.parents().parents().toString());
      assertThat(origin.parents().parents()).containsExactlyInAnyOrder(a, b);
      Await.until(Duration.ofSeconds(5), "the leaf is told of both", () -> changes.get() >= 2);
      assertThat(leaf.parents().announce(a).failed()).as("announcing another member is refused").isTrue();

      await(parentB.parents().withdraw());
      Await.until(Duration.ofSeconds(10), "the leaf forgets the withdrawn parent",
          () -> leaf.parents().parents().equals(List.of(a)), () -> leaf.parents().parents().toString());

      int before = changes.get();
      ClusterTestSupport.kill(parentA);
      long gone = Await.until(Duration.ofSeconds(15), "the leaf drops the killed parent",
          () -> leaf.parents().parents().isEmpty(), () -> leaf.parents().parents().toString());
      // The member list may change a moment before the membership event reaches the listeners.
      Await.until(Duration.ofSeconds(5), "the leaf is told", () -> changes.get() > before);
      Await.until(Duration.ofSeconds(10), "the origin removes its entry", () ->
          origin.hazelcast().getMap(HazelcastParentDirectory.MAP_NAME).isEmpty());
      org.slf4j.LoggerFactory.getLogger(HazelcastParentDirectoryTest.class)
          .info("MEASURED parents.killed_parent_dropped_ms={}", gone);
    } finally {
      closeAll(nodes);
    }
  }
}
