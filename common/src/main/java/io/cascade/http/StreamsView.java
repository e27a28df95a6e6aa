package io.cascade.http;

import io.cascade.cluster.StreamRecord;
import io.cascade.cluster.StreamRegistry;
import io.cascade.cluster.ViewerDirectory;
import io.cascade.cluster.ViewerDirectory.NodeViewers;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The cluster-wide stream list behind {@code /api/v1/streams}: registry records (owner, codecs,
 * uptime) joined with every node's viewer report (players per edge, ingest bitrate, the tree of
 * nodes serving the stream: {@link StreamTree}).
 */
public final class StreamsView {
  private final StreamRegistry registry;
  private final ViewerDirectory viewers;

  public StreamsView(StreamRegistry registry, ViewerDirectory viewers) {
    this.registry = registry;
    this.viewers = viewers;
  }

  public Future<JsonArray> all() {
    return Future.all(registry.list(), viewers.all()).map(cf -> {
      List<StreamRecord> records = cf.resultAt(0);
      Map<String, NodeViewers> reports = cf.resultAt(1);
      JsonArray out = new JsonArray();
      records.stream().sorted((a, b) -> a.key().compareTo(b.key())).forEach(r -> out.add(describe(r, reports)));
      return out;
    });
  }

  /** One stream, or empty when no live owner holds the key. */
  public Future<Optional<JsonObject>> one(String key) {
    return Future.all(registry.lookup(key), viewers.all()).map(cf -> {
      Optional<StreamRecord> record = cf.resultAt(0);
      Map<String, NodeViewers> reports = cf.resultAt(1);
      return record.map(r -> describe(r, reports));
    });
  }

  private static JsonObject describe(StreamRecord r, Map<String, NodeViewers> reports) {
    JsonObject perNode = new JsonObject();
    int total = 0;
    long ingest = 0;
    for (NodeViewers n : reports.values()) {
      Integer players = n.players().get(r.key());
      if (players != null && players > 0) {
        perNode.put(n.node(), new JsonObject().put("role", n.role()).put("players", players));
        total += players;
      }
      if (n.node().equals(r.ownerNode())) {
        ingest = n.ingestBitrate().getOrDefault(r.key(), 0L);
      }
    }
    StreamTree.Tree tree = StreamTree.of(r.key(), r.ownerNode(), reports.values());
    return new JsonObject()
        .put("key", r.key())
        .put("owner", new JsonObject()
            .put("node", r.ownerNode())
            .put("member", r.ownerMember())
            .put("relay", r.relayHost() + ":" + r.relayPort()))
        .put("epoch", r.epoch())
        .put("startedAt", r.startedAt())
        .put("uptimeSeconds", Math.max(0, (System.currentTimeMillis() - r.startedAt()) / 1000))
        .put("videoCodec", r.videoCodec())
        .put("audioCodec", r.audioCodec())
        .put("ingestBitrate", ingest)
        .put("viewers", total)
        .put("viewersByNode", perNode)
        .put("tree", tree.root())
        .put("detached", tree.detached());
  }
}
