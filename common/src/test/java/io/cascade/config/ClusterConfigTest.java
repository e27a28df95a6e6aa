package io.cascade.config;

import static io.cascade.config.ConfigSchema.CLUSTER_ADVERTISED_HOST;
import static io.cascade.config.ConfigSchema.CLUSTER_BACKUP_COUNT;
import static io.cascade.config.ConfigSchema.CLUSTER_CLAIM_CHECK_INTERVAL;
import static io.cascade.config.ConfigSchema.CLUSTER_DISCOVERY;
import static io.cascade.config.ConfigSchema.CLUSTER_HEARTBEAT_INTERVAL;
import static io.cascade.config.ConfigSchema.CLUSTER_HOST;
import static io.cascade.config.ConfigSchema.CLUSTER_KUBERNETES_SERVICE_DNS;
import static io.cascade.config.ConfigSchema.CLUSTER_MEMBERS;
import static io.cascade.config.ConfigSchema.CLUSTER_MEMBER_TIMEOUT;
import static io.cascade.config.ConfigSchema.CLUSTER_NAME;
import static io.cascade.config.ConfigSchema.CLUSTER_PORT;
import static io.cascade.config.ConfigSchema.CLUSTER_SECRET;
import static io.cascade.config.ConfigSchema.EDGE_RELAY_TOKEN_TTL;
import static io.cascade.config.ConfigSchema.EDGE_UPSTREAM_BACKOFF_MAX;
import static io.cascade.config.ConfigSchema.EDGE_UPSTREAM_BACKOFF_MIN;
import static io.cascade.config.ConfigSchema.EDGE_UPSTREAM_CONNECT_TIMEOUT;
import static io.cascade.config.ConfigSchema.EDGE_UPSTREAM_IDLE_GRACE;
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
    assertThat(c.get(CLUSTER_NAME)).isEqualTo("cascade");
    assertThat(c.get(CLUSTER_HOST)).isEqualTo("0.0.0.0");
    assertThat(c.get(CLUSTER_PORT)).isEqualTo(5701);
    assertThat(c.get(CLUSTER_ADVERTISED_HOST)).isEmpty();
    assertThat(c.get(CLUSTER_MEMBERS)).isEmpty();
    assertThat(c.get(CLUSTER_DISCOVERY)).isEqualTo(ClusterDiscovery.TCP);
    assertThat(c.get(CLUSTER_KUBERNETES_SERVICE_DNS)).isEmpty();
    assertThat(c.get(CLUSTER_SECRET)).isEmpty();
    assertThat(c.get(CLUSTER_BACKUP_COUNT)).isEqualTo(1);
    assertThat(c.get(CLUSTER_HEARTBEAT_INTERVAL)).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.get(CLUSTER_MEMBER_TIMEOUT)).isEqualTo(Duration.ofSeconds(8));
    assertThat(c.get(CLUSTER_CLAIM_CHECK_INTERVAL)).isEqualTo(Duration.ofSeconds(2));

    assertThat(c.get(EDGE_UPSTREAM_IDLE_GRACE)).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.get(EDGE_UPSTREAM_BACKOFF_MIN)).isEqualTo(Duration.ofMillis(250));
    assertThat(c.get(EDGE_UPSTREAM_BACKOFF_MAX)).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.get(EDGE_UPSTREAM_CONNECT_TIMEOUT)).isEqualTo(Duration.ofSeconds(5));
    assertThat(c.get(EDGE_RELAY_TOKEN_TTL)).isEqualTo(Duration.ofSeconds(60));
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

    assertThat(c.get(CLUSTER_NAME)).isEqualTo("live-eu");
    assertThat(c.get(CLUSTER_HOST)).isEqualTo("10.0.0.5");
    assertThat(c.get(CLUSTER_PORT)).isEqualTo(5801);
    assertThat(c.get(CLUSTER_ADVERTISED_HOST)).isEqualTo("203.0.113.5");
    assertThat(c.get(CLUSTER_MEMBERS))
        .containsExactly(new HostPort("10.0.0.5", 5801), new HostPort("10.0.0.6", 5801));
    assertThat(c.get(CLUSTER_SECRET)).containsExactly("new-secret-0123456789", "old-secret-0123456789");
    assertThat(c.get(CLUSTER_BACKUP_COUNT)).isEqualTo(2);
    assertThat(c.get(CLUSTER_HEARTBEAT_INTERVAL)).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.get(CLUSTER_MEMBER_TIMEOUT)).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.get(CLUSTER_CLAIM_CHECK_INTERVAL)).isEqualTo(Duration.ofMillis(500));
    assertThat(List.of(c.get(EDGE_UPSTREAM_IDLE_GRACE), c.get(EDGE_UPSTREAM_BACKOFF_MIN),
            c.get(EDGE_UPSTREAM_BACKOFF_MAX), c.get(EDGE_UPSTREAM_CONNECT_TIMEOUT), c.get(EDGE_RELAY_TOKEN_TTL)))
        .containsExactly(Duration.ZERO, Duration.ofMillis(100), Duration.ofSeconds(2),
            Duration.ofSeconds(3), Duration.ofSeconds(30));
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
    assertThat(c.get(CLUSTER_DISCOVERY)).isEqualTo(ClusterDiscovery.KUBERNETES);
    assertThat(c.get(CLUSTER_KUBERNETES_SERVICE_DNS)).isEqualTo("cascade-cluster.live.svc.cluster.local");
    assertThat(c.get(CLUSTER_SECRET)).containsExactly("s3cret-one");
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
    assertThat(load(Map.of("CASCADE_CLUSTER_ADVERTISED_HOST", "")).get(CLUSTER_ADVERTISED_HOST)).isEmpty();
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
  }

  @Test
  void secretListIsImmutable() {
    CascadeConfig c = load(Map.of("CASCADE_CLUSTER_SECRET", "a-secret"));
    assertThatThrownBy(() -> c.get(CLUSTER_SECRET).add("x")).isInstanceOf(UnsupportedOperationException.class);
    assertThat(ConfigSchema.byPath("cluster.secret").orElseThrow().secret()).isTrue();
    assertThat(ConfigSchema.byPath("cluster.name").orElseThrow().secret()).isFalse();
    assertThat(List.of(c.get(CLUSTER_SECRET))).hasSize(1);
  }
}
