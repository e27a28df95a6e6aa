package io.cascade.cluster;

import io.cascade.config.CascadeConfig;
import io.cascade.config.ConfigLoader;
import io.cascade.config.HostPort;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Starts real cluster members on loopback ports in this JVM, each test class in a cluster of its own name. */
final class ClusterTestSupport {
  static final long START_TIMEOUT_SECONDS = 60;

  private ClusterTestSupport() {
  }

  /** A cluster name no other test run on this host uses, so concurrent runs never join each other. */
  static String uniqueClusterName() {
    return "test-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static CascadeConfig config(String clusterName, String nodeId, List<HostPort> members, Map<String, Object> extra) {
    Map<String, Object> overrides = new HashMap<>();
    overrides.put("node.id", nodeId);
    overrides.put("cluster.name", clusterName);
    overrides.put("cluster.host", "127.0.0.1");
    overrides.put("cluster.port", 0);
    overrides.put("cluster.members", members);
    overrides.putAll(extra);
    return ConfigLoader.load(null, Map.of(), overrides).config();
  }

  static ClusterNode start(String clusterName, String nodeId, ClusterNode.Role role, List<HostPort> members) {
    return await(startAsync(clusterName, nodeId, role, members));
  }

  static Future<ClusterNode> startAsync(String clusterName, String nodeId, ClusterNode.Role role,
      List<HostPort> members) {
    return ClusterNode.start(config(clusterName, nodeId, members, Map.of()), role, smallVertx());
  }

  /** Few threads per member: a test JVM holds several. */
  static VertxOptions smallVertx() {
    return new VertxOptions().setEventLoopPoolSize(2).setWorkerPoolSize(4).setInternalBlockingPoolSize(2);
  }

  static HostPort address(ClusterNode node) {
    return new HostPort("127.0.0.1", node.port());
  }

  static <T> T await(Future<T> future) {
    try {
      return future.toCompletionStage().toCompletableFuture().get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  /** Like {@code kill -9} as far as the other members can tell: no goodbye, connections just close. */
  static void kill(ClusterNode node) {
    node.hazelcast().getLifecycleService().terminate();
    closeQuietly(node);
  }

  /** Closes a member, tolerating one that was killed or already closed; bounded in time. */
  static void closeQuietly(ClusterNode node) {
    if (node == null) {
      return;
    }
    try {
      node.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      // Killed members cannot leave cleanly; their threads are daemon threads.
    }
  }

  static void closeAll(List<ClusterNode> nodes) {
    nodes.parallelStream().forEach(ClusterTestSupport::closeQuietly);
  }
}
