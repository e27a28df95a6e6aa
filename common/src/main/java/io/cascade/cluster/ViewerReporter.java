package io.cascade.cluster;

import io.cascade.cluster.ViewerDirectory.NodeViewers;
import io.cascade.live.StreamInfo;
import io.cascade.live.StreamManager;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Periodically reports this node's players and relays per stream, where an edge pulls each stream
 * from, and on an origin each stream's ingest bitrate to the {@link ViewerDirectory}: enough for
 * any node's API to draw a stream's tree (origin, parents, leaves) from one read of the directory.
 */
public final class ViewerReporter {
  private final Vertx vertx;
  private final ViewerDirectory directory;
  private final StreamManager streams;
  private final String node;
  private final String role;
  private final String tier;
  private final boolean reportIngest;
  private final Supplier<Map<String, String>> upstreams;
  private final Map<String, long[]> lastBytes = new HashMap<>();
  private long timer = -1;

  /** An origin's reporter: its publishers' ingest bitrate, no upstreams. */
  public static ViewerReporter origin(Vertx vertx, ViewerDirectory directory, StreamManager streams, String node) {
    return new ViewerReporter(vertx, directory, streams, node, "origin", null, true, Map::of);
  }

  /**
   * An edge's reporter.
   *
   * @param tier {@code parent} or {@code leaf}
   * @param upstreams the node each playing pull comes from, by stream key; called on the event loop
   */
  public static ViewerReporter edge(Vertx vertx, ViewerDirectory directory, StreamManager streams, String node,
      String tier, Supplier<Map<String, String>> upstreams) {
    return new ViewerReporter(vertx, directory, streams, node, "edge", tier, false, upstreams);
  }

  private ViewerReporter(Vertx vertx, ViewerDirectory directory, StreamManager streams, String node, String role,
      String tier, boolean reportIngest, Supplier<Map<String, String>> upstreams) {
    this.vertx = vertx;
    this.directory = directory;
    this.streams = streams;
    this.node = node;
    this.role = role;
    this.tier = tier;
    this.reportIngest = reportIngest;
    this.upstreams = upstreams;
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
    Map<String, Integer> relays = new HashMap<>();
    Map<String, Long> ingest = new HashMap<>();
    Map<String, long[]> seen = new HashMap<>();
    for (StreamInfo s : streams.snapshot()) {
      if (s.viewers() > 0) {
        players.put(s.key(), s.viewers());
      }
      if (s.relays() > 0) {
        relays.put(s.key(), s.relays());
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
    directory.report(new NodeViewers(node, role, tier, players, relays, Map.copyOf(upstreams.get()), ingest, now));
  }
}
