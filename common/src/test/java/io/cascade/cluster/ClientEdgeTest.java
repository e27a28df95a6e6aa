package io.cascade.cluster;

import static io.cascade.cluster.ClusterTestSupport.address;
import static io.cascade.cluster.ClusterTestSupport.await;
import static io.cascade.cluster.ClusterTestSupport.closeAll;
import static io.cascade.cluster.ClusterTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.CascadeConfig;
import io.cascade.config.HostPort;
import io.cascade.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A leaf edge in {@code cluster.edgeMode: client}: not a member, yet it watches keys and sees parents. */
@Timeout(120)
class ClientEdgeTest {

  @Test
  void configNamesEveryOriginAndTheSameFailureDetection() {
    CascadeConfig config = config("unit", "edge-1",
        List.of(new HostPort("127.0.0.1", 5801), new HostPort("10.0.0.2", 5701)),
        Map.of("cluster.edgeMode", "client", "cluster.memberTimeout", "6s", "cluster.heartbeatInterval", "2s"));

    var client = HazelcastConfigFactory.client(config, "m-1");

    assertThat(client.getClusterName()).isEqualTo("unit");
    assertThat(client.getNetworkConfig().isSmartRouting()).isTrue();
    assertThat(client.getNetworkConfig().getAddresses()).containsExactly("127.0.0.1:5801", "10.0.0.2:5701");
    assertThat(client.getProperty("hazelcast.client.heartbeat.timeout")).isEqualTo("6000");
    assertThat(client.getProperty("hazelcast.client.heartbeat.interval")).isEqualTo("2000");
    assertThat(ClusterNode.joinsAsClient(config, ClusterNode.Role.EDGE)).isTrue();
    assertThat(ClusterNode.joinsAsClient(config, ClusterNode.Role.ORIGIN)).isFalse();
    CascadeConfig parent = config("unit", "edge-2", List.of(), Map.of("cluster.edgeMode", "client",
        "edge.tier", "parent"));
    assertThat(ClusterNode.joinsAsClient(parent, ClusterNode.Role.EDGE)).as("parents stay members").isFalse();
  }

  @Test
  void clientEdgeWatchesTheRegistryAndSeesParentMembers() {
    String cluster = ClusterTestSupport.uniqueClusterName();
    List<ClusterNode> nodes = new ArrayList<>();
    try {
      ClusterNode origin = await(ClusterNode.start(config(cluster, "origin-1", List.of(), Map.of()),
          ClusterNode.Role.ORIGIN, ClusterTestSupport.smallVertx()));
      nodes.add(origin);
      List<HostPort> seeds = List.of(address(origin));
      ClusterNode parent = await(ClusterNode.start(config(cluster, "parent-1", seeds,
          Map.of("cluster.edgeMode", "client", "edge.tier", "parent")), ClusterNode.Role.EDGE,
          ClusterTestSupport.smallVertx()));
      nodes.add(parent);
      ClusterNode leaf = await(ClusterNode.start(config(cluster, "leaf-1", seeds,
          Map.of("cluster.edgeMode", "client")), ClusterNode.Role.EDGE, ClusterTestSupport.smallVertx()));
      nodes.add(leaf);

      assertThat(leaf.vertx().isClustered()).isFalse();
      assertThat(leaf.port()).isZero();
      assertThat(leaf.memberCount()).as("origin and parent; the client is no member").isEqualTo(2);
      assertThat(origin.memberCount()).isEqualTo(2);

      await(parent.parents().announce(new ParentEdge(parent.memberId(), "parent-1", "127.0.0.1", 1935)));
      Await.until(Duration.ofSeconds(10), "the client leaf sees the parent", () -> leaf.parents().parents().size() == 1);

      AtomicReference<Optional<StreamRecord>> seen = new AtomicReference<>();
      leaf.registry().watch("live/a", seen::set);
      Await.until(Duration.ofSeconds(10), "the watch reads the empty key", () -> seen.get() != null);
      long now = System.currentTimeMillis();
      StreamRecord record = new StreamRecord("live/a", origin.memberId(), "origin-1", "127.0.0.1", 1935,
          UUID.randomUUID().toString(), now, now, "", "");
      assertThat(await(origin.registry().claim(record)).granted()).isTrue();
      Await.until(Duration.ofSeconds(10), "the client leaf is told of the publish",
          () -> seen.get().isPresent() && seen.get().get().ownerMember().equals(origin.memberId()));
      assertThat(await(leaf.registry().lookup("live/a"))).contains(record);

      ClusterTestSupport.kill(parent);
      nodes.remove(parent);
      Await.until(Duration.ofSeconds(20), "the client leaf drops the dead parent",
          () -> leaf.parents().parents().isEmpty());
    } finally {
      closeAll(nodes);
    }
  }

  @Test
  void clientEdgeFollowsTheRegistryAcrossAnOriginRestart() {
    String cluster = ClusterTestSupport.uniqueClusterName();
    List<ClusterNode> nodes = new ArrayList<>();
    try {
      ClusterNode first = await(ClusterNode.start(config(cluster, "origin-1", List.of(), Map.of()),
          ClusterNode.Role.ORIGIN, ClusterTestSupport.smallVertx()));
      nodes.add(first);
      int port = first.port();
      ClusterNode leaf = await(ClusterNode.start(config(cluster, "leaf-1", List.of(address(first)),
          Map.of("cluster.edgeMode", "client")), ClusterNode.Role.EDGE, ClusterTestSupport.smallVertx()));
      nodes.add(leaf);
      AtomicReference<Optional<StreamRecord>> seen = new AtomicReference<>();
      leaf.registry().watch("live/a", seen::set);
      Await.until(Duration.ofSeconds(10), "the watch reads the empty key", () -> seen.get() != null);

      // The only origin dies and a new one comes up on its address; the stream is published there.
      ClusterTestSupport.kill(first);
      nodes.remove(first);
      ClusterNode second = await(ClusterNode.start(config(cluster, "origin-2", List.of(), Map.of("cluster.port", port)),
          ClusterNode.Role.ORIGIN, ClusterTestSupport.smallVertx()));
      nodes.add(second);
      long now = System.currentTimeMillis();
      StreamRecord record = new StreamRecord("live/a", second.memberId(), "origin-2", "127.0.0.1", 1935,
          UUID.randomUUID().toString(), now, now, "", "");
      assertThat(await(second.registry().claim(record)).granted()).isTrue();

      // Whether the claim came before the client's listener was registered again (then the re-read
      // on reconnecting finds it) or after (then the event brings it), the leaf learns of it.
      Await.until(Duration.ofSeconds(30), "the client leaf is told of the publish on the new origin",
          () -> seen.get().isPresent() && seen.get().get().ownerMember().equals(second.memberId()));
      // And its listener is registered on the new origin: the unpublish arrives as an event.
      await(second.registry().release(record));
      Await.until(Duration.ofSeconds(10), "the client leaf is told of the unpublish", () -> seen.get().isEmpty());
    } finally {
      closeAll(nodes);
    }
  }
}
