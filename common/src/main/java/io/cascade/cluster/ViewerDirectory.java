package io.cascade.cluster;

import io.vertx.core.Future;
import java.util.Map;

/**
 * Where each node tells the cluster how many players it serves per stream, so the API can show
 * viewers per edge. Entries expire on their own when a node stops refreshing them.
 */
public interface ViewerDirectory {

  /**
   * One node's report: its role, players per stream key, and for streams it ingests (an origin's
   * publishers) the ingest bitrate in bits per second.
   */
  record NodeViewers(String node, String role, Map<String, Integer> players, Map<String, Long> ingestBitrate,
      long reportedAt) {
  }

  /** Replaces this node's report. */
  Future<Void> report(NodeViewers viewers);

  /** Every node's latest report, by node id. */
  Future<Map<String, NodeViewers>> all();
}
