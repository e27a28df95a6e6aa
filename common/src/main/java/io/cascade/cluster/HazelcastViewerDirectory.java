package io.cascade.cluster;

import com.hazelcast.map.IMap;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * {@link ViewerDirectory} over the IMap {@code cascade.viewers}: one JSON entry per node with a
 * time to live of three report intervals, so a crashed node's counts vanish without cleanup.
 */
public final class HazelcastViewerDirectory implements ViewerDirectory {
  public static final String MAP_NAME = "cascade.viewers";

  private final Vertx vertx;
  private final IMap<String, String> map;
  private final long ttlMillis;

  public HazelcastViewerDirectory(Vertx vertx, IMap<String, String> map, Duration reportInterval) {
    this.vertx = vertx;
    this.map = map;
    this.ttlMillis = Math.max(3000, reportInterval.toMillis() * 3);
  }

  @Override
  public Future<Void> report(NodeViewers viewers) {
    String json = new JsonObject()
        .put("node", viewers.node())
        .put("role", viewers.role())
        .put("tier", viewers.tier())
        .put("players", new JsonObject(Map.copyOf(viewers.players())))
        .put("relays", new JsonObject(Map.copyOf(viewers.relays())))
        .put("upstreams", new JsonObject(Map.copyOf(viewers.upstreams())))
        .put("ingestBitrate", new JsonObject(Map.copyOf(viewers.ingestBitrate())))
        .put("reportedAt", viewers.reportedAt())
        .encode();
    return vertx.executeBlocking(() -> {
      map.set(viewers.node(), json, ttlMillis, TimeUnit.MILLISECONDS);
      return null;
    }, false);
  }

  @Override
  public Future<Map<String, NodeViewers>> all() {
    return vertx.executeBlocking(() -> {
      Map<String, NodeViewers> out = new HashMap<>();
      for (Map.Entry<String, String> e : map.entrySet()) {
        out.put(e.getKey(), parse(e.getValue()));
      }
      return out;
    }, false);
  }

  /** A report as {@link #report} wrote it; fields a node of an earlier version did not write read as empty. */
  static NodeViewers parse(String text) {
    JsonObject j = new JsonObject(text);
    Map<String, Integer> players = new HashMap<>();
    Map<String, Integer> relays = new HashMap<>();
    Map<String, String> upstreams = new HashMap<>();
    Map<String, Long> ingest = new HashMap<>();
    JsonObject p = j.getJsonObject("players", new JsonObject());
    p.fieldNames().forEach(k -> players.put(k, p.getInteger(k, 0)));
    JsonObject r = j.getJsonObject("relays", new JsonObject());
    r.fieldNames().forEach(k -> relays.put(k, r.getInteger(k, 0)));
    JsonObject u = j.getJsonObject("upstreams", new JsonObject());
    u.fieldNames().forEach(k -> upstreams.put(k, u.getString(k)));
    JsonObject b = j.getJsonObject("ingestBitrate", new JsonObject());
    b.fieldNames().forEach(k -> ingest.put(k, b.getLong(k, 0L)));
    return new NodeViewers(j.getString("node"), j.getString("role"), j.getString("tier"), players, relays, upstreams,
        ingest, j.getLong("reportedAt", 0L));
  }
}
