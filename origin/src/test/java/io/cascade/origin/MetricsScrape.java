package io.cascade.origin;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A node's {@code /metrics} as a Prometheus scraper reads it: one GET, and the value of a series. */
final class MetricsScrape {
  private static final HttpClient CLIENT = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final String body;

  private MetricsScrape(String body) {
    this.body = body;
  }

  static MetricsScrape of(OriginNode node) {
    try {
      HttpResponse<String> r = CLIENT.send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + node.httpPort() + "/metrics")).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        throw new AssertionError("GET /metrics answered " + r.statusCode());
      }
      return new MetricsScrape(r.body());
    } catch (IOException e) {
      throw new AssertionError("GET /metrics failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /**
   * The sum of the series of {@code name} (as exposed, e.g. {@code cascade_recording_errors_total})
   * whose labels include {@code label} (e.g. {@code reason="write"}, or "" for all of them).
   *
   * @throws AssertionError when no such series is exposed at all
   */
  double value(String name, String label) {
    double sum = 0;
    boolean found = false;
    for (String line : body.lines().toList()) {
      if (line.startsWith("#") || !(line.startsWith(name + "{") || line.startsWith(name + " "))) {
        continue;
      }
      int space = line.lastIndexOf(' ');
      String series = line.substring(0, space);
      if (series.contains(label)) {
        sum += Double.parseDouble(line.substring(space + 1));
        found = true;
      }
    }
    if (!found) {
      throw new AssertionError("no series " + name + " with " + label + " in /metrics");
    }
    return sum;
  }

  String body() {
    return body;
  }
}
