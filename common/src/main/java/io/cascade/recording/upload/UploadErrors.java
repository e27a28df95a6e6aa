package io.cascade.recording.upload;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkServiceException;

/**
 * Tells an error worth another attempt (the network, a timeout, a store that is busy or down) from
 * a refusal that the same request would get again (credentials, a missing bucket, a bad request),
 * so that a wrong setting fails each upload at once instead of storming the store with retries.
 * The detail it gives names the status and error code or the network error, never a credential:
 * the SDK's messages quote none, and the store's own error message is left out.
 */
final class UploadErrors {
  private static final int MAX_DETAIL = 200;

  private UploadErrors() {
  }

  /**
   * What to do about a failed request.
   *
   * @param retryable whether the same request may succeed later
   * @param reason the failure if it is not retried (for a retryable error, what it becomes when
   *     the attempts run out)
   * @param detail status and error code, or the network error, for logs and the exception message
   */
  record Verdict(boolean retryable, UploadFailure reason, String detail) {
  }

  static Verdict classify(Throwable error) {
    if (error instanceof SdkServiceException service) {
      int status = service.statusCode();
      String code = errorCode(service);
      String detail = status + (code.isEmpty() ? "" : " " + code);
      if (status == 403) {
        return new Verdict(false, UploadFailure.ACCESS_DENIED, detail);
      }
      if (status == 404 && code.equals("NoSuchBucket")) {
        return new Verdict(false, UploadFailure.NO_SUCH_BUCKET, detail);
      }
      if (status == 408 || status == 429 || status >= 500 || code.equals("RequestTimeout")) {
        return new Verdict(true, UploadFailure.RETRIES_EXHAUSTED, detail);
      }
      return new Verdict(false, UploadFailure.REJECTED, detail);
    }
    if (error instanceof SdkClientException) {
      // Connection refused or reset, a timeout, an unreadable answer: the network or the store.
      return new Verdict(true, UploadFailure.RETRIES_EXHAUSTED, describe(rootCause(error)));
    }
    if (error instanceof UncheckedIOException || error instanceof IOException) {
      return new Verdict(false, UploadFailure.LOCAL_FILE, describe(rootCause(error)));
    }
    return new Verdict(false, UploadFailure.REJECTED, describe(error));
  }

  /**
   * Whether {@code error} is a connection the store cut while the request was under way (reset,
   * closed, a body that could not be written), as opposed to a store that could not be reached
   * (refused, unknown host) or did not answer in time: the store was there and may have refused.
   */
  static boolean cutWhileSending(Throwable error) {
    if (!(error instanceof SdkClientException)) {
      return false;
    }
    Throwable root = rootCause(error);
    return root instanceof IOException && !(root instanceof ConnectException) && !(root instanceof NoRouteToHostException)
        && !(root instanceof UnknownHostException) && !(root instanceof InterruptedIOException);
  }

  private static String errorCode(SdkServiceException service) {
    if (service instanceof AwsServiceException aws && aws.awsErrorDetails() != null
        && aws.awsErrorDetails().errorCode() != null) {
      return aws.awsErrorDetails().errorCode();
    }
    return "";
  }

  private static Throwable rootCause(Throwable error) {
    Throwable t = error;
    for (int depth = 0; t.getCause() != null && t.getCause() != t && depth < 10; depth++) {
      t = t.getCause();
    }
    return t;
  }

  private static String describe(Throwable t) {
    String text = t.getClass().getSimpleName() + (t.getMessage() == null ? "" : ": " + t.getMessage());
    return text.length() <= MAX_DETAIL ? text : text.substring(0, MAX_DETAIL) + "...";
  }
}
