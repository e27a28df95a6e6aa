package io.cascade.cluster;

import static io.cascade.config.ConfigSchema.CLUSTER_ADVERTISED_HOST;
import static io.cascade.config.ConfigSchema.CLUSTER_BACKUP_COUNT;
import static io.cascade.config.ConfigSchema.CLUSTER_CLAIM_CHECK_INTERVAL;
import static io.cascade.config.ConfigSchema.CLUSTER_DISCOVERY;
import static io.cascade.config.ConfigSchema.CLUSTER_EDGE_MODE;
import static io.cascade.config.ConfigSchema.CLUSTER_HEARTBEAT_INTERVAL;
import static io.cascade.config.ConfigSchema.CLUSTER_HOST;
import static io.cascade.config.ConfigSchema.CLUSTER_KUBERNETES_SERVICE_DNS;
import static io.cascade.config.ConfigSchema.CLUSTER_MEMBERS;
import static io.cascade.config.ConfigSchema.CLUSTER_MEMBER_TIMEOUT;
import static io.cascade.config.ConfigSchema.CLUSTER_NAME;
import static io.cascade.config.ConfigSchema.CLUSTER_PORT;
import static io.cascade.config.ConfigSchema.CLUSTER_SECRET;

import io.cascade.config.CascadeConfig;
import io.cascade.config.ClusterDiscovery;
import io.cascade.config.ConfigLoader;
import io.cascade.config.EdgeMode;
import io.cascade.config.HostPort;
import java.time.Duration;
import java.util.List;

/**
 * Membership, discovery and failure detection of the Hazelcast cluster, from {@code cluster.*}.
 * {@code advertisedHost} and {@code kubernetesServiceDns} are empty when not set; {@code secret}
 * holds the relay secrets, first the one that signs.
 */
public record ClusterSettings(
    String name,
    String host,
    int port,
    String advertisedHost,
    List<HostPort> members,
    ClusterDiscovery discovery,
    String kubernetesServiceDns,
    List<String> secret,
    int backupCount,
    Duration heartbeatInterval,
    Duration memberTimeout,
    Duration claimCheckInterval,
    EdgeMode edgeMode) {

  public ClusterSettings {
    members = List.copyOf(members);
    secret = List.copyOf(secret);
  }

  public static ClusterSettings from(CascadeConfig config) {
    return new ClusterSettings(config.get(CLUSTER_NAME), config.get(CLUSTER_HOST), config.get(CLUSTER_PORT),
        config.get(CLUSTER_ADVERTISED_HOST), config.get(CLUSTER_MEMBERS), config.get(CLUSTER_DISCOVERY),
        config.get(CLUSTER_KUBERNETES_SERVICE_DNS), config.get(CLUSTER_SECRET), config.get(CLUSTER_BACKUP_COUNT),
        config.get(CLUSTER_HEARTBEAT_INTERVAL), config.get(CLUSTER_MEMBER_TIMEOUT),
        config.get(CLUSTER_CLAIM_CHECK_INTERVAL), config.get(CLUSTER_EDGE_MODE));
  }

  /** Keeps the secrets out of logs and exception messages that print the settings. */
  @Override
  public String toString() {
    return "ClusterSettings[name=" + name + ", host=" + host + ", port=" + port + ", advertisedHost="
        + advertisedHost + ", members=" + members + ", discovery=" + discovery + ", kubernetesServiceDns="
        + kubernetesServiceDns + ", secret=" + (secret.isEmpty() ? "[]" : ConfigLoader.REDACTED)
        + ", backupCount=" + backupCount + ", heartbeatInterval=" + heartbeatInterval
        + ", memberTimeout=" + memberTimeout + ", claimCheckInterval=" + claimCheckInterval
        + ", edgeMode=" + edgeMode + "]";
  }
}
