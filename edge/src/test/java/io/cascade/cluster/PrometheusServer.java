package io.cascade.cluster;

import io.cascade.testing.Await;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Prometheus (the Debian package's binary) on loopback, scraping Cascade nodes every
 * second, with its data under target/; queried through its HTTP API.
 */
final class PrometheusServer implements AutoCloseable {
  static final Path BINARY = Path.of("/usr/bin/prometheus");
  static final Path PROMTOOL = Path.of("/usr/bin/promtool");
  private static final Logger log = LoggerFactory.getLogger(PrometheusServer.class);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final Process process;
  private final int port;
  private final Path logFile;

  private PrometheusServer(Process process, int port, Path logFile) {
    this.process = process;
    this.port = port;
    this.logFile = logFile;
  }

  static boolean available() {
    return Files.isExecutable(BINARY) && Files.isExecutable(PROMTOOL);
  }

  /** Starts Prometheus scraping {@code nodes}' /metrics; waits until it is ready. */
  static PrometheusServer start(Path dir, List<ClusterProcess> nodes, Path rulesFile) throws IOException {
    Files.createDirectories(dir);
    int port = Cluster.freePort();
    String targets = nodes.stream().map(n -> "'127.0.0.1:" + n.httpPort() + "'").collect(Collectors.joining(", "));
    Path config = dir.resolve("prometheus.yml");
    Files.writeString(config, String.join("\n",
        "global:",
        "  scrape_interval: 1s",
        "  evaluation_interval: 1s",
        "rule_files:",
        "  - '" + rulesFile.toAbsolutePath() + "'",
        "scrape_configs:",
        "  - job_name: cascade",
        "    metrics_path: /metrics",
        "    static_configs:",
        "      - targets: [" + targets + "]",
        ""));
    Path logFile = dir.resolve("prometheus.log");
    Process p = new ProcessBuilder(BINARY.toString(), "--config.file=" + config, "--storage.tsdb.path=" + dir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port, "--storage.tsdb.retention.time=1h")
        .redirectErrorStream(true).redirectOutput(logFile.toFile()).start();
    PrometheusServer server = new PrometheusServer(p, port, logFile);
    try {
      Await.until(Duration.ofSeconds(30), "prometheus ready on " + port, server::ready, server::logTail);
    } catch (AssertionError e) {
      server.close();
      throw e;
    }
    log.info("prometheus started pid={} port={} targets={} log={}", p.pid(), port, targets, logFile);
    return server;
  }

  private boolean ready() {
    try {
      return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready"))
          .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** The JSON answer of an instant query (status, data.result or error). */
  JsonObject query(String expr) {
    String url = "http://127.0.0.1:" + port + "/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8);
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Result vector of a successful instant query. */
  JsonArray vector(String expr) {
    JsonObject answer = query(expr);
    if (!"success".equals(answer.getString("status"))) {
      throw new AssertionError("query failed: " + expr + " -> " + answer.encode());
    }
    return answer.getJsonObject("data").getJsonArray("result");
  }

  /** The rule groups Prometheus loaded, with each rule's health. */
  JsonArray rules() {
    try {
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/rules"))
          .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
      return new JsonObject(r.body()).getJsonObject("data").getJsonArray("groups");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
