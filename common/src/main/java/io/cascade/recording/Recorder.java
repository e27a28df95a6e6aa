package io.cascade.recording;

import io.cascade.cmaf.CmafSettings;
import io.cascade.config.RecordingRule;
import io.cascade.live.StreamManager;
import io.cascade.metrics.NodeMetrics;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recordings of one node: a publish that a {@code recording.rules} rule matches gets a
 * {@link StreamRecording} (one per stream at a time; a republish while it waits continues it), on an
 * event loop of the node. Their files are written by one {@link RecordingWriter} thread, under one
 * {@link DiskQuota}. Thread-safe.
 */
public final class Recorder {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");
  /** Parts are the unit handed to the writer; a second keeps the tasks few and the loss on a drop small. */
  private static final Duration PART = Duration.ofSeconds(1);

  final StreamManager streams;
  final ByteBufAllocator alloc;
  final RecordingWriter writer;
  final RecordingMeters meters;
  final RecordingDisk disk;
  private final RecordingSettings settings;
  private final Supplier<EventLoop> loops;
  private final ConcurrentHashMap<String, StreamRecording> recordings = new ConcurrentHashMap<>();
  private volatile boolean stopped;

  /** A recorder with its own writer thread and the system clock. */
  public Recorder(RecordingSettings settings, StreamManager streams, NodeMetrics metrics, ByteBufAllocator alloc,
      Supplier<EventLoop> loops) {
    this(settings, streams, metrics, alloc, loops, RecordingWriter.onOwnThread(settings.maxPendingBytes()),
        Clock.systemUTC());
  }

  Recorder(RecordingSettings settings, StreamManager streams, NodeMetrics metrics, ByteBufAllocator alloc,
      Supplier<EventLoop> loops, RecordingWriter writer, Clock wallClock) {
    this.settings = settings;
    this.streams = streams;
    this.alloc = alloc;
    this.loops = loops;
    this.writer = writer;
    DiskQuota[] quota = new DiskQuota[1];
    this.meters = new RecordingMeters(metrics, () -> quota[0].usedBytes(), recordings::size);
    quota[0] = new DiskQuota(settings.maxBytes(), meters);
    this.disk = new RecordingDisk(settings.root(), settings.fsync(), quota[0], meters, wallClock);
  }

  /**
   * Counts what earlier runs left under the root against the quota (on the writer thread). Without
   * rules nothing is recorded and the writer thread is never started.
   */
  public Recorder start() {
    if (!settings.enabled()) {
      return this;
    }
    writer.offerControl(() -> disk.quota.scan(settings.root()));
    LOG.info("event=recording.ready root={} rules={} max_bytes={} fsync={}", settings.root().toAbsolutePath(),
        settings.rules(), settings.maxBytes(), settings.fsync());
    return this;
  }

  /** {@code listener} hears of every segment closed and recording ended from now on. */
  public void addListener(SegmentListener listener) {
    disk.addListener(listener);
  }

  /**
   * A publish of {@code app}/{@code stream} was admitted: records it if a rule says so and it is not
   * being recorded already (a republish continues the recording that waits for it).
   */
  public void published(String app, String stream) {
    Optional<RecordingRule> rule = settings.ruleFor(app, stream);
    if (stopped || rule.isEmpty()) {
      return;
    }
    String key = app + "/" + stream;
    boolean[] created = new boolean[1];
    StreamRecording recording = recordings.computeIfAbsent(key, k -> {
      created[0] = true;
      CmafSettings cmaf = new CmafSettings(PART, rule.get().segmentOr(settings.segmentDuration()),
          Math.max(64 * 1024, settings.maxPendingBytes() / 8));
      return new StreamRecording(this, k, app, stream, loops.get(), cmaf);
    });
    if (created[0]) {
      LOG.info("event=recording.matched stream={} rule={}", key, rule.get());
      recording.eventLoop().execute(recording::join);
    }
  }

  void ended(StreamRecording recording) {
    recordings.remove(recording.key(), recording);
  }

  /** Recordings in progress. */
  public int active() {
    return recordings.size();
  }

  /**
   * Ends every recording (their playlists become VOD) and stops the writer once it has written
   * what was queued; completes then.
   */
  public CompletableFuture<Void> stop() {
    stopped = true;
    if (!settings.enabled()) {
      return CompletableFuture.completedFuture(null);
    }
    List<CompletableFuture<Void>> closing = new ArrayList<>();
    for (StreamRecording r : recordings.values()) {
      CompletableFuture<Void> closed = new CompletableFuture<>();
      closing.add(closed);
      r.eventLoop().execute(() -> {
        try {
          r.close("node_stop");
        } finally {
          closed.complete(null);
        }
      });
    }
    CompletableFuture<Void> done = new CompletableFuture<>();
    CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).whenComplete((v, e) -> {
      writer.offerControl(() -> done.complete(null));
      writer.shutdown();
    });
    return done;
  }
}
