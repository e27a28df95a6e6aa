package io.cascade.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A node's Prometheus text at {@code /metrics}, read into a map for {@link RecordingBench}: samples
 * by name and labels, sums over a metric's series, and a percentile bound from a histogram's
 * buckets between two readings.
 */
final class OriginMetrics {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);
  private static final Pattern LE = Pattern.compile("[{,]le=\"([^\"]+)\"");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** Upper bound of the bucket holding the 95th percentile of the window's uploads; NaN without any. */
  static double p95(Map<String, Double> before, Map<String, Double> after) {
    TreeMap<Double, Double> buckets = new TreeMap<>();
    for (Map.Entry<String, Double> e : after.entrySet()) {
      if (e.getKey().startsWith("cascade_recording_upload_lag_seconds_bucket{")) {
        Matcher le = LE.matcher(e.getKey());
        if (le.find() && !le.group(1).equals("+Inf")) {
          buckets.put(Double.parseDouble(le.group(1)), e.getValue() - before.getOrDefault(e.getKey(), 0.0));
        }
      }
    }
    double count = get(after, "cascade_recording_upload_lag_seconds_count") - get(before, "cascade_recording_upload_lag_seconds_count");
    if (count <= 0) {
      return Double.NaN;
    }
    for (Map.Entry<Double, Double> b : buckets.entrySet()) {
      if (b.getValue() >= 0.95 * count) {
        return b.getKey();
      }
    }
    return Double.POSITIVE_INFINITY;
  }

  /** Every sample of the origin's /metrics on loopback {@code port}, keyed by name and labels as written. */
  Map<String, Double> scrape(int port) throws IOException, InterruptedException {
    String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
        .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString()).body();
    Map<String, Double> out = new LinkedHashMap<>();
    Matcher m = SAMPLE.matcher(body);
    while (m.find()) {
      try {
        out.put(m.group(1) + (m.group(2) == null ? "" : m.group(2)), Double.parseDouble(m.group(3)));
      } catch (NumberFormatException e) {
        // a line this simple pattern splits wrongly (a label value with a brace or a space): not one read here
      }
    }
    return out;
  }

  /** A sample without labels, or the sum of a labelled one's series. */
  static double get(Map<String, Double> metrics, String name) {
    Double v = metrics.get(name);
    return v != null ? v : sum(metrics, name);
  }

  static double sum(Map<String, Double> metrics, String name) {
    double total = 0;
    for (Map.Entry<String, Double> e : metrics.entrySet()) {
      if (e.getKey().equals(name) || e.getKey().startsWith(name + "{")) {
        total += e.getValue();
      }
    }
    return total;
  }
}
