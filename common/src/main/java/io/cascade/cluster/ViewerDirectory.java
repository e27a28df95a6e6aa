package io.cascade.cluster;

import io.vertx.core.Future;
import java.util.Map;

/**
 * Where each node tells the cluster how many players it serves per stream, so the API can show
 * viewers per edge. Entries expire on their own when a node stops refreshing them.
 */
public interface ViewerDirectory {

  /**
   * One node's report, per stream key where it has any.
   *
   * @param role {@code origin} or {@code edge}
   * @param tier an edge's tier ({@code parent} or {@code leaf}); null for an origin
   * @param players everything the node serves: players and relays (other nodes pulling from it)
   * @param relays of those, the relays
   * @param upstreams the node the stream is pulled from (an edge's origin or parent), while a pull plays
   * @param ingestBitrate for streams published on the node (an origin's), bits per second
   */
  record NodeViewers(String node, String role, String tier, Map<String, Integer> players, Map<String, Integer> relays,
      Map<String, String> upstreams, Map<String, Long> ingestBitrate, long reportedAt) {
  }

  /** Replaces this node's report. */
  Future<Void> report(NodeViewers viewers);

  /** Every node's latest report, by node id. */
  Future<Map<String, NodeViewers>> all();
}
