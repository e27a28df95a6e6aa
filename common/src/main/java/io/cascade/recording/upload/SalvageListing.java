package io.cascade.recording.upload;

import io.cascade.recording.FinalPlaylistMerge;
import io.cascade.recording.FinalPlaylistMerge.Result;
import io.cascade.recording.FinalPlaylistMerge.Status;
import io.cascade.recording.handover.HandoverState;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lists a salvaged segment in the final playlist another origin stored for its recording: reads the
 * playlist (at most {@link #MAX_PLAYLIST_BYTES}), merges the segment in ({@link FinalPlaylistMerge})
 * and stores it again. A playlist not there yet or not final yet (the other origin's upload may
 * still be retrying) is read again after a backoff, as a failed upload request is: the uploader's
 * own {@code recording.s3.retry.*} bounds, on its timer, the upload thread free meanwhile. A store
 * error is retried the same way when retryable; a refusal, an unreadable playlist or the last attempt
 * ends it. It holds one of the uploader's slots like a file upload. Completes with what became of
 * the segment, never exceptionally.
 */
final class SalvageListing implements RecordingUploader.Job {
  private static final Logger log = LoggerFactory.getLogger(SalvageListing.class);
  /**
   * The largest playlist read: a segment's entry takes about 90 bytes, so this holds a day of 1 s
   * segments (the defaults, 6 h of 6 s ones, make about 320 KB); one larger stays unlisted.
   */
  static final int MAX_PLAYLIST_BYTES = 16 << 20;
  private static final String CONTENT_TYPE = "application/vnd.apple.mpegurl";

  private final String key;
  private final HandoverState.Segment salvaged;
  private final Map<String, String> metadata;
  private final S3UploadSettings settings;
  private final ObjectStore store;
  private final Executor executor;
  private final UploadScheduler scheduler;
  private final RetryBackoff backoff;
  private final BooleanSupplier closed;
  private final CompletableFuture<Result> result = new CompletableFuture<>();
  private final AtomicBoolean settled = new AtomicBoolean();
  /** Reads made; one at a time (each runs after the previous one ended). */
  private int attempts;

  SalvageListing(String key, HandoverState.Segment salvaged, Map<String, String> metadata, S3UploadSettings settings,
      ObjectStore store, Executor executor, UploadScheduler scheduler, RetryBackoff backoff, BooleanSupplier closed) {
    this.key = key;
    this.salvaged = salvaged;
    this.metadata = Map.copyOf(metadata);
    this.settings = settings;
    this.store = store;
    this.executor = executor;
    this.scheduler = scheduler;
    this.backoff = backoff;
    this.closed = closed;
  }

  CompletableFuture<Result> result() {
    return result;
  }

  @Override
  public void start() {
    submit();
  }

  @Override
  public void closeNow() {
    finish(Result.of(Status.NOT_STORED, "the uploader was closed"));
  }

  private void submit() {
    try {
      executor.execute(this::attempt);
    } catch (RejectedExecutionException e) {
      finish(Result.of(Status.NOT_STORED, "the uploader was closed"));
    }
  }

  /** One read, and the write when the segment is merged in. */
  private void attempt() {
    if (settled.get()) {
      return;
    }
    if (closed.getAsBoolean()) {
      finish(Result.of(Status.NOT_STORED, "the uploader was closed"));
      return;
    }
    attempts++;
    Optional<byte[]> body;
    try {
      body = store.get(key, MAX_PLAYLIST_BYTES);
    } catch (ObjectStore.TooLarge e) {
      finish(Result.of(Status.UNREADABLE, e.getMessage()));
      return;
    } catch (RuntimeException e) {
      failed("reading it", e);
      return;
    }
    if (body.isEmpty()) {
      again(Result.of(Status.NOT_FINAL, "no playlist at s3://" + store.bucket() + "/" + key));
      return;
    }
    Result merged = FinalPlaylistMerge.merge(new String(body.get(), StandardCharsets.US_ASCII), salvaged);
    if (merged.status() == Status.NOT_FINAL) {
      again(merged);
      return;
    }
    if (merged.status() != Status.MERGED) {
      finish(merged);
      return;
    }
    try {
      store.put(key, merged.playlist().getBytes(StandardCharsets.US_ASCII), CONTENT_TYPE, metadata);
    } catch (RuntimeException e) {
      failed("writing it", e); // the next attempt reads it again: a newer one may have come meanwhile
      return;
    }
    finish(merged);
  }

  private void failed(String request, RuntimeException error) {
    UploadErrors.Verdict verdict = UploadErrors.classify(error);
    Result r = Result.of(Status.NOT_STORED, request + " failed: " + verdict.reason().tag() + " (" + verdict.detail()
        + ")");
    if (verdict.retryable()) {
      again(r);
    } else {
      finish(r);
    }
  }

  /** Reads again after a backoff, unless that was the last attempt: then {@code last} is the outcome. */
  private void again(Result last) {
    if (attempts >= settings.retryAttempts()) {
      finish(last);
      return;
    }
    if (closed.getAsBoolean()) {
      finish(Result.of(Status.NOT_STORED, "the uploader was closed; last " + last.reason()));
      return;
    }
    Duration delay = backoff.delayAfter(attempts);
    log.info("event=recording.salvage.merge_retry bucket={} key={} file={} attempt={}/{} delay_ms={} reason=\"{}\"",
        store.bucket(), key, salvaged.file(), attempts, settings.retryAttempts(), delay.toMillis(), last.reason());
    try {
      scheduler.schedule(delay, this::submit);
    } catch (RejectedExecutionException e) {
      finish(Result.of(Status.NOT_STORED, "the uploader was closed; last " + last.reason()));
    }
  }

  private void finish(Result outcome) {
    if (settled.compareAndSet(false, true)) {
      result.complete(outcome.noting(" (" + attempts + " of at most " + settings.retryAttempts() + " reads of s3://"
          + store.bucket() + "/" + key + ")"));
    }
  }
}
