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
    JsonObject players = new JsonObject();
    viewers.players().forEach(players::put);
    JsonObject ingest = new JsonObject();
    viewers.ingestBitrate().forEach(ingest::put);
    String json = new JsonObject()
        .put("node", viewers.node())
        .put("role", viewers.role())
        .put("players", players)
        .put("ingestBitrate", ingest)
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
        JsonObject j = new JsonObject(e.getValue());
        Map<String, Integer> players = new HashMap<>();
        JsonObject p = j.getJsonObject("players", new JsonObject());
        for (String k : p.fieldNames()) {
          players.put(k, p.getInteger(k, 0));
        }
        Map<String, Long> ingest = new HashMap<>();
        JsonObject b = j.getJsonObject("ingestBitrate", new JsonObject());
        for (String k : b.fieldNames()) {
          ingest.put(k, b.getLong(k, 0L));
        }
        out.put(e.getKey(), new NodeViewers(j.getString("node"), j.getString("role"), players, ingest,
            j.getLong("reportedAt", 0L)));
      }
      return out;
    }, false);
  }
}
