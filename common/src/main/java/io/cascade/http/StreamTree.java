package io.cascade.http;

import io.cascade.cluster.ViewerDirectory.NodeViewers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The tree of nodes that serve one stream, drawn from the nodes' viewer reports alone: the owning
 * origin at the root, every edge under the node it says it pulls the stream from (an origin or a
 * parent edge), each with its own players and relays.
 *
 * <p>Reports are a few seconds old and refreshed at different moments, so during a failover or a
 * re-home an edge may name an upstream that is not (or no longer) in the tree, or none while it
 * reconnects; such an edge and whatever pulls from it are listed under {@code detached} rather
 * than guessed into place.
 */
final class StreamTree {
  /** The tree's root object and the nodes that serve the stream but hang from no node in it. */
  record Tree(JsonObject root, JsonArray detached) {
  }

  private final String key;
  private final Map<String, NodeViewers> members = new TreeMap<>();
  private final Map<String, List<String>> pullers = new HashMap<>();
  private final Set<String> placed = new HashSet<>();

  private StreamTree(String key) {
    this.key = key;
  }

  /** The tree of {@code key} as the owner {@code ownerNode} and {@code reports} describe it. */
  static Tree of(String key, String ownerNode, Collection<NodeViewers> reports) {
    StreamTree t = new StreamTree(key);
    for (NodeViewers n : reports) {
      if (n.node().equals(ownerNode) || n.players().getOrDefault(key, 0) > 0 || n.upstreams().containsKey(key)) {
        t.members.put(n.node(), n);
      }
    }
    for (NodeViewers n : t.members.values()) {
      String upstream = n.upstreams().get(key);
      if (upstream != null && !n.node().equals(ownerNode)) {
        t.pullers.computeIfAbsent(upstream, u -> new ArrayList<>()).add(n.node());
      }
    }
    JsonObject root = t.place(ownerNode);
    JsonArray detached = new JsonArray();
    // Roots first (no upstream, or one outside the tree), so a detached parent keeps its leaves under it.
    for (String node : t.members.keySet()) {
      String upstream = t.members.get(node).upstreams().get(key);
      if (!t.placed.contains(node) && (upstream == null || !t.members.containsKey(upstream))) {
        detached.add(t.place(node).put("upstream", upstream));
      }
    }
    for (String node : t.members.keySet()) {
      if (!t.placed.contains(node)) {
        detached.add(t.place(node).put("upstream", t.members.get(node).upstreams().get(key)));
      }
    }
    return new Tree(root, detached);
  }

  /** {@code node} and, below it, every node that pulls from it and is not placed yet. */
  private JsonObject place(String node) {
    placed.add(node);
    NodeViewers n = members.get(node);
    int served = n == null ? 0 : n.players().getOrDefault(key, 0);
    int relays = n == null ? 0 : n.relays().getOrDefault(key, 0);
    JsonObject out = new JsonObject()
        .put("node", node)
        .put("role", n == null ? "origin" : n.role());
    if (n != null && n.tier() != null) {
      out.put("tier", n.tier());
    }
    out.put("players", Math.max(0, served - relays)).put("relays", relays);
    JsonArray children = new JsonArray();
    for (String child : pullers.getOrDefault(node, List.of()).stream().sorted().toList()) {
      if (!placed.contains(child)) {
        children.add(place(child));
      }
    }
    return out.put("children", children);
  }
}
