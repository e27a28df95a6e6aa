package io.cascade.cluster;

import io.cascade.cluster.ViewerDirectory.NodeViewers;
import io.cascade.live.StreamInfo;
import io.cascade.live.StreamManager;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * Periodically reports this node's players per stream (and, on an origin, each stream's ingest
 * bitrate) to the {@link ViewerDirectory}.
 */
public final class ViewerReporter {
  private final Vertx vertx;
  private final ViewerDirectory directory;
  private final StreamManager streams;
  private final String node;
  private final String role;
  private final boolean reportIngest;
  private final Map<String, long[]> lastBytes = new HashMap<>();
  private long timer = -1;

  public ViewerReporter(Vertx vertx, ViewerDirectory directory, StreamManager streams, String node, String role,
      boolean reportIngest) {
    this.vertx = vertx;
    this.directory = directory;
    this.streams = streams;
    this.node = node;
    this.role = role;
    this.reportIngest = reportIngest;
  }

  public void start(Duration interval) {
    report();
    timer = vertx.setPeriodic(interval.toMillis(), id -> report());
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private void report() {
    long now = System.currentTimeMillis();
    Map<String, Integer> players = new HashMap<>();
    Map<String, Long> ingest = new HashMap<>();
    Map<String, long[]> seen = new HashMap<>();
    for (StreamInfo s : streams.snapshot()) {
      if (s.viewers() > 0) {
        players.put(s.key(), s.viewers());
      }
      if (reportIngest && s.live()) {
        long[] previous = lastBytes.get(s.key());
        if (previous != null && now > previous[1] && s.bytesIn() >= previous[0]) {
          ingest.put(s.key(), (s.bytesIn() - previous[0]) * 8000 / (now - previous[1]));
        }
        seen.put(s.key(), new long[] {s.bytesIn(), now});
      }
    }
    lastBytes.clear();
    lastBytes.putAll(seen);
    directory.report(new NodeViewers(node, role, players, ingest, now));
  }
}
