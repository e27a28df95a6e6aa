package io.cascade.recording.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.file.NoSuchFileException;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.services.s3.model.S3Exception;

class UploadErrorsTest {

  @Test
  void busyOrFailingStoresAndTheNetworkAreRetried() {
    for (int status : new int[] {408, 429, 500, 502, 503, 504}) {
      assertThat(UploadErrors.classify(s3(status, "X")).retryable()).as("status " + status).isTrue();
    }
    assertThat(UploadErrors.classify(s3(400, "RequestTimeout")).retryable()).isTrue();
    UploadErrors.Verdict timeout = UploadErrors.classify(
        SdkClientException.create("Unable to execute HTTP request", new SocketTimeoutException("Read timed out")));
    assertThat(timeout.retryable()).isTrue();
    assertThat(timeout.detail()).isEqualTo("SocketTimeoutException: Read timed out");
    assertThat(UploadErrors.classify(ApiCallAttemptTimeoutException.create(1000)).retryable()).isTrue();
  }

  @Test
  void aConnectionCutWhileSendingIsToldFromAStoreThatCannotBeReached() {
    assertThat(UploadErrors.cutWhileSending(SdkClientException.create("x",
        new java.io.IOException("Error writing request body to server")))).isTrue();
    assertThat(UploadErrors.cutWhileSending(SdkClientException.create("x",
        new java.net.SocketException("Connection reset")))).isTrue();
    assertThat(UploadErrors.cutWhileSending(SdkClientException.create("x",
        new java.net.ConnectException("Connection refused")))).isFalse();
    assertThat(UploadErrors.cutWhileSending(SdkClientException.create("x",
        new SocketTimeoutException("Read timed out")))).isFalse();
    assertThat(UploadErrors.cutWhileSending(SdkClientException.create("x",
        new java.net.UnknownHostException("minio")))).isFalse();
    assertThat(UploadErrors.cutWhileSending(ApiCallAttemptTimeoutException.create(1000))).isFalse();
    assertThat(UploadErrors.cutWhileSending(s3(503, "SlowDown"))).isFalse();
  }

  @Test
  void refusalsAreFinalWithTheirReason() {
    assertThat(UploadErrors.classify(s3(403, "InvalidAccessKeyId")))
        .isEqualTo(new UploadErrors.Verdict(false, UploadFailure.ACCESS_DENIED, "403 InvalidAccessKeyId"));
    assertThat(UploadErrors.classify(s3(404, "NoSuchBucket")).reason()).isEqualTo(UploadFailure.NO_SUCH_BUCKET);
    assertThat(UploadErrors.classify(s3(404, "NoSuchUpload")).reason()).isEqualTo(UploadFailure.REJECTED);
    assertThat(UploadErrors.classify(s3(301, "PermanentRedirect")).retryable()).isFalse();
    assertThat(UploadErrors.classify(new UncheckedIOException(new NoSuchFileException("/x")))
        .reason()).isEqualTo(UploadFailure.LOCAL_FILE);
  }

  @Test
  void theStoresOwnMessageIsLeftOut() {
    S3Exception e = (S3Exception) S3Exception.builder().statusCode(403).message("secret-ish echo")
        .awsErrorDetails(AwsErrorDetails.builder().errorCode("SignatureDoesNotMatch")
            .errorMessage("StringToSign AKIA... echoed").build()).build();
    assertThat(UploadErrors.classify(e).detail()).isEqualTo("403 SignatureDoesNotMatch");
  }

  private static S3Exception s3(int status, String code) {
    return (S3Exception) S3Exception.builder().statusCode(status)
        .awsErrorDetails(AwsErrorDetails.builder().errorCode(code).build()).build();
  }
}
