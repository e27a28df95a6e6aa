package io.cascade.cluster;

import static io.cascade.cluster.ClusterTestSupport.address;
import static io.cascade.cluster.ClusterTestSupport.await;
import static io.cascade.cluster.ClusterTestSupport.closeAll;
import static io.cascade.cluster.ClusterTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.MultiMapConfig;
import io.cascade.config.CascadeConfig;
import io.cascade.config.HostPort;
import io.cascade.testing.Await;
import io.vertx.core.Future;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

class ClusterNodeTest {

  private static final String NAME = "unit";

  @Test
  void originConfigJoinsByMemberListWithFastFailureDetection() {
    CascadeConfig config = config(NAME, "origin-1",
        List.of(new HostPort("127.0.0.1", 5801), new HostPort("10.0.0.2", 5701)),
        Map.of("cluster.backupCount", 2, "cluster.memberTimeout", "2500ms", "cluster.heartbeatInterval", "1s"));

    Config hz = HazelcastConfigFactory.create(config, ClusterNode.Role.ORIGIN, "m-1", "127.0.0.1", 5800, "127.0.0.1");

    assertThat(hz.getClusterName()).isEqualTo(NAME);
    assertThat(hz.isLiteMember()).isFalse();
    assertThat(hz.getNetworkConfig().getPort()).isEqualTo(5800);
    assertThat(hz.getNetworkConfig().isPortAutoIncrement()).isFalse();
    assertThat(hz.getNetworkConfig().getPublicAddress()).isEqualTo("127.0.0.1:5800");
    assertThat(hz.getNetworkConfig().getInterfaces().isEnabled()).isTrue();
    assertThat(hz.getNetworkConfig().getInterfaces().getInterfaces()).containsExactly("127.0.0.1");
    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getKubernetesConfig().isEnabled()).isFalse();
    assertThat(join.getTcpIpConfig().isEnabled()).isTrue();
    assertThat(join.getTcpIpConfig().getMembers()).containsExactly("127.0.0.1:5801", "10.0.0.2:5701");

    MapConfig streams = hz.getMapConfig(HazelcastStreamRegistry.MAP_NAME);
    assertThat(streams.getBackupCount()).isEqualTo(2);
    assertThat(streams.getMergePolicyConfig().getPolicy()).isEqualTo(EpochMergePolicy.class.getName());
    assertThat(hz.getMultiMapConfig("__vertx.subs").getValueCollectionType())
        .isEqualTo(MultiMapConfig.ValueCollectionType.SET);

    assertThat(hz.getProperty("hazelcast.heartbeat.failuredetector.type")).isEqualTo("deadline");
    assertThat(hz.getProperty("hazelcast.heartbeat.interval.seconds")).isEqualTo("1");
    assertThat(hz.getProperty("hazelcast.max.no.heartbeat.seconds")).as("2500ms rounds up").isEqualTo("3");
    assertThat(hz.getProperty("hazelcast.merge.first.run.delay.seconds")).isEqualTo("5");
    assertThat(hz.getProperty("hazelcast.merge.next.run.delay.seconds")).isEqualTo("5");
    assertThat(hz.getProperty("hazelcast.logging.type")).isEqualTo("slf4j");
    assertThat(hz.getProperty("hazelcast.phone.home.enabled")).isEqualTo("false");
    assertThat(hz.getProperty("hazelcast.shutdownhook.enabled")).isEqualTo("false");

    assertThat(hz.getMemberAttributeConfig().getAttributes())
        .containsEntry(HazelcastConfigFactory.MEMBER_ID_ATTRIBUTE, "m-1")
        .containsEntry(HazelcastConfigFactory.VERTX_NODE_ID_ATTRIBUTE, "m-1")
        .containsEntry(HazelcastConfigFactory.NODE_ID_ATTRIBUTE, "origin-1")
        .containsEntry(HazelcastConfigFactory.ROLE_ATTRIBUTE, "origin");
  }

  @Test
  void edgeIsALiteMemberAndWildcardBindUsesNoInterfaceList() {
    CascadeConfig config = config(NAME, "edge-1", List.of(), Map.of("cluster.host", "0.0.0.0"));

    Config hz = HazelcastConfigFactory.create(config, ClusterNode.Role.EDGE, "m-2", "0.0.0.0", 5701, "10.1.2.3");

    assertThat(hz.isLiteMember()).isTrue();
    assertThat(hz.getNetworkConfig().getInterfaces().isEnabled()).isFalse();
    assertThat(hz.getNetworkConfig().getPublicAddress()).isEqualTo("10.1.2.3:5701");
    assertThat(hz.getMemberAttributeConfig().getAttributes()).containsEntry(HazelcastConfigFactory.ROLE_ATTRIBUTE, "edge");
  }

  @Test
  void kubernetesDiscoveryUsesTheHeadlessServiceDns() {
    CascadeConfig config = config(NAME, "origin-1", List.of(), Map.of(
        "cluster.discovery", "kubernetes",
        "cluster.kubernetes.serviceDns", "cascade-cluster.live.svc.cluster.local",
        "cluster.host", "0.0.0.0"));

    Config hz = HazelcastConfigFactory.create(config, ClusterNode.Role.ORIGIN, "m-3", "0.0.0.0", 5701, "10.244.1.7");

    JoinConfig join = hz.getNetworkConfig().getJoin();
    assertThat(join.getTcpIpConfig().isEnabled()).isFalse();
    assertThat(join.getMulticastConfig().isEnabled()).isFalse();
    assertThat(join.getKubernetesConfig().isEnabled()).isTrue();
    assertThat(join.getKubernetesConfig().getProperty("service-dns")).isEqualTo("cascade-cluster.live.svc.cluster.local");
    assertThat(join.getKubernetesConfig().getProperty("service-port")).isEqualTo("5701");
    assertThat(hz.getNetworkConfig().getPublicAddress()).isEqualTo("10.244.1.7:5701");
  }

  @Test
  void advertisedHostIsConfiguredElseTheBoundAddressElseASiteLocalAddress() {
    assertThat(ClusterAddresses.advertisedHost(
        ClusterSettings.from(config(NAME, "n", List.of(), Map.of("cluster.advertisedHost", "origin-1.example")))))
        .isEqualTo("origin-1.example");
    assertThat(ClusterAddresses.advertisedHost(ClusterSettings.from(config(NAME, "n", List.of(), Map.of()))))
        .isEqualTo("127.0.0.1");
    String auto = ClusterAddresses.advertisedHost(
        ClusterSettings.from(config(NAME, "n", List.of(), Map.of("cluster.host", "0.0.0.0"))));
    assertThat(auto).isEqualTo(ClusterAddresses.firstSiteLocalIpv4().orElse("127.0.0.1"));
    assertThat(ClusterAddresses.hostPort("fd00::1", 5701)).isEqualTo("[fd00::1]:5701");
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void originStartsClusteredVertxAndLeavesCleanly() {
    ClusterNode origin = ClusterTestSupport.start(ClusterTestSupport.uniqueClusterName(), "origin-1",
        ClusterNode.Role.ORIGIN, List.of());
    try {
      assertThat(origin.role()).isEqualTo(ClusterNode.Role.ORIGIN);
      assertThat(origin.vertx().isClustered()).isTrue();
      assertThat(origin.memberCount()).isEqualTo(1);
      assertThat(origin.port()).isPositive();
      assertThat(origin.advertisedHost()).isEqualTo("127.0.0.1");
      assertThat(origin.registry().localMember()).isEqualTo(origin.memberId());
      assertThat(origin.hazelcast().getCluster().getLocalMember().getAddress().getPort()).isEqualTo(origin.port());
    } finally {
      await(origin.close());
    }
    assertThat(origin.hazelcast().getLifecycleService().isRunning()).isFalse();
    assertThat(origin.memberCount()).isZero();
    assertThat(origin.close().succeeded()).as("close is idempotent").isTrue();
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void originStartsAloneWhenTheListedMembersAreDown() throws Exception {
    int downPort;
    try (ServerSocket s = new ServerSocket(0)) {
      downPort = s.getLocalPort();
    }
    long started = System.nanoTime();
    ClusterNode origin = ClusterTestSupport.start(ClusterTestSupport.uniqueClusterName(), "origin-1",
        ClusterNode.Role.ORIGIN, List.of(new HostPort("127.0.0.1", downPort)));
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    try {
      System.out.printf("origin with its only listed member down started in %d ms%n", millis);
      assertThat(origin.memberCount()).isEqualTo(1);
      assertThat(millis).isLessThan(15_000);
    } finally {
      await(origin.close());
    }
  }

  /** Vert.x keeps cluster state in maps that need a data member; an edge waits for the first origin. */
  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void edgeWaitsForAnOriginBeforeItStarts() throws Exception {
    String cluster = ClusterTestSupport.uniqueClusterName();
    int originPort;
    try (ServerSocket s = new ServerSocket(0)) {
      originPort = s.getLocalPort();
    }
    List<ClusterNode> started = new ArrayList<>();
    Logger clusterLog = (Logger) LoggerFactory.getLogger("cascade.cluster");
    ListAppender<ILoggingEvent> waiting = new ListAppender<>();
    waiting.start();
    clusterLog.addAppender(waiting);
    try {
      Future<ClusterNode> edge = ClusterTestSupport.startAsync(cluster, "edge-1", ClusterNode.Role.EDGE,
          List.of(new HostPort("127.0.0.1", originPort)));
      edge.onSuccess(started::add);
      // The edge says it is still waiting for an origin (a line it logs every 10 s of waiting).
      Await.until(Duration.ofSeconds(40), "the edge logs that it waits for an origin",
          () -> waitingLines(waiting) > 0);
      assertThat(edge.isComplete()).as("edge started without an origin").isFalse();

      ClusterNode origin = await(ClusterNode.start(config(cluster, "origin-1", List.of(),
          Map.of("cluster.port", originPort)), ClusterNode.Role.ORIGIN, ClusterTestSupport.smallVertx()));
      started.add(origin);
      ClusterNode edgeNode = await(edge);
      assertThat(edgeNode.memberCount()).isEqualTo(2);
      assertThat(edgeNode.hazelcast().getCluster().getLocalMember().isLiteMember()).isTrue();
      assertThat(address(origin).port()).isEqualTo(originPort);
    } finally {
      clusterLog.detachAppender(waiting);
      closeAll(started);
    }
  }

  private static long waitingLines(ListAppender<ILoggingEvent> appender) {
    // The appender adds under its own lock; read under the same one.
    synchronized (appender) {
      return appender.list.stream()
          .filter(e -> e.getFormattedMessage().startsWith("event=cluster.waiting_for_origin")).count();
    }
  }
}
