package io.cascade.bench;

import io.cascade.cluster.Cluster;
import io.cascade.cluster.ClusterProcess;
import io.cascade.testing.Await;
import io.cascade.testing.ConsoleBrowser;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.openqa.selenium.By;

/**
 * Glass-to-glass latency of LL-HLS in a real player: a cluster of separate JVMs (one origin, one
 * edge, from the built jars), ffmpeg publishing H.264/AAC to the origin in real time, and the web
 * console's hls.js (low-latency mode) in headless Debian chromium playing the stream from the
 * origin and then from the edge. For each, after a warm-up, the page samples every
 * {@code --interval-ms} for {@code --seconds}:
 * <ul>
 *   <li>{@code Date.now() - hls.playingDate}: the wall clock minus the ingest wall-clock time of
 *       the picture at the playhead (the origin stamps each segment's EXT-X-PROGRAM-DATE-TIME from
 *       the time its first frame arrived, and hls.js maps the playhead onto it). It holds the
 *       node's packaging and part availability, the origin→edge hop, HTTP, the player's buffer and
 *       hold-back, and the media pipeline up to the video element's current time. It leaves out
 *       ffmpeg's capture and encoding (x264 zerolatency: no lookahead, about a frame) and the RTMP
 *       send to the origin, which come before the stamp, and the compositor's last frame or two;</li>
 *   <li>{@code hls.latency}: hls.js's own estimate of the distance to the live edge of the playlist.</li>
 * </ul>
 * It prints p50/p90/p99 of both, and each node's part availability from
 * {@code cascade_hls_part_latency_seconds} (a part's media reaching the node → the part listed;
 * docs/METRICS.md): its p50 and p99 interpolated within the histogram's buckets, which lie around
 * the part target, and the share of parts within the part target + 30 ms (a bucket bound).
 * Nothing leaves loopback. Run as in docs/BENCHMARKS.md ("Glass-to-glass latency, LL-HLS").
 */
public final class GlassToGlassBench {
  private static final Duration PLAYING_WITHIN = Duration.ofSeconds(40);
  /** hls.js starts a little behind its target and catches up (playback rate) within a few seconds. */
  private static final Duration WARM_UP = Duration.ofSeconds(8);
  private static final Pattern BUCKET =
      Pattern.compile("^cascade_hls_part_latency_seconds_bucket\\{[^}]*le=\"([^\"]+)\"[^}]*} (\\S+)$");
  private static final Pattern DELAY_BUCKET =
      Pattern.compile("^cascade_hls_part_delay_seconds_bucket\\{[^}]*le=\"([^\"]+)\"[^}]*} (\\S+)$");
  private static final String SAMPLER = """
      const s = { g2g: [], latency: [], stalls: 0, last: -1 };
      window.g2gSampler = window.setInterval(() => {
        const p = window.cascadeConsole.status().player;
        if (p.state !== 'playing' || p.playingDate === null) { return; }
        s.g2g.push(Date.now() - p.playingDate);
        if (p.latency !== null) { s.latency.push(p.latency * 1000); }
        if (p.currentTime <= s.last) { s.stalls++; }
        s.last = p.currentTime;
      }, arguments[0]);
      window.g2g = s;
      """;

  private GlassToGlassBench() {
  }

  public static void main(String[] args) throws Exception {
    int seconds = 30;
    int intervalMs = 250;
    String source = "live";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--seconds" -> seconds = bounded(args[++i], 5, 3600, "--seconds");
        case "--interval-ms" -> intervalMs = bounded(args[++i], 50, 5000, "--interval-ms");
        case "--source" -> source = args[++i];
        default -> {
          System.err.println("usage: GlassToGlassBench [--seconds N (30)] [--interval-ms MS (250)] [--source live|file]");
          System.exit(2);
        }
      }
    }
    defaultProperty(Cluster.ORIGIN_JAR_PROPERTY, "origin/target/cascade-origin.jar");
    defaultProperty(Cluster.EDGE_JAR_PROPERTY, "edge/target/cascade-edge.jar");
    defaultProperty(Ffmpeg.DIR_PROPERTY, "edge/target/ffmpeg/org/bytedeco/ffmpeg/linux-x86_64-gpl");
    defaultProperty("webdriver.chrome.driver", "/usr/bin/chromedriver");
    defaultProperty("cascade.chromium", "/usr/bin/chromium");

    String stream = "g2g-" + UUID.randomUUID().toString().substring(0, 8);
    String key = "live/" + stream;
    System.out.printf(Locale.ROOT, "load before: %s%n", loadAverage());
    Duration publish = Duration.ofSeconds(2L * (seconds + WARM_UP.toSeconds()) + 120);
    List<String> report = new ArrayList<>();
    Path file = null;
    if (source.equals("file")) {
      // Encoded first, then sent with its packets copied at their timestamps' pace: no encoder
      // competes with the nodes for the two cores while they are measured.
      file = Path.of("target", "g2g-source.flv").toAbsolutePath();
      Ffmpeg.locate().encodeProfile(PublishProfile.H264_AAC, publish, file);
    } else if (!source.equals("live")) {
      throw new IllegalArgumentException("--source: live or file, not " + source);
    }
    System.out.printf(Locale.ROOT, "source: %s%n", file == null ? "ffmpeg encoding x264 in real time" : file);
    try (Cluster cluster = Cluster.builder("g2g").origins(1).edges(1).start();
        Publisher publisher = file == null
            ? Ffmpeg.locate().publish(PublishProfile.H264_AAC, cluster.origin(0).rtmpUri("live", stream), publish)
            : Ffmpeg.locate().publishFile(PublishProfile.H264_AAC, file, cluster.origin(0).rtmpUri("live", stream),
                publish);
        ConsoleBrowser browser = ConsoleBrowser.start(Duration.ofSeconds(30))) {
      publisher.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(30));
      for (ClusterProcess node : List.of(cluster.origin(0), cluster.edge(0))) {
        report.add(measure(browser, node, key, seconds, intervalMs));
      }
    }
    System.out.printf(Locale.ROOT, "load after: %s%n", loadAverage());
    System.out.println("| played from | glass-to-glass p50 | p90 | p99 | hls.latency p50 | p90 | p99 | samples |"
        + " playhead stalls | part availability p50 | p99 | parts <= 280 ms | parts <= 50 ms | part max | parts |"
        + " node's share p99 | node's share <= 30 ms |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    report.forEach(System.out::println);
  }

  private static String measure(ConsoleBrowser browser, ClusterProcess node, String key, int seconds, int intervalMs)
      throws IOException, InterruptedException {
    browser.open("http://127.0.0.1:" + node.httpPort() + "/");
    Await.until(Duration.ofSeconds(15), key + " listed on " + node.node(),
        () -> status(browser) != null && ((List<?>) status(browser).get("streams")).contains(key));
    browser.driver().findElement(By.cssSelector("input[name='protocol'][value='hls']")).click();
    browser.driver().findElement(By.cssSelector("button[aria-label='Play " + key + "']")).click();
    Await.until(PLAYING_WITHIN, "hls.js playing " + key + " from " + node.node(), () -> {
      Map<?, ?> p = (Map<?, ?>) status(browser).get("player");
      if ("error".equals(p.get("state"))) {
        throw new IllegalStateException("player failed: " + p.get("error"));
      }
      return "playing".equals(p.get("state")) && p.get("playingDate") != null;
    });
    Thread.sleep(WARM_UP.toMillis());
    browser.driver().executeScript(SAMPLER, intervalMs);
    Thread.sleep(seconds * 1000L);
    browser.driver().executeScript("window.clearInterval(window.g2gSampler)");
    Map<?, ?> samples = (Map<?, ?>) browser.eval("window.g2g");
    Map<?, ?> player = (Map<?, ?>) status(browser).get("player");
    if (player.get("error") != null) {
      throw new IllegalStateException("player failed on " + node.node() + ": " + player.get("error"));
    }
    double[] g2g = sorted((List<?>) samples.get("g2g"));
    double[] latency = sorted((List<?>) samples.get("latency"));
    PartLatency part = partLatency(node);
    System.out.printf(Locale.ROOT, "%s (%s): %d samples, glass-to-glass ms p50 %.0f p90 %.0f p99 %.0f max %.0f;"
            + " hls.latency ms p50 %.0f p90 %.0f p99 %.0f; %d parts: availability p50 %.0f ms p99 %.0f ms"
            + " (bucket <= %.1f ms), %.1f %% within 280 ms, %.1f %% within 250 ms, %d within 50 ms, max %.0f ms;"
            + " node's share p50 %.1f ms p99 %.1f ms (bucket <= %.0f ms), %.1f %% within 30 ms;"
            + " recovered errors %s (last: %s)%n",
        node.node(), node.role(), g2g.length, pct(g2g, 50), pct(g2g, 90), pct(g2g, 99), pct(g2g, 100),
        pct(latency, 50), pct(latency, 90), pct(latency, 99), part.count(), part.p50() * 1000, part.p99() * 1000,
        part.p99Bucket() * 1000, part.withinTarget() * 100, part.within250() * 100, part.within50(), part.max() * 1000,
        part.delayP50() * 1000, part.delayP99() * 1000, part.delayP99Bucket() * 1000, part.delayWithin30() * 100,
        player.get("recoveredErrors"),
        player.get("lastRecoveredError"));
    return String.format(Locale.ROOT, "| %s | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %.0f ms | %d | %s"
            + " | %.0f ms | %.0f ms | %.1f %% | %d | %.0f ms | %d | %.1f ms | %.1f %% |",
        node.role().toString().toLowerCase(Locale.ROOT), pct(g2g, 50), pct(g2g, 90), pct(g2g, 99), pct(latency, 50),
        pct(latency, 90), pct(latency, 99), g2g.length, samples.get("stalls"), part.p50() * 1000, part.p99() * 1000,
        part.withinTarget() * 100, part.within50(), part.max() * 1000, part.count(), part.delayP99() * 1000,
        part.delayWithin30() * 100);
  }

  private static Map<String, Object> status(ConsoleBrowser browser) {
    return browser.consoleStatus();
  }

  /**
   * A node's part availability ({@code cascade_hls_part_latency_seconds}, no labels: this bench's
   * stream is the node's only HLS stream) over its whole run, from the histogram's buckets.
   *
   * @param p50 the median interpolated linearly within its bucket, as Prometheus'
   *     histogram_quantile does
   * @param p99 the 99th percentile, likewise
   * @param p99Bucket the upper bound of the bucket that holds it
   * @param withinTarget the share of parts listed within the bench's part target (250 ms) + 30 ms,
   *     a bucket bound (NaN from a node whose buckets lack it)
   * @param within250 the share within 250 ms, a bound of the buckets before and after issue 13
   * @param within50 how many parts read 50 ms or less (a bound of both): no live part of this
   *     stream is that short, a part cut from a burst counted from its first frame is
   * @param max the largest in the meter's recent window ({@code _max})
   * @param delayP50 the median of the node's share ({@code cascade_hls_part_delay_seconds}: the
   *     completing frame's arrival → the part listed), NaN from a node without that meter
   * @param delayP99 its 99th percentile, interpolated
   * @param delayP99Bucket the upper bound of the bucket that holds it
   * @param delayWithin30 the share of parts whose node's share was within 30 ms (a bucket bound)
   */
  record PartLatency(long count, double p50, double p99, double p99Bucket, double withinTarget, double within250,
      long within50, double max, double delayP50, double delayP99, double delayP99Bucket, double delayWithin30) {
  }

  static PartLatency partLatency(ClusterProcess node) throws IOException, InterruptedException {
    HttpResponse<String> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + node.httpPort() + "/metrics"))
            .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    TreeMap<Double, Double> cumulative = new TreeMap<>();
    TreeMap<Double, Double> delay = new TreeMap<>();
    double max = Double.NaN;
    for (String line : r.body().split("\n")) {
      Matcher m = BUCKET.matcher(line);
      Matcher d = DELAY_BUCKET.matcher(line);
      if (m.matches()) {
        double le = m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
        cumulative.merge(le, Double.parseDouble(m.group(2)), Double::sum);
      } else if (d.matches()) {
        double le = d.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(d.group(1));
        delay.merge(le, Double.parseDouble(d.group(2)), Double::sum);
      } else if (line.startsWith("cascade_hls_part_latency_seconds_max")) {
        max = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    if (cumulative.isEmpty() || cumulative.lastEntry().getValue() == 0) {
      throw new IllegalStateException(node.node() + " /metrics has no cascade_hls_part_latency_seconds samples");
    }
    double total = cumulative.lastEntry().getValue();
    double[] p50 = quantile(cumulative, 0.5);
    double[] p99 = quantile(cumulative, 0.99);
    boolean hasDelay = !delay.isEmpty() && delay.lastEntry().getValue() > 0;
    double[] delayP50 = hasDelay ? quantile(delay, 0.5) : new double[] {Double.NaN, Double.NaN};
    double[] delayP99 = hasDelay ? quantile(delay, 0.99) : new double[] {Double.NaN, Double.NaN};
    double delayWithin30 = hasDelay ? countWithin(delay, 0.03) / delay.lastEntry().getValue() : Double.NaN;
    return new PartLatency((long) total, p50[0], p99[0], p99[1], countWithin(cumulative, 0.28) / total,
        countWithin(cumulative, 0.25) / total, (long) countWithin(cumulative, 0.05), max, delayP50[0], delayP99[0],
        delayP99[1], delayWithin30);
  }

  /** The cumulative count at bucket bound {@code le} (s); NaN when the histogram has no such bound. */
  private static double countWithin(TreeMap<Double, Double> cumulative, double le) {
    Map.Entry<Double, Double> e = cumulative.floorEntry(le + 1e-9);
    return e == null || Math.abs(e.getKey() - le) > 1e-6 ? Double.NaN : e.getValue();
  }

  /** The {@code q} quantile of cumulative bucket counts, interpolated in its bucket; and that bucket's bound. */
  private static double[] quantile(TreeMap<Double, Double> cumulative, double q) {
    double rank = q * cumulative.lastEntry().getValue();
    double lower = 0;
    double below = 0;
    for (Map.Entry<Double, Double> e : cumulative.entrySet()) {
      if (e.getValue() >= rank) {
        double bound = e.getKey();
        double value = Double.isInfinite(bound) ? lower
            : lower + (bound - lower) * (rank - below) / Math.max(1e-9, e.getValue() - below);
        return new double[] {value, bound};
      }
      lower = e.getKey();
      below = e.getValue();
    }
    return new double[] {Double.NaN, Double.NaN};
  }

  private static double[] sorted(List<?> values) {
    double[] a = values.stream().mapToDouble(v -> ((Number) v).doubleValue()).toArray();
    Arrays.sort(a);
    return a;
  }

  /** Nearest-rank percentile; NaN for no samples. */
  static double pct(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.length);
    return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
  }

  private static int bounded(String value, int min, int max, String name) {
    int v = Integer.parseInt(value);
    if (v < min || v > max) {
      throw new IllegalArgumentException(name + " must be " + min + ".." + max + ": " + v);
    }
    return v;
  }

  private static void defaultProperty(String name, String value) {
    if (System.getProperty(name) == null) {
      System.setProperty(name, Path.of(value).toAbsolutePath().toString());
    }
  }

  private static String loadAverage() throws IOException {
    return Files.readString(Path.of("/proc/loadavg")).trim();
  }
}
