package io.cascade.recording.upload;

/**
 * A failed upload: the reason, the request attempts made and what the store or the network said
 * (status and error code; never a credential). The local file is still in place.
 */
public final class UploadException extends Exception {
  private final UploadFailure reason;
  private final int attempts;

  UploadException(UploadFailure reason, int attempts, String message, Throwable cause) {
    super(message, cause, false, false);
    this.reason = reason;
    this.attempts = attempts;
  }

  public UploadFailure reason() {
    return reason;
  }

  /** Attempts of the request that failed last (1 when it was not retried, 0 when none was sent). */
  public int attempts() {
    return attempts;
  }
}
