package io.cascade.recording.upload;

import java.util.Locale;

/**
 * Why a file was not uploaded: the {@code reason} tag of {@code cascade.recording.upload.failures}.
 * In every case the local file is left where it was.
 */
public enum UploadFailure {
  /** The upload queue was full when the file was handed over; nothing was sent. */
  QUEUE_FULL,
  /** 403: wrong or missing credentials, or a policy that refuses them. Not retried. */
  ACCESS_DENIED,
  /** 404 NoSuchBucket: the configured bucket does not exist. Not retried. */
  NO_SUCH_BUCKET,
  /** Another refusal that sending again cannot change (400, 404, 405, 409, 411, 413, a redirect to another region, ...). */
  REJECTED,
  /** Network errors, timeouts, 408, 429 or 5xx on every one of recording.s3.retry.attempts. */
  RETRIES_EXHAUSTED,
  /** The local file could not be read (gone, not a regular file, I/O error). */
  LOCAL_FILE,
  /** The uploader was closed before the upload finished. */
  CLOSED;

  /** The tag value: lower case, e.g. {@code access_denied}. */
  public String tag() {
    return name().toLowerCase(Locale.ROOT);
  }
}
