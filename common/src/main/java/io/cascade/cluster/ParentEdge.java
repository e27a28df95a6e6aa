package io.cascade.cluster;

import io.vertx.core.json.JsonObject;

/**
 * A parent edge as it announces itself to the cluster: leaves pull from it at {@code host:port}.
 *
 * @param member the parent's cluster member id ({@code ClusterNode.memberId()}); the announcement
 *     lives as long as that member does, and the rendezvous hash weighs it
 * @param node the parent's node id (for people and logs)
 * @param host the address leaves connect to (the parent's advertised host)
 * @param port the parent's RTMP port
 */
public record ParentEdge(String member, String node, String host, int port) {

  public JsonObject toJson() {
    return new JsonObject().put("member", member).put("node", node).put("host", host).put("port", port);
  }

  /** The announcement in {@code json}, or null for text that is not one. */
  public static ParentEdge fromJson(String json) {
    try {
      JsonObject j = new JsonObject(json);
      ParentEdge p = new ParentEdge(j.getString("member"), j.getString("node"), j.getString("host"),
          j.getInteger("port", 0));
      return p.member() == null || p.host() == null || p.port() <= 0 ? null : p;
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** {@code host:port}, for logs. */
  public String address() {
    return host + ":" + port;
  }
}
