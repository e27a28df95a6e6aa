package io.cascade.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * The {@code toggle} mode of {@link RecordingBench}: one origin, its publishers connected once, and
 * the recording of every stream started and stopped through the control API between windows, so
 * that the windows with and without recording share the process, its connections, their spread over
 * the event loops and the publishers' phases. Separate fresh origins differ by all of those, which
 * moved the event loops' CPU by more than the recording costs (docs/BENCHMARKS.md).
 */
final class RecordingToggle {
  static final String MODE = "toggle";
  static final String OFF = "toggle-off";
  static final String ON = "toggle-on";
  static final String TOKEN = "recbench-toggle-token";
  /**
   * After a start, the recordings wait for a keyframe (2 s GOP) and write their first part (1 s);
   * after a stop, each completes its open segment: a window begins when both are behind it.
   */
  static final Duration SETTLE = Duration.ofSeconds(8);
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();
  private final int port;
  private final int streams;
  private boolean on;

  RecordingToggle(int port, int streams) {
    this.port = port;
    this.streams = streams;
  }

  /** Starts or stops every recording, unless they are so already. */
  void set(boolean recording) throws IOException, InterruptedException {
    if (recording != on) {
      if (recording) {
        startAll();
      } else {
        stopAll();
      }
    }
  }

  /** Starts recording every bench stream; each must answer 201 (started). */
  void startAll() throws IOException, InterruptedException {
    for (int i = 0; i < streams; i++) {
      expect(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/recordings"))
          .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":\"bench/s" + i + "\"}")), 201, "start bench/s" + i);
    }
    on = true;
  }

  /** Stops recording every bench stream; each must answer 202 (stopping). */
  void stopAll() throws IOException, InterruptedException {
    for (int i = 0; i < streams; i++) {
      expect(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/recordings/bench/s" + i))
          .DELETE(), 202, "stop bench/s" + i);
    }
    on = false;
  }

  private void expect(HttpRequest.Builder request, int status, String what) throws IOException, InterruptedException {
    HttpResponse<String> response = http.send(request.timeout(TIMEOUT).header("Authorization", "Bearer " + TOKEN)
        .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != status) {
      throw new IllegalStateException(what + ": HTTP " + response.statusCode() + " " + response.body());
    }
  }
}
