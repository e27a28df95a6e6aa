package io.cascade.recording.upload;

import io.cascade.metrics.NodeMetrics;
import io.cascade.recording.FinalPlaylistMerge;
import io.cascade.recording.handover.HandoverState;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Uploads finished recording files to S3-compatible object storage: "store this local file as this
 * key with this metadata, then tell me". {@link #upload} never blocks and never waits on the
 * network, so a Vert.x event loop may call it: it takes one of recording.s3.maxConcurrentUploads
 * slots, or waits in a queue of recording.s3.maxQueuedUploads, or is refused at once when that is
 * full (the file stays local, counted as queue_full). The SDK's blocking calls run on as many
 * dedicated threads as there are slots, retries wait on a timer, not on those threads.
 *
 * <p>It also lists a salvaged segment in a final playlist another origin stored ({@link #listSalvaged}):
 * a read, a merge and a write of that one small object, with the same slots, queue and retry
 * bounds as an upload (and counted with them in the queued and active gauges).
 *
 * <p>The returned stage completes on an upload thread; a Vert.x caller gets back to its context
 * with {@code Future.fromCompletionStage(stage, context)}.
 */
public final class RecordingUploader implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RecordingUploader.class);

  private final S3UploadSettings settings;
  private final ObjectStore store;
  private final Executor executor;
  private final UploadScheduler scheduler;
  private final RetryBackoff backoff;
  private final UploadMetrics metrics;
  private final List<AutoCloseable> resources;

  private final Deque<Job> queue = new ArrayDeque<>();
  private final Set<Job> inProgress = new LinkedHashSet<>();
  private boolean closed;

  RecordingUploader(S3UploadSettings settings, ObjectStore store, Executor executor, UploadScheduler scheduler,
      DoubleSupplier random, NodeMetrics node, List<AutoCloseable> resources) {
    this.settings = settings;
    this.store = store;
    this.executor = executor;
    this.scheduler = scheduler;
    this.backoff = new RetryBackoff(settings.backoffMin(), settings.backoffMax(), random);
    this.metrics = new UploadMetrics(node, this::queued, this::active);
    this.resources = List.copyOf(resources);
  }

  /**
   * An uploader to the store of {@code settings}, with credentials from the AWS SDK's default
   * chain (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, profile, web identity, container or
   * instance role).
   */
  public static RecordingUploader create(S3UploadSettings settings, NodeMetrics node) {
    return create(settings, S3ObjectStore.create(settings), node);
  }

  static RecordingUploader create(S3UploadSettings settings, ObjectStore store, NodeMetrics node) {
    ThreadPoolExecutor threads = uploadThreads(settings.maxConcurrent());
    ScheduledUploadScheduler timer = new ScheduledUploadScheduler();
    List<AutoCloseable> resources = List.of(threads::shutdownNow, timer, store);
    return new RecordingUploader(settings, store, threads, timer, () -> ThreadLocalRandom.current().nextDouble(),
        node, resources);
  }

  /**
   * Uploads {@code request.file()} as {@code prefix + request.key()}. The stage completes with the
   * stored object, or with an {@link UploadException} whose reason says why not; in that case the
   * file is where it was. Never blocks.
   */
  public CompletionStage<UploadResult> upload(UploadRequest request) {
    FileUpload upload = new FileUpload(request, settings, store, executor, scheduler, backoff, metrics,
        this::isClosed, scheduler.nanoTime());
    Admission admission = admit(upload);
    UploadFailure refused = admission.refusal;
    if (refused != null) {
      metrics.failed(refused);
      String message = "upload of " + request.file() + " to s3://" + store.bucket() + "/" + upload.key()
          + " refused: " + refused.tag() + (refused == UploadFailure.QUEUE_FULL
              ? " (" + settings.maxConcurrent() + " in progress, " + settings.maxQueued() + " queued)" : "")
          + "; the file stays local";
      log.warn("event=recording.upload.refused bucket={} key={} file={} reason={}", store.bucket(),
          upload.key(), request.file(), refused.tag());
      return CompletableFuture.failedFuture(new UploadException(refused, 0, message, null));
    }
    CompletableFuture<UploadResult> done = upload.result().whenComplete((result, error) -> finished(upload, result, error));
    if (admission == Admission.SLOT) {
      upload.start();
    }
    return done.minimalCompletionStage();
  }

  /**
   * Lists {@code salvaged}, a segment this node salvaged after a kill and stored, in the final
   * playlist another origin stored as {@code prefix + playlistKey} ({@link SalvageListing}: read,
   * merged, stored again, waiting for it to be final within the retry bounds). Takes a slot like an
   * upload; never blocks. The stage completes with what became of the segment, never exceptionally.
   */
  public CompletionStage<FinalPlaylistMerge.Result> listSalvaged(String playlistKey, HandoverState.Segment salvaged,
      Map<String, String> metadata) {
    SalvageListing listing = new SalvageListing(settings.objectKey(playlistKey), salvaged, metadata, settings, store,
        executor, scheduler, backoff, this::isClosed);
    Admission admission = admit(listing);
    if (admission.refusal != null) {
      return CompletableFuture.completedFuture(FinalPlaylistMerge.Result.of(FinalPlaylistMerge.Status.NOT_STORED,
          "the uploader refused it: " + admission.refusal.tag()));
    }
    CompletableFuture<FinalPlaylistMerge.Result> done = listing.result().whenComplete((r, e) -> release(listing));
    if (admission == Admission.SLOT) {
      listing.start();
    }
    return done.minimalCompletionStage();
  }

  /** A file upload or a playlist listing: what holds one of the slots. */
  interface Job {
    /** Sends its first request on an upload thread. */
    void start();

    /** Ends it now, unless it ended: the uploader was closed. */
    void closeNow();
  }

  /** What {@link #admit} did with a job. */
  private enum Admission {
    SLOT(null), QUEUED(null), CLOSED(UploadFailure.CLOSED), QUEUE_FULL(UploadFailure.QUEUE_FULL);

    final UploadFailure refusal;

    Admission(UploadFailure refusal) {
      this.refusal = refusal;
    }
  }

  /** Gives {@code job} a slot, or a place in the queue (started when a slot frees), or refuses it. */
  private synchronized Admission admit(Job job) {
    if (closed) {
      return Admission.CLOSED;
    }
    if (inProgress.size() < settings.maxConcurrent()) {
      inProgress.add(job);
      return Admission.SLOT;
    }
    if (queue.size() < settings.maxQueued()) {
      queue.add(job);
      return Admission.QUEUED;
    }
    return Admission.QUEUE_FULL;
  }

  private void finished(FileUpload upload, UploadResult result, Throwable error) {
    if (error == null) {
      metrics.stored(result.lag());
      log.info("event=recording.upload.stored bucket={} key={} bytes={} parts={} lag_ms={} local_deleted={}",
          result.bucket(), result.key(), result.bytes(), result.parts(), result.lag().toMillis(),
          result.localDeleted());
    } else {
      UploadException failure = (UploadException) error;
      metrics.failed(failure.reason());
      log.warn("event=recording.upload.failed bucket={} key={} reason={} attempts={} detail=\"{}\"",
          store.bucket(), upload.key(), failure.reason().tag(), failure.attempts(), failure.getMessage());
    }
    release(upload);
  }

  /** {@code job} ended: its slot goes to the next in the queue. */
  private void release(Job job) {
    Job next;
    synchronized (this) {
      inProgress.remove(job);
      next = closed ? null : queue.poll();
      if (next != null) {
        inProgress.add(next);
      }
    }
    if (next != null) {
      next.start();
    }
  }

  /** Files uploaded at once at most (recording.s3.maxConcurrentUploads). */
  int slots() {
    return settings.maxConcurrent();
  }

  /** Files waiting for a slot. */
  public synchronized int queued() {
    return queue.size();
  }

  /** Uploads in progress, those waiting to retry included. */
  public synchronized int active() {
    return inProgress.size();
  }

  private synchronized boolean isClosed() {
    return closed;
  }

  /**
   * Stops at once: every upload not yet confirmed, queued or in progress, fails as closed and its
   * file stays local (a request in flight may still reach the store; its outcome is ignored).
   */
  @Override
  public void close() {
    List<Job> ending;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      ending = new ArrayList<>(inProgress);
      ending.addAll(queue);
      queue.clear();
    }
    ending.forEach(Job::closeNow);
    for (AutoCloseable resource : resources) {
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("event=recording.upload.close_incomplete error=\"{}\"", e.toString());
      }
    }
  }

  /** One daemon thread per slot; at most one request per upload in progress is queued or running. */
  private static ThreadPoolExecutor uploadThreads(int slots) {
    AtomicInteger count = new AtomicInteger();
    ThreadPoolExecutor pool = new ThreadPoolExecutor(slots, slots, 60, TimeUnit.SECONDS,
        new ArrayBlockingQueue<>(slots), r -> {
          Thread t = new Thread(r, "cascade-s3-upload-" + count.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
