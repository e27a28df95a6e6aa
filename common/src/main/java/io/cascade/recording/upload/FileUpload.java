package io.cascade.recording.upload;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One file on its way to the store: a single PUT below the multipart threshold, else create,
 * parts in order, complete. Its requests run one at a time on the upload threads; a request that
 * fails with a retryable error is sent again after a backoff on the scheduler (the thread is free
 * meanwhile), up to recording.s3.retry.attempts times, and a multipart upload resumes at the part
 * that failed. A refusal, or the last failed attempt, ends it: the multipart upload is aborted so
 * the store keeps no orphaned parts, and the local file stays. The file is deleted only after the
 * store confirmed the whole object, and only if the request asked for it.
 */
final class FileUpload implements RecordingUploader.Job {
  private static final Logger log = LoggerFactory.getLogger(FileUpload.class);

  private final UploadRequest request;
  private final String key;
  private final S3UploadSettings settings;
  private final ObjectStore store;
  private final Executor executor;
  private final UploadScheduler scheduler;
  private final RetryBackoff backoff;
  private final UploadMetrics metrics;
  private final BooleanSupplier closed;
  private final long handedOverNanos;
  private final CompletableFuture<UploadResult> result = new CompletableFuture<>();
  /** Set once by whichever ends the upload first: its last request, or the uploader closing. */
  private final AtomicBoolean settled = new AtomicBoolean();

  // Touched by one request at a time: each runs after the previous one ended (executor, timer).
  private long size = -1;
  private long partSize;
  private int partCount;
  private String uploadId;
  private final List<String> partEtags = new ArrayList<>();
  private int attempts;

  FileUpload(UploadRequest request, S3UploadSettings settings, ObjectStore store, Executor executor,
      UploadScheduler scheduler, RetryBackoff backoff, UploadMetrics metrics, BooleanSupplier closed,
      long handedOverNanos) {
    this.request = request;
    this.key = settings.objectKey(request.key());
    this.settings = settings;
    this.store = store;
    this.executor = executor;
    this.scheduler = scheduler;
    this.backoff = backoff;
    this.metrics = metrics;
    this.closed = closed;
    this.handedOverNanos = handedOverNanos;
  }

  /** The full object key, prefix included. */
  String key() {
    return key;
  }

  /** Completes with the stored object, or with an {@link UploadException}. */
  CompletableFuture<UploadResult> result() {
    return result;
  }

  /** Sends the first request on an upload thread. */
  @Override
  public void start() {
    submit();
  }

  /**
   * Ends the upload now as {@link UploadFailure#CLOSED}, unless it already ended: a request still
   * in flight may reach the store, but its outcome is ignored and the local file is not deleted.
   */
  @Override
  public void closeNow() {
    if (settled.compareAndSet(false, true)) {
      result.completeExceptionally(new UploadException(UploadFailure.CLOSED, attempts,
          "upload of " + request.file() + " to s3://" + store.bucket() + "/" + key
              + " failed: closed (the uploader was closed); the file stays local", null));
    }
  }

  private void submit() {
    try {
      executor.execute(this::run);
    } catch (RejectedExecutionException e) {
      // On the timer thread, which must not wait on the network: no abort request from here.
      uploadId = null;
      fail(UploadFailure.CLOSED, "uploader closed", null);
    }
  }

  /** Sends requests until the object is stored or one fails. */
  private void run() {
    if (settled.get()) {
      return;
    }
    if (closed.getAsBoolean()) {
      fail(UploadFailure.CLOSED, "uploader closed", null);
      return;
    }
    try {
      if (size < 0) {
        plan();
      }
      if (partCount == 0) {
        attempts++;
        String etag = store.put(key, request.file(), request.contentType(), request.metadata());
        metrics.confirmed(size);
        succeed(etag, 1);
        return;
      }
      if (uploadId == null) {
        attempts++;
        uploadId = store.createMultipart(key, request.contentType(), request.metadata());
        attempts = 0;
      }
      while (partEtags.size() < partCount) {
        if (closed.getAsBoolean()) {
          fail(UploadFailure.CLOSED, "uploader closed", null);
          return;
        }
        int part = partEtags.size() + 1;
        long offset = (part - 1) * partSize;
        long length = Math.min(partSize, size - offset);
        attempts++;
        partEtags.add(store.uploadPart(key, uploadId, part, request.file(), offset, length));
        metrics.confirmed(length);
        attempts = 0;
      }
      attempts++;
      String etag = store.completeMultipart(key, uploadId, List.copyOf(partEtags));
      succeed(etag, partCount);
    } catch (IOException e) {
      fail(UploadFailure.LOCAL_FILE, UploadErrors.classify(e).detail(), e);
    } catch (RuntimeException e) {
      failed(e);
    }
  }

  /** Single PUT or parts, from the file's size as it is now. */
  private void plan() throws IOException {
    Path file = request.file();
    if (!Files.isRegularFile(file)) {
      throw new IOException("not a regular file: " + file);
    }
    size = Files.size(file);
    if (size >= settings.multipartThreshold()) {
      partSize = settings.partSizeFor(size);
      partCount = (int) ((size + partSize - 1) / partSize);
    }
  }

  private void failed(RuntimeException error) {
    UploadErrors.Verdict verdict = UploadErrors.classify(error);
    if (verdict.retryable() && partCount == 0 && UploadErrors.cutWhileSending(error)) {
      verdict = refusalOr(verdict);
    }
    if (!verdict.retryable()) {
      fail(verdict.reason(), verdict.detail(), error);
    } else if (!Files.isReadable(request.file())) {
      fail(UploadFailure.LOCAL_FILE, "file no longer readable; last error " + verdict.detail(), error);
    } else if (attempts >= settings.retryAttempts()) {
      fail(UploadFailure.RETRIES_EXHAUSTED, verdict.detail(), error);
    } else if (closed.getAsBoolean()) {
      fail(UploadFailure.CLOSED, "uploader closed; last error " + verdict.detail(), error);
    } else {
      Duration delay = backoff.delayAfter(attempts);
      metrics.retried();
      log.info("event=recording.upload.retry bucket={} key={} request={} attempt={}/{} delay_ms={} error=\"{}\"",
          store.bucket(), key, requestName(), attempts, settings.retryAttempts(), delay.toMillis(),
          verdict.detail());
      try {
        scheduler.schedule(delay, this::submit);
      } catch (RejectedExecutionException e) {
        fail(UploadFailure.CLOSED, "uploader closed; last error " + verdict.detail(), error);
      }
    }
  }

  /**
   * A store that refuses a PUT (wrong credentials, no such bucket) may answer before it has read
   * the body and close the connection, so the client sees a cut connection, not the refusal, and
   * would retry it to the last attempt. A request without a body, a multipart upload's create
   * (covered by the same permission as a PUT), gets the refusal itself: if it is refused, that is
   * the verdict; if not, the upload it created is aborted and the PUT is retried as before.
   */
  private UploadErrors.Verdict refusalOr(UploadErrors.Verdict cut) {
    String probe;
    try {
      probe = store.createMultipart(key, request.contentType(), request.metadata());
    } catch (RuntimeException e) {
      UploadErrors.Verdict answer = UploadErrors.classify(e);
      return answer.retryable() ? cut : answer;
    }
    try {
      store.abortMultipart(key, probe);
    } catch (RuntimeException e) {
      log.warn("event=recording.upload.abort_failed bucket={} key={} error=\"{}\"", store.bucket(), key,
          UploadErrors.classify(e).detail());
    }
    return cut;
  }

  /** What the request that failed was, for the logs. */
  private String requestName() {
    if (partCount == 0) {
      return "put";
    }
    if (uploadId == null) {
      return "create_multipart";
    }
    return partEtags.size() < partCount ? "part_" + (partEtags.size() + 1) + "_of_" + partCount : "complete_multipart";
  }

  private void succeed(String etag, int parts) {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    boolean deleted = false;
    if (request.deleteAfterUpload()) {
      try {
        deleted = Files.deleteIfExists(request.file());
      } catch (IOException e) {
        log.warn("event=recording.upload.delete_failed bucket={} key={} file={} error=\"{}\"",
            store.bucket(), key, request.file(), e.toString());
      }
    }
    Duration lag = Duration.ofNanos(scheduler.nanoTime() - handedOverNanos);
    result.complete(new UploadResult(store.bucket(), key, size, parts, etag, lag, deleted));
  }

  private void fail(UploadFailure reason, String detail, Throwable cause) {
    if (!settled.compareAndSet(false, true)) {
      return;
    }
    if (uploadId != null) {
      abortQuietly();
    }
    String message = "upload of " + request.file() + " to s3://" + store.bucket() + "/" + key + " failed: "
        + reason.tag() + " (" + detail + ", attempt " + attempts + " of " + settings.retryAttempts()
        + "); the file stays local";
    result.completeExceptionally(new UploadException(reason, attempts, message, cause));
  }

  private void abortQuietly() {
    try {
      store.abortMultipart(key, uploadId);
    } catch (RuntimeException e) {
      // The store keeps the parts until its lifecycle rule (AbortIncompleteMultipartUpload) drops them.
      log.warn("event=recording.upload.abort_failed bucket={} key={} error=\"{}\"", store.bucket(), key,
          UploadErrors.classify(e).detail());
    }
    uploadId = null;
  }
}
