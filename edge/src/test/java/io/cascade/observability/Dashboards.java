package io.cascade.observability;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cascade's Grafana dashboards, written as code so every panel's query is one line to review and
 * the JSON stays uniform: {@code grafana/dashboards/*.json} is this class's output (regenerate
 * with {@code ./mvnw -pl edge test-compile exec:java -Dexec.mainClass=io.cascade.observability.Dashboards
 * -Dexec.classpathScope=test}; DashboardsTest fails when the files and this class differ).
 *
 * <p>Every panel reads the data source from the {@code datasource} template variable: no
 * data-source UID is written into the JSON, so the dashboards import into any Grafana.
 */
public final class Dashboards {
  static final String DS = "${datasource}";

  private Dashboards() {
  }

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args.length > 0 ? args[0] : "grafana/dashboards");
    Files.createDirectories(dir);
    for (Map.Entry<String, JsonObject> e : all().entrySet()) {
      Files.writeString(dir.resolve(e.getKey()), render(e.getValue()));
    }
  }

  /** File name → dashboard. */
  public static Map<String, JsonObject> all() {
    Map<String, JsonObject> out = new LinkedHashMap<>();
    out.put("cascade-cluster-overview.json", clusterOverview());
    out.put("cascade-edge-fanout.json", edgeFanout());
    out.put("cascade-origin-ingest.json", originIngest());
    out.put("cascade-stream-detail.json", streamDetail());
    out.put("cascade-hls.json", hls());
    return out;
  }

  public static String render(JsonObject dashboard) {
    return dashboard.encodePrettily() + "\n";
  }

  static JsonObject clusterOverview() {
    Board b = new Board("cascade-cluster-overview", "Cascade / Cluster overview",
        "Streams, publishers, players per edge, bit rates and cluster membership.");
    b.stat("Live streams", "sum(cascade_streams_active{role=\"origin\"})", "short");
    b.stat("Publishers", "sum(cascade_connections{kind=\"publisher\"})", "short");
    b.stat("Players", "sum(cascade_players_active{kind=\"player\"})", "short");
    b.stat("Cluster members", "max(cascade_cluster_members)", "short");
    b.stat("Nodes ready", "sum(cascade_node_ready)", "short");
    b.stat("Streams in registry", "max(cascade_registry_streams)", "short");
    b.series("Players per edge", "short",
        target("sum by (node) (cascade_players_active{role=\"edge\", kind=\"player\"})", "{{node}}"));
    b.series("Ingress bit rate (encoders into origins)", "bps",
        target("sum by (node) (rate(cascade_received_bytes_total{role=\"origin\"}[$__rate_interval])) * 8", "{{node}}"));
    b.series("Egress bit rate by role", "bps",
        target("sum by (role) (rate(cascade_sent_bytes_total[$__rate_interval])) * 8", "{{role}}"));
    // The tree of edges (edge.tier): what each level sends, where pulls come from, and pulls that moved.
    b.series("Egress bit rate by tier (origin, parent, leaf)", "bps",
        target("sum by (tier) (rate(cascade_sent_bytes_total[$__rate_interval])) * 8", "{{tier}}"));
    b.series("Relays served by tier (origin: one per stream when parents are up)", "short",
        target("sum by (tier) (cascade_players_active{kind=\"relay\"})", "{{tier}}"));
    b.series("Edge pulls by tier and source", "short",
        target("sum by (tier, source) (cascade_upstream_sources)", "{{tier}} from {{source}}"));
    b.series("Re-homes (leaf pulls moved off a parent that left or failed)", "short",
        target("sum by (node) (increase(cascade_upstream_rehomes_total[$__rate_interval]))", "{{node}}"));
    b.series("Fan-out lag p99 by role", "s",
        target("histogram_quantile(0.99, sum by (role, le) (rate(cascade_edge_fanout_lag_seconds_bucket[$__rate_interval])))",
            "{{role}} p99"));
    b.series("Nodes ready / draining", "short",
        target("sum by (role) (cascade_node_ready)", "ready {{role}}"),
        target("sum by (role) (cascade_node_draining)", "draining {{role}}"));
    b.series("Cluster members as each node sees them", "short",
        target("cascade_cluster_members", "{{node}}"));
    b.series("Limits hit (connections closed, publishes and plays refused)", "short",
        target("sum by (node, limit) (increase(cascade_limits_hit_total[$__rate_interval]))", "{{node}} {{limit}}"));
    return b.json();
  }

  static JsonObject edgeFanout() {
    Board b = new Board("cascade-edge-fanout", "Cascade / Edge fan-out",
        "Fan-out lag per edge, drops and slow players, upstream health and failovers.");
    b.series("Fan-out lag p50 / p99 per edge", "s",
        target("histogram_quantile(0.5, sum by (node, le) (rate(cascade_edge_fanout_lag_seconds_bucket{role=\"edge\"}[$__rate_interval])))",
            "p50 {{node}}"),
        target("histogram_quantile(0.99, sum by (node, le) (rate(cascade_edge_fanout_lag_seconds_bucket{role=\"edge\"}[$__rate_interval])))",
            "p99 {{node}}"));
    b.heatmap("Fan-out lag heatmap (edges)",
        "sum by (le) (increase(cascade_edge_fanout_lag_seconds_bucket{role=\"edge\"}[$__rate_interval]))");
    b.series("Ingest lag p99 (encoder to player) per edge", "s",
        target("histogram_quantile(0.99, sum by (node, le) (rate(cascade_stream_ingest_lag_seconds_bucket{role=\"edge\"}[$__rate_interval])))",
            "p99 {{node}}"));
    b.series("Frames dropped per second by reason", "short",
        target("sum by (node, reason) (rate(cascade_frames_dropped_total{role=\"edge\"}[$__rate_interval]))", "{{node}} {{reason}}"));
    b.series("Slow players disconnected", "short",
        target("sum by (node) (increase(cascade_players_slow_disconnects_total{role=\"edge\"}[$__rate_interval]))", "{{node}}"));
    b.series("Players queue bytes", "bytes",
        target("sum by (node) (cascade_subscriber_queue_bytes{role=\"edge\"})", "{{node}}"));
    b.series("Upstream pulls", "short",
        target("sum by (node) (cascade_upstream_pulls_active)", "active {{node}}"),
        target("sum by (node) (rate(cascade_upstream_pulls_failed_total[$__rate_interval]))", "failed/s {{node}}"));
    b.series("Upstreams lost and reconnected", "short",
        target("sum by (node) (increase(cascade_upstream_lost_total[$__rate_interval]))", "lost {{node}}"),
        target("sum by (node) (increase(cascade_upstream_reconnects_total[$__rate_interval]))", "reconnected {{node}}"));
    b.series("Failover duration p99 (upstream lost to frames flowing)", "s",
        target("histogram_quantile(0.99, sum by (node, le) (rate(cascade_upstream_failover_seconds_bucket[$__rate_interval])))",
            "p99 {{node}}"));
    b.series("Egress bit rate per edge", "bps",
        target("sum by (node) (rate(cascade_sent_bytes_total{role=\"edge\"}[$__rate_interval])) * 8", "{{node}}"));
    b.series("Event-loop delay", "s", target("cascade_eventloop_delay_seconds{role=\"edge\"}", "{{node}}"));
    return b.json();
  }

  static JsonObject originIngest() {
    Board b = new Board("cascade-origin-ingest", "Cascade / Origin ingest",
        "Publishers, ingest rates, refusals, handshakes and the stream registry.");
    b.series("Publishers per origin", "short",
        target("sum by (node) (cascade_connections{role=\"origin\", kind=\"publisher\"})", "{{node}}"));
    b.series("Ingest bit rate per origin", "bps", target("cascade_ingest_bitrate{role=\"origin\"}", "{{node}}"));
    b.series("Messages received per second", "short",
        target("sum by (node) (rate(cascade_ingest_frames_total{role=\"origin\"}[$__rate_interval]))", "{{node}}"));
    b.series("Publishes started / ended", "short",
        target("sum by (app) (increase(cascade_publishes_started_total{role=\"origin\"}[$__rate_interval]))", "started {{app}}"),
        target("sum by (app) (increase(cascade_publishes_ended_total{role=\"origin\"}[$__rate_interval]))", "ended {{app}}"));
    b.series("Relays to edges", "short",
        target("sum by (node) (cascade_players_active{role=\"origin\", kind=\"relay\"})", "{{node}}"));
    b.series("Refused publishes and plays", "short",
        target("sum by (action, reason) (increase(cascade_auth_failures_total[$__rate_interval]))", "{{action}} {{reason}}"));
    b.series("Handshake failures by reason", "short",
        target("sum by (reason) (increase(cascade_handshake_failures_total[$__rate_interval]))", "{{reason}}"));
    b.series("Connections closed by reason", "short",
        target("sum by (reason) (increase(cascade_connections_closed_total{role=\"origin\"}[$__rate_interval]))", "{{reason}}"));
    b.series("Registry operation p99", "s",
        target("histogram_quantile(0.99, sum by (op, le) (rate(cascade_registry_operation_seconds_bucket{role=\"origin\"}[$__rate_interval])))",
            "{{op}}"));
    b.series("GOP cache bytes", "bytes", target("cascade_gop_cache_bytes{role=\"origin\"}", "{{node}}"));
    b.series("Heap used", "bytes",
        target("sum by (node) (jvm_memory_used_bytes{role=\"origin\", area=\"heap\"})", "{{node}}"));
    b.series("Netty direct memory", "bytes", target("cascade_netty_direct_memory_bytes", "{{node}}"));
    // Recording meters exist (at 0) on every origin; upload meters only with recording.s3.enabled, so none here.
    b.row("Recording");
    b.series("Recordings in progress per origin", "short",
        target("sum by (node) (cascade_recording_active{role=\"origin\"})", "{{node}}"));
    b.series("Recording write rate per origin", "bps",
        target("sum by (node) (rate(cascade_recording_bytes_total{role=\"origin\"}[$__rate_interval])) * 8", "{{node}}"));
    b.series("Segments recorded and media dropped (recording.maxPendingBytes)", "short",
        target("sum by (node) (increase(cascade_recording_segments_total{role=\"origin\"}[$__rate_interval]))",
            "segments {{node}}"),
        target("sum by (node) (increase(cascade_recording_dropped_bytes_total{role=\"origin\"}[$__rate_interval]))",
            "bytes dropped {{node}}"));
    b.series("Recording disk use per origin (recording.maxBytes)", "bytes",
        target("sum by (node) (cascade_recording_disk_bytes{role=\"origin\"})", "{{node}}"));
    b.series("Recording errors by reason and quota deletions", "short",
        target("sum by (reason) (increase(cascade_recording_errors_total{role=\"origin\"}[$__rate_interval]))",
            "error {{reason}}"),
        target("sum(increase(cascade_recording_quota_deletions_total{role=\"origin\"}[$__rate_interval]))",
            "quota deletions"));
    b.series("Recording API requests refused by reason", "short",
        target("sum by (reason) (increase(cascade_recording_api_refused_total{role=\"origin\"}[$__rate_interval]))",
            "{{reason}}"));
    return b.json();
  }

  static JsonObject streamDetail() {
    Board b = new Board("cascade-stream-detail", "Cascade / Stream detail",
        "One stream across the cluster; needs metrics.perStream: true on the nodes.");
    b.variable(new JsonObject()
        .put("name", "stream").put("label", "Stream").put("type", "query")
        .put("datasource", datasource())
        .put("query", new JsonObject().put("query", "label_values(cascade_stream_players, stream)").put("refId", "StandardVariableQuery"))
        .put("definition", "label_values(cascade_stream_players, stream)")
        .put("refresh", 2).put("sort", 1).put("includeAll", false).put("multi", false));
    b.series("Players and relays per node", "short",
        target("sum by (node) (cascade_stream_players{stream=\"$stream\"})", "{{node}}"));
    b.series("Ingest bit rate", "bps",
        target("max by (node) (cascade_stream_ingest_bitrate{stream=\"$stream\"})", "{{node}}"));
    b.series("Fan-out lag p50 / p99 per node", "s",
        target("histogram_quantile(0.5, sum by (node, le) (rate(cascade_stream_fanout_lag_seconds_bucket{stream=\"$stream\"}[$__rate_interval])))",
            "p50 {{node}}"),
        target("histogram_quantile(0.99, sum by (node, le) (rate(cascade_stream_fanout_lag_seconds_bucket{stream=\"$stream\"}[$__rate_interval])))",
            "p99 {{node}}"));
    b.series("Bytes received per second", "Bps",
        target("sum by (node) (rate(cascade_stream_received_bytes_total{stream=\"$stream\"}[$__rate_interval]))", "{{node}}"));
    return b.json();
  }

  static JsonObject hls() {
    Board b = new Board("cascade-hls", "Cascade / LL-HLS",
        "Part availability, blocking reloads, HLS requests and viewers, egress by protocol.");
    b.series("Part availability p50 / p99 per node (part's media in to part listed)", "s",
        target("histogram_quantile(0.5, sum by (node, le) (rate(cascade_hls_part_latency_seconds_bucket[$__rate_interval])))",
            "p50 {{node}}"),
        target("histogram_quantile(0.99, sum by (node, le) (rate(cascade_hls_part_latency_seconds_bucket[$__rate_interval])))",
            "p99 {{node}}"),
        target("histogram_quantile(0.99, sum by (node, le) (rate(cascade_hls_part_delay_seconds_bucket[$__rate_interval])))",
            "p99 node's share {{node}}"));
    b.series("Blocking reload wait p99 by outcome", "s",
        target("histogram_quantile(0.99, sum by (outcome, le) (rate(cascade_hls_block_wait_seconds_bucket[$__rate_interval])))",
            "p99 {{outcome}}"));
    b.series("HLS requests per second by kind and status", "reqps",
        target("sum by (kind, status) (rate(cascade_hls_requests_total[$__rate_interval]))", "{{kind}} {{status}}"));
    b.series("HLS requests refused by reason", "short",
        target("sum by (reason) (increase(cascade_hls_refused_total[$__rate_interval]))", "{{reason}}"));
    b.series("HLS viewers and waiting requests per node", "short",
        target("sum by (node) (cascade_hls_viewers)", "viewers {{node}}"),
        target("sum by (node) (cascade_hls_blocked)", "waiting {{node}}"));
    b.series("Egress bit rate by protocol", "bps",
        target("sum by (protocol) (rate(cascade_sent_bytes_total[$__rate_interval])) * 8", "{{protocol}}"));
    b.series("Segments dropped from HLS windows", "short",
        target("sum by (node, reason) (increase(cascade_hls_window_dropped_total[$__rate_interval]))", "{{node}} {{reason}}"));
    return b.json();
  }

  static JsonObject datasource() {
    return new JsonObject().put("type", "prometheus").put("uid", DS);
  }

  static JsonObject target(String expr, String legend) {
    return new JsonObject().put("datasource", datasource()).put("expr", expr).put("legendFormat", legend)
        .put("range", true);
  }

  /** A dashboard being assembled: panels flow left to right in rows of 24 grid units. */
  private static final class Board {
    private final JsonObject json;
    private final JsonArray panels = new JsonArray();
    private final List<JsonObject> variables = new ArrayList<>();
    private int x;
    private int y;
    private int rowHeight;

    Board(String uid, String title, String description) {
      json = new JsonObject()
          .put("uid", uid).put("title", title).put("description", description)
          .put("tags", new JsonArray().add("cascade")).put("editable", true)
          .put("schemaVersion", 39).put("version", 1).put("refresh", "30s").put("timezone", "browser")
          .put("time", new JsonObject().put("from", "now-1h").put("to", "now"))
          .put("annotations", new JsonObject().put("list", new JsonArray()));
      variables.add(new JsonObject()
          .put("name", "datasource").put("label", "Data source").put("type", "datasource")
          .put("query", "prometheus").put("refresh", 1).put("hide", 0));
    }

    void variable(JsonObject v) {
      variables.add(v);
    }

    void stat(String title, String expr, String unit) {
      place(panel("stat", title, unit, 4, 4).put("targets", new JsonArray().add(target(expr, title).put("refId", "A"))));
    }

    void series(String title, String unit, JsonObject... targets) {
      JsonArray t = new JsonArray();
      char ref = 'A';
      for (JsonObject target : targets) {
        t.add(target.put("refId", String.valueOf(ref++)));
      }
      place(panel("timeseries", title, unit, 12, 8).put("targets", t));
    }

    /** A row header across the board; the panels after it are its own (it has no query). */
    void row(String title) {
      place(new JsonObject()
          .put("id", panels.size() + 1).put("type", "row").put("title", title).put("collapsed", false)
          .put("gridPos", new JsonObject().put("w", 24).put("h", 1))
          .put("panels", new JsonArray()));
    }

    void heatmap(String title, String expr) {
      JsonObject target = target(expr, "{{le}}").put("format", "heatmap").put("refId", "A");
      place(panel("heatmap", title, "s", 12, 8)
          .put("targets", new JsonArray().add(target))
          .put("options", new JsonObject().put("calculate", false)
              .put("yAxis", new JsonObject().put("unit", "s"))
              .put("cellGap", 1)));
    }

    private JsonObject panel(String type, String title, String unit, int w, int h) {
      return new JsonObject()
          .put("id", panels.size() + 1).put("type", type).put("title", title)
          .put("datasource", datasource())
          .put("gridPos", new JsonObject().put("w", w).put("h", h))
          .put("fieldConfig", new JsonObject().put("defaults", new JsonObject().put("unit", unit)).put("overrides", new JsonArray()));
    }

    private void place(JsonObject panel) {
      JsonObject pos = panel.getJsonObject("gridPos");
      int w = pos.getInteger("w");
      if (x + w > 24) {
        x = 0;
        y += rowHeight;
        rowHeight = 0;
      }
      pos.put("x", x).put("y", y);
      x += w;
      rowHeight = Math.max(rowHeight, pos.getInteger("h"));
      panels.add(panel);
    }

    JsonObject json() {
      JsonArray list = new JsonArray();
      variables.forEach(list::add);
      return json.put("templating", new JsonObject().put("list", list)).put("panels", panels);
    }
  }
}
