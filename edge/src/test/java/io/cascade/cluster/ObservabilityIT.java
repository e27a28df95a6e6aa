package io.cascade.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.RtmpClientOptions;
import io.cascade.client.SyntheticMedia;
import io.cascade.metrics.CascadeMeter;
import io.cascade.testing.Await;
import io.netty.channel.EventLoopGroup;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.yaml.snakeyaml.Yaml;

/**
 * Metrics of running nodes under real traffic: an origin with a publisher, an edge with four
 * players of which one stops reading, a refused relay pull. The scrapes carry every documented
 * meter with its documented type and values that match what the test did; a real Prometheus
 * scraping both nodes answers every dashboard panel's query with data and evaluates every alert
 * rule without error.
 */
class ObservabilityIT {
  private static final Logger log = LoggerFactory.getLogger(ObservabilityIT.class);
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(1000, 30, 1, true);
  private static final int PLAYERS = 3;

  private static Cluster cluster;
  private static EventLoopGroup loops;
  private static StampedPublisher publisher;
  private static final List<StampedPlayer> players = new ArrayList<>();
  private static StampedPlayer throttled;
  /** An LL-HLS viewer on the edge, so the HLS meters and the LL-HLS dashboard have traffic. */
  private static HlsPoller hls;
  private static String key;

  @BeforeAll
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  static void startTraffic() throws Exception {
    loops = Streams.clientLoops();
    cluster = Cluster.builder("observe").origins(1).edges(1).env("CASCADE_METRICS_PER_STREAM", "true")
        .edgeEnv("CASCADE_LIVE_SUBSCRIBER_MAX_BEHIND_DURATION", "6s").start();
    ClusterProcess origin = cluster.origin(0);
    ClusterProcess edge = cluster.edge(0);
    String stream = Streams.unique("observe");
    key = Streams.key(stream);
    publisher = StampedPublisher.start(loops, origin.rtmpUrl(Streams.APP, stream), PROFILE, Duration.ofSeconds(300),
        "publisher");
    for (int i = 0; i < PLAYERS; i++) {
      players.add(StampedPlayer.play(loops, edge.rtmpUrl(Streams.APP, stream), "player-" + i));
    }
    // A player on a thin link that stops reading: a 16 KiB receive window fills in a moment.
    throttled = StampedPlayer.play(loops, edge.rtmpUrl(Streams.APP, stream), "throttled",
        new RtmpClientOptions().receiveBufferSize(16 * 1024));
    for (StampedPlayer p : players) {
      p.started().get(20, TimeUnit.SECONDS);
    }
    throttled.started().get(20, TimeUnit.SECONDS);
    throttled.client().autoRead(false);
    // A relay pull without a valid cluster token: refused by the origin.
    StampedPlayer intruder = StampedPlayer.play(loops,
        origin.rtmpUrl(Streams.APP, stream + "?cascade_relay=1.00"), "intruder");
    try {
      intruder.started().get(10, TimeUnit.SECONDS);
      throw new AssertionError("the origin accepted a relay pull with a forged token");
    } catch (ExecutionException expected) {
      log.info("forged relay pull refused: {}", expected.getCause().toString());
    } finally {
      intruder.close();
    }
    for (StampedPlayer p : players) {
      Await.until(Duration.ofSeconds(20), p.name + " receiving", () -> p.videoFrames() >= 60, p::toString);
    }
    hls = HlsPoller.start(java.net.URI.create("http://127.0.0.1:" + edge.httpPort() + "/" + key + "/index.m3u8"));
    Await.until(Duration.ofSeconds(20), "the HLS viewer receiving parts", () -> hls.parts() >= 4, hls::toString);
  }

  @AfterAll
  @Timeout(value = 60, unit = TimeUnit.SECONDS)
  static void stop() {
    if (hls != null) {
      hls.close();
    }
    players.forEach(StampedPlayer::close);
    if (throttled != null) {
      throttled.close();
    }
    if (publisher != null) {
      publisher.close();
    }
    Streams.shutdown(loops);
    if (cluster != null) {
      cluster.close();
    }
  }

  static Scrape scrape(ClusterProcess node) {
    var r = node.get("/metrics");
    assertThat(r).as("/metrics of %s", node.node()).isNotNull();
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type").orElse("")).startsWith("text/plain");
    return new Scrape(r.body());
  }

  @Test
  @Timeout(value = 120, unit = TimeUnit.SECONDS)
  void scrapesCarryTheDocumentedMetersWithValuesThatMatchTheTraffic() {
    ClusterProcess origin = cluster.origin(0);
    ClusterProcess edge = cluster.edge(0);
    // The throttled player loses whole GOPs, then is cut after 6 s behind (maxBehindDuration).
    Await.until(Duration.ofSeconds(40), "the throttled player disconnected as too slow",
        () -> scrape(edge).sum("cascade_players_slow_disconnects_total") == 1, () -> throttled + "\n" + edge.logTail(5));
    Scrape o1 = scrape(origin);
    Scrape e1 = scrape(edge);
    // Traffic moves the counters; the second scrapes are taken once it has, on both nodes.
    Await.until(Duration.ofSeconds(20), "origin and edge counters moved by the traffic",
        () -> scrape(origin).sum("cascade_ingest_frames_total") > o1.sum("cascade_ingest_frames_total")
            && scrape(origin).sum("cascade_received_bytes_total") > o1.sum("cascade_received_bytes_total")
            && scrape(edge).sum("cascade_sent_bytes_total") > e1.sum("cascade_sent_bytes_total")
            && scrape(edge).sum("cascade_hls_requests_total", "kind", "part", "status", "200")
                > e1.sum("cascade_hls_requests_total", "kind", "part", "status", "200"));
    Scrape o2 = scrape(origin);
    Scrape e2 = scrape(edge);

    // Every cascade_* family is documented with its type, and every documented one is exposed.
    Map<String, String> catalog = Arrays.stream(CascadeMeter.values())
        .collect(Collectors.toMap(CascadeMeter::prometheusName, m -> m.type().prometheusType()));
    Map<String, String> exposed = new HashMap<>();
    Stream.of(o2, e2).forEach(s -> s.types.forEach((family, type) -> {
      if (family.startsWith("cascade_") && !(family.endsWith("_seconds_max") && type.equals("gauge"))) {
        exposed.put(family, type);
      }
    }));
    // Recording uploads register theirs when a node starts an uploader (recording.s3.enabled);
    // these nodes run none, and S3UploadIT checks those meters against the catalog.
    catalog.keySet().removeIf(family -> family.startsWith("cascade_recording_upload_"));
    assertThat(exposed).as("cascade meters exposed by origin and edge vs docs/METRICS.md").isEqualTo(catalog);
    assertThat(o2.types).as("Vert.x and JVM meters").containsKeys("jvm_memory_used_bytes", "process_cpu_usage");
    assertThat(o2.types.keySet().stream().anyMatch(f -> f.startsWith("vertx_"))).as("vertx_* meters").isTrue();

    // Bytes grow while the stream plays.
    assertThat(o2.sum("cascade_received_bytes_total")).isGreaterThan(o1.sum("cascade_received_bytes_total"));
    assertThat(e2.sum("cascade_sent_bytes_total")).isGreaterThan(e1.sum("cascade_sent_bytes_total"));
    assertThat(o2.sum("cascade_ingest_frames_total")).isGreaterThan(o1.sum("cascade_ingest_frames_total"));
    assertThat(o2.sum("cascade_ingest_bitrate")).as("origin ingest bit rate").isBetween(500_000.0, 3_000_000.0);

    // Players and connections are what the test opened.
    assertThat(e2.sum("cascade_players_active", "kind", "player")).isEqualTo(PLAYERS);
    assertThat(e2.sum("cascade_connections", "kind", "player")).isEqualTo(PLAYERS);
    assertThat(e2.sum("cascade_connections_closed_total", "reason", "slow_consumer")).isEqualTo(1);
    assertThat(e2.sum("cascade_plays_started_total", "kind", "player")).isEqualTo(PLAYERS + 1);
    assertThat(e2.sum("cascade_plays_ended_total", "kind", "player")).isEqualTo(1);
    assertThat(e2.sum("cascade_upstream_pulls_active")).isEqualTo(1);
    assertThat(e2.sum("cascade_streams_active")).isEqualTo(1);
    assertThat(o2.sum("cascade_players_active", "kind", "relay")).isEqualTo(1);
    assertThat(o2.sum("cascade_connections", "kind", "publisher")).isEqualTo(1);
    assertThat(o2.sum("cascade_publishes_started_total", "app", Streams.APP)).isEqualTo(1);
    assertThat(o2.sum("cascade_auth_failures_total", "action", "play", "reason", "relay_auth_failed")).isEqualTo(1);
    assertThat(o2.sum("cascade_cluster_members")).isEqualTo(2);
    assertThat(o2.sum("cascade_node_ready")).isEqualTo(1);

    // Lag: one delivered media message in RtmpMetrics.LAG_SAMPLE_EVERY per player is measured
    // (GOP-cache replays at join excepted), and the values are plausible on an idle loopback.
    double count = e2.sum("cascade_edge_fanout_lag_seconds_count", "app", Streams.APP);
    double sum = e2.sum("cascade_edge_fanout_lag_seconds_sum", "app", Streams.APP);
    long delivered = players.stream().mapToLong(StampedPlayer::mediaMessages).sum();
    assertThat(count).as("fan-out lag samples").isGreaterThan(e1.sum("cascade_edge_fanout_lag_seconds_count", "app", Streams.APP))
        .isGreaterThanOrEqualTo(0.8 * delivered / io.cascade.metrics.RtmpMetrics.LAG_SAMPLE_EVERY);
    assertThat(sum / count).as("mean fan-out lag (s)").isBetween(0.0, 1.0);
    double ingestCount = e2.sum("cascade_stream_ingest_lag_seconds_count", "app", Streams.APP);
    double ingestSum = e2.sum("cascade_stream_ingest_lag_seconds_sum", "app", Streams.APP);
    assertThat(ingestCount).as("ingest lag samples (needs the origin's clock stamps)").isGreaterThan(count * 0.5);
    assertThat(ingestSum / ingestCount).as("mean ingest lag (s)").isBetween(0.0, 1.0);
    assertThat(e2.sum("cascade_stream_fanout_lag_seconds_count", "stream", key)).isGreaterThan(0);
    // Per-stream players: the origin counts the edge's relay, the edge its RTMP players and its
    // HLS viewer (sampled every 5 s).
    Await.until(Duration.ofSeconds(15), "per-stream player gauges",
        () -> scrape(edge).sum("cascade_stream_players", "stream", key) == PLAYERS + 1
            && scrape(origin).sum("cascade_stream_players", "stream", key) == 1);

    // LL-HLS: the viewer's parts came out of the edge, each after a wait the node measured.
    assertThat(e2.sum("cascade_sent_bytes_total", "protocol", "hls")).as("HLS bytes out")
        .isGreaterThanOrEqualTo(hls.partBytes() * 0.5).isPositive();
    assertThat(e2.sum("cascade_sent_bytes_total", "protocol", "rtmp")).as("RTMP bytes out")
        .isGreaterThan(e2.sum("cascade_sent_bytes_total", "protocol", "hls"));
    assertThat(e2.sum("cascade_hls_viewers")).isEqualTo(1);
    assertThat(e2.sum("cascade_hls_requests_total", "kind", "part", "status", "200")).isPositive();
    assertThat(e2.sum("cascade_hls_block_wait_seconds_count", "outcome", "served")).as("preload-hinted parts waited for")
        .isPositive();
    assertThat(e2.sum("cascade_hls_part_latency_seconds_count")).isPositive();
    double partLatency = e2.sum("cascade_hls_part_latency_seconds_sum") / e2.sum("cascade_hls_part_latency_seconds_count");
    assertThat(partLatency).as("mean part availability (s), part target 250 ms").isBetween(0.0, 1.0);
    log.info("MEASURED observe.fanout_lag_mean_ms={} ingest_lag_mean_ms={} samples={} drops={}",
        Math.round(sum / count * 1000), Math.round(ingestSum / ingestCount * 1000), (long) count,
        (long) e2.sum("cascade_frames_dropped_total", "reason", "slow_consumer"));

    // The throttled player lost frames; the others none.
    assertThat(e2.sum("cascade_frames_dropped_total", "reason", "slow_consumer")).isGreaterThan(0);
    assertThat(e2.sum("cascade_subscriber_queue_bytes")).as("queues of players that keep up").isLessThan(1_000_000);
    for (StampedPlayer p : players) {
      assertThat(p.gaps()).as("%s", p).isZero();
    }
  }

  @Test
  @Timeout(value = 180, unit = TimeUnit.SECONDS)
  void prometheusAnswersEveryDashboardQueryAndEvaluatesEveryAlertRule() throws Exception {
    if (!PrometheusServer.available()) {
      log.warn("SKIPPED: {} or {} not installed (Debian package prometheus; .ci/run installs it)",
          PrometheusServer.BINARY, PrometheusServer.PROMTOOL);
      Assumptions.abort("prometheus not installed");
    }
    Path rules = Path.of("..", "grafana", "alerts", "cascade-rules.yaml");
    Process promtool = new ProcessBuilder(PrometheusServer.PROMTOOL.toString(), "check", "rules", rules.toString())
        .redirectErrorStream(true).start();
    String checked = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(promtool.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(promtool.exitValue()).as("promtool check rules: %s", checked).isZero();
    log.info("promtool: {}", checked.strip().replace('\n', ' '));

    Path dir = Path.of("target", "prometheus-" + System.currentTimeMillis());
    try (PrometheusServer prometheus = PrometheusServer.start(dir, cluster.nodes(), rules)) {
      Await.until(Duration.ofSeconds(60), "both nodes scraped for 15 s",
          () -> prometheus.vector("count_over_time(cascade_sent_bytes_total{protocol=\"rtmp\"}[1m]) >= 15").size() == 2,
          () -> prometheus.query("count_over_time(cascade_sent_bytes_total{protocol=\"rtmp\"}[1m])").encode());

      List<String> failures = new ArrayList<>();
      int queries = 0;
      try (Stream<Path> files = Files.list(Path.of("..", "grafana", "dashboards"))) {
        for (Path file : files.sorted().toList()) {
          JsonObject dashboard = new JsonObject(Files.readString(file));
          for (Object p : dashboard.getJsonArray("panels")) {
            JsonObject panel = (JsonObject) p;
            if ("row".equals(panel.getString("type"))) {
              continue; // a row header has no query
            }
            for (Object t : panel.getJsonArray("targets")) {
              String expr = ((JsonObject) t).getString("expr");
              String resolved = expr.replace("$__rate_interval", "30s").replace("$stream", key);
              queries++;
              JsonObject answer = prometheus.query(resolved);
              if (!"success".equals(answer.getString("status"))) {
                failures.add(file.getFileName() + " / " + panel.getString("title") + ": " + answer.getString("error")
                    + " in " + resolved);
              } else if (answer.getJsonObject("data").getJsonArray("result").isEmpty()) {
                failures.add(file.getFileName() + " / " + panel.getString("title") + ": no data for " + resolved);
              }
            }
          }
        }
      }
      assertThat(failures).as("dashboard queries that failed or returned nothing").isEmpty();

      Map<String, Object> doc = new Yaml().load(Files.readString(rules));
      List<String> ruleFailures = new ArrayList<>();
      TreeSet<String> alerts = new TreeSet<>();
      for (Object g : (List<?>) doc.get("groups")) {
        for (Object r : (List<?>) ((Map<?, ?>) g).get("rules")) {
          Map<?, ?> rule = (Map<?, ?>) r;
          alerts.add(String.valueOf(rule.get("alert")));
          JsonObject answer = prometheus.query(String.valueOf(rule.get("expr")));
          if (!"success".equals(answer.getString("status"))) {
            ruleFailures.add(rule.get("alert") + ": " + answer.getString("error"));
          }
        }
      }
      assertThat(ruleFailures).as("alert expressions Prometheus rejected").isEmpty();
      // Prometheus loaded the file and evaluated each rule without error.
      Await.until(Duration.ofSeconds(20), "every rule evaluated with health ok", () -> {
        JsonArray groups = prometheus.rules();
        List<String> ok = new ArrayList<>();
        for (Object g : groups) {
          for (Object r : ((JsonObject) g).getJsonArray("rules")) {
            JsonObject rule = (JsonObject) r;
            if ("ok".equals(rule.getString("health"))) {
              ok.add(rule.getString("name"));
            }
          }
        }
        return new TreeSet<>(ok).equals(alerts);
      }, () -> prometheus.rules().encode());
      log.info("MEASURED observe.prometheus dashboards_queries={} all_with_data=true alert_rules={} all_evaluated_ok=true",
          queries, alerts.size());
    }
  }
}
