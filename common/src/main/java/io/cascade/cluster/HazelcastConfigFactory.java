package io.cascade.cluster;

import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.client.config.ClientNetworkConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MultiMapConfig;
import com.hazelcast.config.NetworkConfig;
import io.cascade.config.CascadeConfig;
import io.cascade.config.ConfigSchema;
import io.cascade.config.ClusterDiscovery;
import io.cascade.config.HostPort;
import java.time.Duration;

/**
 * Builds the Hazelcast configuration of one node from Cascade's settings, in code, so that no
 * {@code hazelcast.xml} or system property can change it behind the operator's back. The timing
 * choices are explained in {@code docs/CLUSTER.md}.
 */
final class HazelcastConfigFactory {
  /** Member attribute: the stable member id written into stream records as the owner. */
  static final String MEMBER_ID_ATTRIBUTE = "cascade.member";
  static final String NODE_ID_ATTRIBUTE = "cascade.node";
  static final String ROLE_ATTRIBUTE = "cascade.role";
  /** Member attribute vertx-hazelcast reads its node id from when it is handed an instance. */
  static final String VERTX_NODE_ID_ATTRIBUTE = "__vertx.nodeId";

  /** Seconds between split-brain merge checks: small, so a healed partition merges within seconds. */
  static final int MERGE_DELAY_SECONDS = 5;
  /** TCP connect timeout while joining; a listed member that is down must not delay start-up long. */
  static final int JOIN_CONNECT_TIMEOUT_SECONDS = 2;
  /** Longest a graceful shutdown waits for partition backups to move off a leaving origin. */
  static final int GRACEFUL_SHUTDOWN_SECONDS = 30;

  private HazelcastConfigFactory() {
  }

  /**
   * The configuration of a member that binds {@code bindHost:port} and announces
   * {@code advertisedHost:port}.
   */
  static Config create(CascadeConfig config, ClusterNode.Role role, String memberId, String bindHost, int port,
      String advertisedHost) {
    ClusterSettings cluster = ClusterSettings.from(config);
    Config hz = new Config();
    hz.setClusterName(cluster.name());
    // Instance names are JVM-wide; tests run several members in one JVM.
    hz.setInstanceName("cascade-" + role.name().toLowerCase() + "-" + memberId);
    // Edges hold no partitions, so edges coming and going never migrate registry data.
    hz.setLiteMember(role == ClusterNode.Role.EDGE);
    hz.getMemberAttributeConfig()
        .setAttribute(MEMBER_ID_ATTRIBUTE, memberId)
        .setAttribute(VERTX_NODE_ID_ATTRIBUTE, memberId)
        .setAttribute(NODE_ID_ATTRIBUTE, config.get(ConfigSchema.NODE_ID))
        .setAttribute(ROLE_ATTRIBUTE, role.name().toLowerCase());

    network(hz.getNetworkConfig(), cluster, bindHost, port, advertisedHost);
    failureDetection(hz, cluster);

    hz.setProperty("hazelcast.logging.type", "slf4j");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    // ClusterNode.close() stops Vert.x first and then Hazelcast; a JVM hook would race it.
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    hz.setProperty("hazelcast.graceful.shutdown.max.wait", Integer.toString(GRACEFUL_SHUTDOWN_SECONDS));

    hz.getMapConfig(HazelcastStreamRegistry.MAP_NAME)
        .setBackupCount(cluster.backupCount())
        .setAsyncBackupCount(0)
        .getMergePolicyConfig()
        // After a split brain heals the record with the larger epoch wins (the later claim, e.g. a
        // takeover while the other origin was frozen); the losing origin sees its claim gone.
        .setPolicy(EpochMergePolicy.class.getName());

    // A recording's handover entry must outlive the origin that wrote it.
    hz.getMapConfig(HazelcastRecordingHandover.MAP_NAME).setBackupCount(cluster.backupCount()).setAsyncBackupCount(0);

    // What vertx-hazelcast's default-cluster.xml sets, which a programmatic config must repeat.
    hz.getMultiMapConfig("__vertx.subs")
        .setBackupCount(cluster.backupCount())
        .setValueCollectionType(MultiMapConfig.ValueCollectionType.SET);
    hz.getMapConfig("__vertx.haInfo").setBackupCount(cluster.backupCount());
    hz.getMapConfig("__vertx.nodeInfo").setBackupCount(cluster.backupCount());
    return hz;
  }

  /**
   * The configuration of an edge that joins as a smart client: it connects to every origin (a
   * handful) so each registry call goes straight to the partition owner, and it holds no
   * connection to other edges. Unisocket would route everything through one origin for no gain
   * at a handful of origins. The client waits for an origin as long as it takes, like a lite
   * member does, and reconnects for ever.
   */
  static ClientConfig client(CascadeConfig config, String memberId) {
    ClusterSettings cluster = ClusterSettings.from(config);
    ClientConfig client = new ClientConfig();
    client.setClusterName(cluster.name());
    client.setInstanceName("cascade-edge-client-" + memberId);
    client.addLabel(NODE_ID_ATTRIBUTE + "=" + config.get(ConfigSchema.NODE_ID));
    ClientNetworkConfig network = client.getNetworkConfig();
    network.setSmartRouting(true);
    network.setConnectionTimeout(JOIN_CONNECT_TIMEOUT_SECONDS * 1000);
    if (cluster.discovery() == ClusterDiscovery.KUBERNETES) {
      network.getKubernetesConfig()
          .setEnabled(true)
          .setProperty("service-dns", cluster.kubernetesServiceDns())
          .setProperty("service-port", Integer.toString(cluster.port()));
    } else {
      for (HostPort member : cluster.members()) {
        network.addAddress(ClusterAddresses.hostPort(member.host(), member.port()));
      }
    }
    client.getConnectionStrategyConfig()
        .setAsyncStart(false)
        .getConnectionRetryConfig()
        .setClusterConnectTimeoutMillis(-1)
        .setMaxBackoffMillis(JOIN_CONNECT_TIMEOUT_SECONDS * 1000);
    // The same failure detection as between members, in both directions (see failureDetection).
    client.setProperty("hazelcast.client.heartbeat.interval", Long.toString(cluster.heartbeatInterval().toMillis()));
    client.setProperty("hazelcast.client.heartbeat.timeout", Long.toString(cluster.memberTimeout().toMillis()));
    client.setProperty("hazelcast.logging.type", "slf4j");
    client.setProperty("hazelcast.client.shutdownhook.enabled", "false");
    return client;
  }

  private static void network(NetworkConfig network, ClusterSettings cluster, String bindHost, int port,
      String advertisedHost) {
    network.setPort(port).setPortAutoIncrement(false).setPortCount(1);
    network.setPublicAddress(ClusterAddresses.hostPort(advertisedHost, port));
    if (!ClusterAddresses.isWildcard(bindHost)) {
      network.getInterfaces().setEnabled(true).addInterface(bindHost);
    }

    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (cluster.discovery() == ClusterDiscovery.KUBERNETES) {
      join.getTcpIpConfig().setEnabled(false);
      join.getKubernetesConfig()
          .setEnabled(true)
          .setProperty("service-dns", cluster.kubernetesServiceDns())
          .setProperty("service-port", Integer.toString(port));
    } else {
      join.getTcpIpConfig()
          .setEnabled(true)
          .setConnectionTimeoutSeconds(JOIN_CONNECT_TIMEOUT_SECONDS);
      for (HostPort member : cluster.members()) {
        join.getTcpIpConfig().addMember(ClusterAddresses.hostPort(member.host(), member.port()));
      }
    }
  }

  /**
   * A member is declared dead when no heartbeat arrived for {@code memberTimeout} (the deadline
   * detector: predictable, unlike phi-accrual, which adapts to the heartbeat history). A killed
   * process is usually noticed sooner, through its closed connections.
   */
  private static void failureDetection(Config hz, ClusterSettings cluster) {
    hz.setProperty("hazelcast.heartbeat.failuredetector.type", "deadline");
    hz.setProperty("hazelcast.heartbeat.interval.seconds", Long.toString(ceilSeconds(cluster.heartbeatInterval())));
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(ceilSeconds(cluster.memberTimeout())));
    // A client edge that went silent is dropped, with its listeners, as soon as a member would be.
    hz.setProperty("hazelcast.client.max.no.heartbeat.seconds", Long.toString(ceilSeconds(cluster.memberTimeout())));
    hz.setProperty("hazelcast.merge.first.run.delay.seconds", Integer.toString(MERGE_DELAY_SECONDS));
    hz.setProperty("hazelcast.merge.next.run.delay.seconds", Integer.toString(MERGE_DELAY_SECONDS));
    // The master waits this long for more joiners before admitting one; the default 5 s only slows start-up.
    hz.setProperty("hazelcast.wait.seconds.before.join", "1");
    hz.setProperty("hazelcast.max.wait.seconds.before.join", "5");
  }

  static long ceilSeconds(Duration d) {
    return Math.max(1, (d.toMillis() + 999) / 1000);
  }
}
