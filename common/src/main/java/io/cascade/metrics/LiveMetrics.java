package io.cascade.metrics;

import io.cascade.live.LiveStats;
import io.cascade.live.StreamInfo;
import io.cascade.live.StreamManager;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Meters of the live layer: streams, drops, queues, GOP caches, ingest rate, and (with
 * {@code metrics.perStream}) series per stream. Rates and per-stream values come from a sampler
 * that runs every {@link #SAMPLE_MILLIS} ms, so a scrape never walks the streams twice and two
 * scrapers see the same rate.
 */
public final class LiveMetrics {
  static final long SAMPLE_MILLIS = 5_000;

  private final NodeMetrics node;
  private final StreamManager streams;
  private final LiveStats stats;
  private final Map<String, PerStream> perStream = new ConcurrentHashMap<>();
  private volatile double ingestBitrate;
  private volatile long gopCacheBytes;
  private volatile int liveStreams;
  private long lastBytesIn;
  private long lastSampleNanos;
  private Vertx vertx;
  private long timer = -1;

  public LiveMetrics(NodeMetrics node, StreamManager streams) {
    this.node = node;
    this.streams = streams;
    this.stats = streams.stats();
    node.gauge(CascadeMeter.STREAMS_ACTIVE, this, m -> m.liveStreams);
    node.functionCounter(CascadeMeter.INGEST_FRAMES, stats, LiveStats::framesIn);
    node.gauge(CascadeMeter.INGEST_BITRATE, this, m -> m.ingestBitrate);
    node.functionCounter(CascadeMeter.FRAMES_DROPPED, stats, LiveStats::framesDroppedSlow, "reason", "slow_consumer");
    node.functionCounter(CascadeMeter.FRAMES_DROPPED, stats, LiveStats::framesDroppedWaitingKeyframe,
        "reason", "waiting_keyframe");
    node.functionCounter(CascadeMeter.SLOW_DISCONNECTS, stats, LiveStats::slowDisconnects);
    node.gauge(CascadeMeter.QUEUE_BYTES, stats, LiveStats::queuedBytes);
    node.gauge(CascadeMeter.GOP_CACHE_BYTES, this, m -> m.gopCacheBytes);
  }

  public LiveMetrics start(Vertx vertx) {
    this.vertx = vertx;
    lastSampleNanos = System.nanoTime();
    lastBytesIn = stats.bytesIn();
    sample();
    timer = vertx.setPeriodic(SAMPLE_MILLIS, id -> sample());
    return this;
  }

  public void stop() {
    if (vertx != null && timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  /**
   * The stream's own lag histogram with {@code metrics.perStream}, null otherwise or beyond the
   * cap. Resolve once when a player starts.
   */
  public Timer streamLag(String key) {
    if (!node.settings().perStream()) {
      return null;
    }
    PerStream s = perStream(key);
    return s == null ? null : s.lag;
  }

  private PerStream perStream(String key) {
    PerStream s = perStream.get(key);
    if (s != null) {
      return s;
    }
    synchronized (perStream) {
      s = perStream.get(key);
      if (s == null && perStream.size() < node.settings().perStreamMax()) {
        s = new PerStream(key);
        perStream.put(key, s);
      }
      return s;
    }
  }

  void sample() {
    List<StreamInfo> snapshot = streams.snapshot();
    long now = System.nanoTime();
    double seconds = Math.max(1e-3, (now - lastSampleNanos) / 1e9);
    long bytes = stats.bytesIn();
    ingestBitrate = (bytes - lastBytesIn) * 8 / seconds;
    lastBytesIn = bytes;
    lastSampleNanos = now;
    long gop = 0;
    int live = 0;
    for (StreamInfo s : snapshot) {
      gop += s.gopCacheBytes();
      if (s.live()) {
        live++;
      }
    }
    gopCacheBytes = gop;
    liveStreams = live;
    if (node.settings().perStream()) {
      samplePerStream(snapshot, seconds);
    }
  }

  private void samplePerStream(List<StreamInfo> snapshot, double seconds) {
    Set<String> present = new HashSet<>();
    for (StreamInfo info : snapshot) {
      PerStream s = perStream(info.key());
      if (s != null) {
        present.add(info.key());
        s.update(info, seconds);
      }
    }
    for (String key : new ArrayList<>(perStream.keySet())) {
      if (!present.contains(key)) {
        PerStream gone = perStream.remove(key);
        if (gone != null) {
          gone.remove();
        }
      }
    }
  }

  /** The series of one stream; values from the latest sample. */
  private final class PerStream {
    final List<Meter> meters = new ArrayList<>();
    final Timer lag;
    volatile int players;
    volatile long bytesIn;
    volatile double bitrate;
    long lastBytes = -1;

    PerStream(String key) {
      meters.add(node.gauge(CascadeMeter.STREAM_PLAYERS, this, s -> s.players, "stream", key));
      meters.add(node.functionCounter(CascadeMeter.STREAM_RECEIVED_BYTES, this, s -> s.bytesIn, "stream", key));
      meters.add(node.gauge(CascadeMeter.STREAM_INGEST_BITRATE, this, s -> s.bitrate, "stream", key));
      lag = node.timer(CascadeMeter.STREAM_FANOUT_LAG, "stream", key);
      meters.add(lag);
    }

    void update(StreamInfo info, double seconds) {
      players = info.viewers();
      bitrate = lastBytes < 0 ? 0 : Math.max(0, info.bytesIn() - lastBytes) * 8 / seconds;
      lastBytes = info.bytesIn();
      bytesIn = info.bytesIn();
    }

    void remove() {
      meters.forEach(node::remove);
    }
  }
}
