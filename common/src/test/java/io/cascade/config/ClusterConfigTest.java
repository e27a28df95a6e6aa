package io.cascade.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster.* and edge.* settings: defaults, sources, cross-field checks and secret handling. */
class ClusterConfigTest {
  @TempDir Path dir;

  private static CascadeConfig load(Map<String, String> env) {
    return ConfigLoader.load(null, env, Map.of()).config();
  }

  private static String failure(Path file, Map<String, String> env) {
    try {
      ConfigLoader.load(file, env, Map.of());
    } catch (ConfigException e) {
      return e.getMessage();
    }
    throw new AssertionError("expected a ConfigException");
  }

  @Test
  void defaults() {
    CascadeConfig c = load(Map.of());
    CascadeConfig.Cluster cluster = c.cluster();
    assertThat(cluster.name()).isEqualTo("cascade");
    assertThat(cluster.host()).isEqualTo("0.0.0.0");
    assertThat(cluster.port()).isEqualTo(5701);
    assertThat(cluster.advertisedHost()).isEmpty();
    assertThat(cluster.members()).isEmpty();
    assertThat(cluster.discovery()).isEqualTo(ClusterDiscovery.TCP);
    assertThat(cluster.kubernetes().serviceDns()).isEmpty();
    assertThat(cluster.secret()).isEmpty();
    assertThat(cluster.backupCount()).isEqualTo(1);
    assertThat(cluster.heartbeatInterval()).isEqualTo(Duration.ofSeconds(1));
    assertThat(cluster.memberTimeout()).isEqualTo(Duration.ofSeconds(8));
    assertThat(cluster.claimCheckInterval()).isEqualTo(Duration.ofSeconds(2));

    CascadeConfig.Edge edge = c.edge();
    assertThat(edge.upstreamIdleGrace()).isEqualTo(Duration.ofSeconds(10));
    assertThat(edge.upstreamBackoffMin()).isEqualTo(Duration.ofMillis(250));
    assertThat(edge.upstreamBackoffMax()).isEqualTo(Duration.ofSeconds(5));
    assertThat(edge.upstreamConnectTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(edge.relayTokenTtl()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void environmentSetsClusterAndEdgeKeys() {
    CascadeConfig c = load(Map.ofEntries(
        Map.entry("CASCADE_CLUSTER_NAME", "live-eu"),
        Map.entry("CASCADE_CLUSTER_HOST", "10.0.0.5"),
        Map.entry("CASCADE_CLUSTER_PORT", "5801"),
        Map.entry("CASCADE_CLUSTER_ADVERTISED_HOST", "203.0.113.5"),
        Map.entry("CASCADE_CLUSTER_MEMBERS", "10.0.0.5:5801,10.0.0.6:5801"),
        Map.entry("CASCADE_CLUSTER_SECRET", "new-secret-0123456789,old-secret-0123456789"),
        Map.entry("CASCADE_CLUSTER_BACKUP_COUNT", "2"),
        Map.entry("CASCADE_CLUSTER_HEARTBEAT_INTERVAL", "2s"),
        Map.entry("CASCADE_CLUSTER_MEMBER_TIMEOUT", "10s"),
        Map.entry("CASCADE_CLUSTER_CLAIM_CHECK_INTERVAL", "500ms"),
        Map.entry("CASCADE_EDGE_UPSTREAM_IDLE_GRACE", "0"),
        Map.entry("CASCADE_EDGE_UPSTREAM_BACKOFF_MIN", "100ms"),
        Map.entry("CASCADE_EDGE_UPSTREAM_BACKOFF_MAX", "2s"),
        Map.entry("CASCADE_EDGE_UPSTREAM_CONNECT_TIMEOUT", "3s"),
        Map.entry("CASCADE_EDGE_RELAY_TOKEN_TTL", "30s")));

    assertThat(c.cluster().name()).isEqualTo("live-eu");
    assertThat(c.cluster().host()).isEqualTo("10.0.0.5");
    assertThat(c.cluster().port()).isEqualTo(5801);
    assertThat(c.cluster().advertisedHost()).isEqualTo("203.0.113.5");
    assertThat(c.cluster().members())
        .containsExactly(new HostPort("10.0.0.5", 5801), new HostPort("10.0.0.6", 5801));
    assertThat(c.cluster().secret()).containsExactly("new-secret-0123456789", "old-secret-0123456789");
    assertThat(c.cluster().backupCount()).isEqualTo(2);
    assertThat(c.cluster().heartbeatInterval()).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.cluster().memberTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.cluster().claimCheckInterval()).isEqualTo(Duration.ofMillis(500));
    assertThat(c.edge())
        .isEqualTo(new CascadeConfig.Edge(Duration.ZERO, Duration.ofMillis(100), Duration.ofSeconds(2),
            Duration.ofSeconds(3), Duration.ofSeconds(30)));
  }

  @Test
  void kubernetesDiscoveryFromYaml() throws IOException {
    Path file = dir.resolve("cascade.yaml");
    Files.writeString(file, """
        cluster:
          discovery: kubernetes
          kubernetes:
            serviceDns: cascade-cluster.live.svc.cluster.local
          secret:
            - s3cret-one
        """);
    CascadeConfig c = ConfigLoader.load(file, Map.of(), Map.of()).config();
    assertThat(c.cluster().discovery()).isEqualTo(ClusterDiscovery.KUBERNETES);
    assertThat(c.cluster().kubernetes().serviceDns()).isEqualTo("cascade-cluster.live.svc.cluster.local");
    assertThat(c.cluster().secret()).containsExactly("s3cret-one");
  }

  @Test
  void kubernetesDiscoveryNeedsTheServiceDns() {
    assertThat(failure(null, Map.of("CASCADE_CLUSTER_DISCOVERY", "kubernetes")))
        .isEqualTo("cluster.kubernetes.serviceDns (none, default) must be set for cluster.discovery"
            + " (kubernetes, env CASCADE_CLUSTER_DISCOVERY)");
  }

  @Test
  void crossFieldChecksNameBothKeys() {
    assertThat(failure(null, Map.of(
        "CASCADE_EDGE_UPSTREAM_BACKOFF_MIN", "10s", "CASCADE_EDGE_UPSTREAM_BACKOFF_MAX", "5s")))
        .isEqualTo("edge.upstreamBackoffMax (5s, env CASCADE_EDGE_UPSTREAM_BACKOFF_MAX) must be at least"
            + " edge.upstreamBackoffMin (10s, env CASCADE_EDGE_UPSTREAM_BACKOFF_MIN)");
    assertThat(failure(null, Map.of("CASCADE_CLUSTER_HEARTBEAT_INTERVAL", "5s")))
        .isEqualTo("cluster.memberTimeout (8s, default) must be at least twice cluster.heartbeatInterval"
            + " (5s, env CASCADE_CLUSTER_HEARTBEAT_INTERVAL)");
  }

  @Test
  void boundsAreChecked() {
    assertThat(failure(null, Map.of("CASCADE_CLUSTER_BACKUP_COUNT", "7")))
        .contains("cluster.backupCount: 7 is not in 0..6");
    assertThat(failure(null, Map.of("CASCADE_CLUSTER_MEMBER_TIMEOUT", "1s")))
        .contains("cluster.memberTimeout: 1s is not in 2s..5m");
    assertThat(failure(null, Map.of("CASCADE_EDGE_UPSTREAM_IDLE_GRACE", "2h")))
        .contains("edge.upstreamIdleGrace: 2h is not in 0..1h");
    assertThat(failure(null, Map.of("CASCADE_CLUSTER_DISCOVERY", "multicast")))
        .contains("cluster.discovery: 'multicast' is not one of tcp, kubernetes");
  }

  @Test
  void emptyStringMeansUnsetOnlyWhereAllowed() {
    assertThat(load(Map.of("CASCADE_CLUSTER_ADVERTISED_HOST", "")).cluster().advertisedHost()).isEmpty();
    assertThat(failure(null, Map.of("CASCADE_CLUSTER_NAME", "")))
        .contains("cluster.name: must not be empty");
  }

  @Test
  void secretsNeverAppearInErrorsOrToString() throws IOException {
    Path file = dir.resolve("cascade.yaml");
    Files.writeString(file, """
        cluster:
          secret:
            - "hunter2 with spaces"
        """);
    String message = failure(file, Map.of());
    assertThat(message).contains("cluster.secret").doesNotContain("hunter2");

    String envMessage = failure(null, Map.of("CASCADE_CLUSTER_SECRET", "good-one, ,other"));
    assertThat(envMessage).contains("cluster.secret").doesNotContain("good-one").doesNotContain("other");

    CascadeConfig c = load(Map.of("CASCADE_CLUSTER_SECRET", "topsecret-value"));
    assertThat(c.toString()).doesNotContain("topsecret-value").contains("<redacted>");
    assertThat(c.cluster().toString()).doesNotContain("topsecret-value");
  }

  @Test
  void secretListIsImmutable() {
    CascadeConfig c = load(Map.of("CASCADE_CLUSTER_SECRET", "a-secret"));
    assertThatThrownBy(() -> c.cluster().secret().add("x")).isInstanceOf(UnsupportedOperationException.class);
    assertThat(ConfigSchema.byPath("cluster.secret").orElseThrow().secret()).isTrue();
    assertThat(ConfigSchema.byPath("cluster.name").orElseThrow().secret()).isFalse();
    assertThat(List.of(c.cluster().secret())).hasSize(1);
  }
}
