package io.cascade.recording;

import io.cascade.cmaf.CmafSettings;
import io.cascade.config.RecordingRule;
import io.cascade.live.LiveStream;
import io.cascade.live.StreamManager;
import io.cascade.metrics.NodeMetrics;
import io.cascade.recording.handover.RecordingHandover;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recordings of one node: a publish that a {@code recording.rules} rule matches, or a live
 * stream the control API names ({@link #record}), gets a {@link StreamRecording} (one per stream at a
 * time; a republish while it waits continues it), on an event loop of the node. Their files are
 * written by one {@link RecordingWriter} thread, under one {@link DiskQuota}. Thread-safe.
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
  /**
   * The loop of each publish admitted on this node (one entry per live stream, so bounded by
   * {@code live.maxStreams}): a recording the control API starts runs there too.
   */
  private final ConcurrentHashMap<String, Publish> publishes = new ConcurrentHashMap<>();
  private final AtomicBoolean diskInUse = new AtomicBoolean();
  private volatile boolean stopped;

  /** A publish's identity (to tell a republish from the end of the one before it) and its loop. */
  private record Publish(Object publisher, EventLoop loop) {
  }

  /** What a control request did. */
  public enum Control {
    /** A recording of the stream started. */
    STARTED,
    /** The stream was being recorded already. */
    ALREADY_RECORDING,
    /** No live stream of that name on this node. */
    NOT_LIVE,
    /** The stream is not being recorded. */
    NOT_RECORDING,
    /** The recording ends: its open segment is completed and its playlist becomes VOD. */
    STOPPING,
    /** The node is stopping. */
    NODE_STOPPING
  }

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
    this.disk = new RecordingDisk(settings.root(), settings.fsync(), settings.directWrites(), quota[0], meters,
        wallClock, settings.maxDuration());
  }

  /**
   * Salvages the segments a killed earlier run left unfinished ({@link SegmentSalvage}), then counts
   * what earlier runs left under the root against the quota and, with {@link #keepUntilStored},
   * hands the recordings not stored to the listeners for their upload again ({@link
   * UnstoredRecordings}); all on the writer thread. Call it after
   * {@link #handover} and {@link #addListener}: a salvaged segment goes to the listeners. Without
   * rules nothing is recorded and the writer thread is never started (until a recording on request).
   */
  public Recorder start() {
    if (!settings.enabled()) {
      return this;
    }
    useDisk();
    LOG.info("event=recording.ready root={} rules={} max_bytes={} fsync={} direct_writes={}",
        settings.root().toAbsolutePath(), settings.rules(), settings.maxBytes(), settings.fsync(),
        settings.directWrites());
    return this;
  }

  /** The first recording (by rule or by request) salvages and counts what is under the root first. */
  private void useDisk() {
    if (diskInUse.compareAndSet(false, true)) {
      writer.offerControl(() -> {
        Set<Path> endedBySalvage = new SegmentSalvage(disk).run(settings.root());
        List<DiskQuota.Unstored> unstored = disk.quota.scan(settings.root());
        new UnstoredRecordings(disk).requeue(unstored, endedBySalvage);
      });
    }
  }

  /**
   * Recordings hand over through {@code handover} (set before any publish): one another origin left
   * is continued here, and this node's are left for others. {@code listHandedOver}: a continued
   * recording's playlist lists the earlier owners' segments too (they are in object storage).
   */
  public void handover(RecordingHandover handover, boolean listHandedOver) {
    disk.handover = handover;
    disk.listHandedOver = listHandedOver;
  }

  /** {@code listener} hears of every segment closed and recording ended from now on. */
  public void addListener(SegmentListener listener) {
    disk.addListener(listener);
  }

  /**
   * From now on the byte quota deletes an ended recording only after the answer's
   * {@link StoredRecordings#stored} said the object store holds all of it (uploads on): the local
   * copy is the only one until then. At start-up the recordings earlier runs left not stored go to
   * the listeners' {@link SegmentListener#recordingLeft}, with at most {@code requeueMaxFiles} files
   * in all. Call before {@link #start}.
   */
  public StoredRecordings keepUntilStored(int requeueMaxFiles) {
    disk.quota.keepUntilStored(requeueMaxFiles);
    return dir -> writer.offerControl(new RecordingWriter.Task() {
      @Override
      public void run() {
        disk.quota.stored(dir);
      }

      @Override
      public void discard() {
        DiskQuota.markStored(dir); // the writer stopped: a later run reads the mark
      }
    });
  }

  /**
   * A publish of {@code app}/{@code stream} was admitted: records it if a rule says so and it is not
   * being recorded already (a republish continues the recording that waits for it).
   */
  public void published(String app, String stream) {
    published(app, stream, null, null);
  }

  /**
   * Like {@link #published(String, String)}; a recording it starts runs on {@code publisherLoop}
   * (null: any loop of the node), where the publish's frames arrive: each frame reaches it as a task
   * queued on the same thread, instead of a task that wakes another loop. The loop is kept for a
   * recording the control API starts while {@code publisher} publishes ({@link #publishEnded}).
   */
  public void published(String app, String stream, EventLoop publisherLoop, Object publisher) {
    if (publisher != null && publisherLoop != null) {
      // The first admitted one stays: a second publisher of the key is refused by the stream and
      // its end must not take the first one's loop away. (Admitted just as the first one ends, it
      // finds no entry; its API-started recordings then run on any loop, which is only slower.)
      publishes.putIfAbsent(app + "/" + stream, new Publish(publisher, publisherLoop));
    }
    Optional<RecordingRule> rule = settings.ruleFor(app, stream);
    if (stopped || rule.isEmpty()) {
      return;
    }
    if (begin(app, stream, rule.get().segmentOr(settings.segmentDuration()), publisherLoop)) {
      LOG.info("event=recording.matched stream={} rule={}", app + "/" + stream, rule.get());
    }
  }

  /** {@code publisher}'s publish ended: its loop is forgotten (a republish's stays). */
  public void publishEnded(String app, String stream, Object publisher) {
    publishes.computeIfPresent(app + "/" + stream, (k, p) -> p.publisher() == publisher ? null : p);
  }

  /**
   * Starts recording the live stream {@code app}/{@code stream} without a rule (the control API),
   * with {@code recording.segmentDuration}, on its publisher's loop when {@link #published} named it
   * (any loop otherwise); it ends like any recording, or by {@link #endRecording}.
   */
  public Control record(String app, String stream) {
    String key = app + "/" + stream;
    if (stopped) {
      return Control.NODE_STOPPING;
    }
    LiveStream live = streams.get(key);
    if (live == null || !live.isLive()) {
      return Control.NOT_LIVE;
    }
    Publish publish = publishes.get(key);
    if (!begin(app, stream, settings.segmentDuration(), publish != null ? publish.loop() : null)) {
      return Control.ALREADY_RECORDING;
    }
    LOG.info("event=recording.requested stream={}", key);
    return Control.STARTED;
  }

  /**
   * Ends the recording of {@code app}/{@code stream}, on its event loop: the open segment is
   * completed and the playlist becomes VOD. A later publish that a rule matches records again.
   */
  public Control endRecording(String app, String stream) {
    StreamRecording recording = recordings.get(app + "/" + stream);
    if (recording == null) {
      return Control.NOT_RECORDING;
    }
    recording.eventLoop().execute(() -> recording.close("requested"));
    return Control.STOPPING;
  }

  /** Makes the stream's recording unless there is one, on {@code loop} or any; true when it made it. */
  private boolean begin(String app, String stream, Duration segment, EventLoop loop) {
    boolean[] created = new boolean[1];
    StreamRecording recording = recordings.computeIfAbsent(app + "/" + stream, k -> {
      created[0] = true;
      CmafSettings cmaf = new CmafSettings(PART, segment, Math.max(64 * 1024, settings.maxPendingBytes() / 8));
      return new StreamRecording(this, k, app, stream, loop != null ? loop : loops.get(), cmaf);
    });
    if (created[0]) {
      useDisk();
      recording.eventLoop().execute(recording::join);
    }
    return created[0];
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
    if (!diskInUse.get()) {
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
