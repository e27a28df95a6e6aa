package io.cascade.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.http.HttpResponse;
import java.util.Optional;

/**
 * Reads a node's HTTP API: {@code GET /api/v1/streams} (the cluster-wide list, with the node's
 * own streams under {@code local}) and {@code GET /api/v1/streams/{app}/{stream}}.
 */
final class Api {
  private Api() {
  }

  /** What one node says about one key. */
  record Lookup(int status, JsonObject body) {
    boolean live() {
      return status == 200;
    }

    /** Answered, and the key is not live: the registry holds no record with a live owner. */
    boolean absent() {
      return status == 404;
    }

    String ownerNode() {
      return live() ? body.getJsonObject("owner").getString("node") : null;
    }

    long epoch() {
      return live() ? body.getLong("epoch") : -1;
    }
  }

  /** {@code GET /api/v1/streams/{key}}; status -1 when the node does not answer. */
  static Lookup stream(HttpNode node, String key) {
    HttpResponse<String> r = node.get("/api/v1/streams/" + key);
    if (r == null) {
      return new Lookup(-1, null);
    }
    return new Lookup(r.statusCode(), r.statusCode() == 200 ? new JsonObject(r.body()) : null);
  }

  /** The {@code streams} entry for {@code key} in the node's cluster-wide list, if listed. */
  static Optional<JsonObject> listed(HttpNode node, String key) {
    return find(node.getJson("/api/v1/streams").getJsonArray("streams"), key);
  }

  /** How many entries of the node's cluster-wide list carry {@code key} (a registry has at most one). */
  static long listedCount(HttpNode node, String key) {
    JsonArray list = node.getJson("/api/v1/streams").getJsonArray("streams");
    return list.stream().filter(o -> o instanceof JsonObject j && key.equals(j.getString("key"))).count();
  }

  /** The node's own {@code local} entry for {@code key}, if it has one. */
  static Optional<JsonObject> local(HttpNode node, String key) {
    return find(node.getJson("/api/v1/streams").getJsonArray("local"), key);
  }

  /**
   * Players the node itself serves on {@code key}; on an origin that includes every edge's relay
   * pull, so with players only on edges it counts upstreams. -1 when the node does not answer.
   */
  static int localPlayers(HttpNode node, String key) {
    HttpResponse<String> r = node.get("/api/v1/streams");
    if (r == null || r.statusCode() != 200) {
      return -1;
    }
    return find(new JsonObject(r.body()).getJsonArray("local"), key).map(j -> j.getInteger("players", 0)).orElse(0);
  }

  /**
   * The stream's tree as {@code GET /api/v1/streams/{key}} on {@code node} gives it, in one line:
   * {@code node(tier players/relays)[children]}, with {@code detached[...]} after it when any; null
   * when the stream is not live there.
   */
  static String tree(HttpNode node, String key) {
    Lookup l = stream(node, key);
    if (!l.live()) {
      return null;
    }
    String tree = shape(l.body().getJsonObject("tree"));
    JsonArray detached = l.body().getJsonArray("detached", new JsonArray());
    return detached.isEmpty() ? tree : tree + " detached" + shapes(detached);
  }

  private static String shape(JsonObject n) {
    return n.getString("node") + "(" + n.getString("tier", n.getString("role")) + " " + n.getInteger("players") + "/"
        + n.getInteger("relays") + ")" + shapes(n.getJsonArray("children"));
  }

  private static String shapes(JsonArray nodes) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < nodes.size(); i++) {
      b.append(i == 0 ? "" : ",").append(shape(nodes.getJsonObject(i)));
    }
    return b.append("]").toString();
  }

  private static Optional<JsonObject> find(JsonArray list, String key) {
    if (list == null) {
      return Optional.empty();
    }
    for (int i = 0; i < list.size(); i++) {
      JsonObject j = list.getJsonObject(i);
      if (key.equals(j.getString("key"))) {
        return Optional.of(j);
      }
    }
    return Optional.empty();
  }
}
