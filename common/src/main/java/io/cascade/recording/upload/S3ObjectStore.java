package io.cascade.recording.upload;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.ContentStreamProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * {@link ObjectStore} on the AWS SDK for Java v2's S3 client, with the blocking URLConnection HTTP
 * client (no second Netty next to Vert.x's). The SDK's own retries are off: {@link FileUpload}
 * retries, with its own bounds, on the uploader's scheduler, and tells refusals from failures.
 * Credentials are the provider's (the SDK's default chain on a node) and never leave the SDK.
 */
final class S3ObjectStore implements ObjectStore {
  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);

  private final S3Client s3;
  private final String bucket;

  S3ObjectStore(S3Client s3, String bucket) {
    this.s3 = s3;
    this.bucket = bucket;
  }

  /** A store for {@code settings} with the SDK's default credentials chain. */
  static S3ObjectStore create(S3UploadSettings settings) {
    return create(settings, DefaultCredentialsProvider.builder().build());
  }

  static S3ObjectStore create(S3UploadSettings settings, AwsCredentialsProvider credentials) {
    var builder = S3Client.builder()
        .httpClient(UrlConnectionHttpClient.builder()
            .connectionTimeout(CONNECT_TIMEOUT)
            .socketTimeout(settings.attemptTimeout())
            .build())
        .region(Region.of(settings.region()))
        .credentialsProvider(credentials)
        .forcePathStyle(settings.pathStyle())
        .overrideConfiguration(o -> o
            .retryStrategy(AwsRetryStrategy.doNotRetry())
            .apiCallAttemptTimeout(settings.attemptTimeout())
            .apiCallTimeout(settings.attemptTimeout()));
    if (!settings.endpoint().isEmpty()) {
      // The SDK's default CRC trailers on aws-chunked bodies (since 2.30) are not understood by
      // every S3-compatible service (S3Proxy answers XAmzContentSHA256Mismatch): send checksums
      // only where the API requires them; the SigV4 payload hash (plain HTTP) or TLS still
      // covers the bytes.
      builder.endpointOverride(URI.create(settings.endpoint()))
          .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
          .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
    }
    return new S3ObjectStore(builder.build(), settings.bucket());
  }

  @Override
  public String bucket() {
    return bucket;
  }

  @Override
  public String put(String key, Path file, String contentType, Map<String, String> metadata) {
    return s3.putObject(
        r -> r.bucket(bucket).key(key).contentType(contentType).metadata(metadata),
        RequestBody.fromFile(file)).eTag();
  }

  @Override
  public String put(String key, byte[] body, String contentType, Map<String, String> metadata) {
    return s3.putObject(
        r -> r.bucket(bucket).key(key).contentType(contentType).metadata(metadata),
        RequestBody.fromBytes(body)).eTag();
  }

  /**
   * Refuses an object whose Content-Length is over the bound before reading its body, and stops
   * reading one that sends more than it said; either way the connection is aborted, not drained.
   */
  @Override
  public Optional<byte[]> get(String key, int maxBytes) {
    ResponseInputStream<GetObjectResponse> in;
    try {
      in = s3.getObject(r -> r.bucket(bucket).key(key));
    } catch (S3Exception e) {
      if (e.statusCode() == 404 && (e.awsErrorDetails() == null
          || !"NoSuchBucket".equals(e.awsErrorDetails().errorCode()))) {
        return Optional.empty();
      }
      throw e;
    }
    try (in) {
      Long length = in.response().contentLength();
      if (length != null && length > maxBytes) {
        in.abort();
        throw new TooLarge(key, length, maxBytes);
      }
      byte[] body = in.readNBytes(maxBytes + 1);
      if (body.length > maxBytes) {
        in.abort();
        throw new TooLarge(key, -1, maxBytes);
      }
      return Optional.of(body);
    } catch (IOException e) {
      // The connection, not a local file: retried like any network error.
      throw SdkClientException.create("reading s3://" + bucket + "/" + key + ": " + e, e);
    }
  }

  @Override
  public String createMultipart(String key, String contentType, Map<String, String> metadata) {
    return s3.createMultipartUpload(
        r -> r.bucket(bucket).key(key).contentType(contentType).metadata(metadata)).uploadId();
  }

  @Override
  public String uploadPart(String key, String uploadId, int partNumber, Path file, long offset, long length) {
    RequestBody body = RequestBody.fromContentProvider(slice(file, offset, length), length,
        "application/octet-stream");
    return s3.uploadPart(
        r -> r.bucket(bucket).key(key).uploadId(uploadId).partNumber(partNumber).contentLength(length),
        body).eTag();
  }

  @Override
  public String completeMultipart(String key, String uploadId, List<String> partEtags) {
    List<CompletedPart> parts = new ArrayList<>(partEtags.size());
    for (int i = 0; i < partEtags.size(); i++) {
      parts.add(CompletedPart.builder().partNumber(i + 1).eTag(partEtags.get(i)).build());
    }
    return s3.completeMultipartUpload(
        r -> r.bucket(bucket).key(key).uploadId(uploadId).multipartUpload(m -> m.parts(parts))).eTag();
  }

  @Override
  public void abortMultipart(String key, String uploadId) {
    s3.abortMultipartUpload(r -> r.bucket(bucket).key(key).uploadId(uploadId));
  }

  @Override
  public void close() {
    s3.close();
  }

  /**
   * Bytes [offset, offset + length) of the file, read from disk each time the SDK asks for the
   * stream (it may read it more than once, e.g. to sign it), so a part is never held in memory.
   */
  private static ContentStreamProvider slice(Path file, long offset, long length) {
    return () -> {
      try {
        FileChannel channel = FileChannel.open(file, StandardOpenOption.READ);
        channel.position(offset);
        return new SliceStream(Channels.newInputStream(channel), length);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    };
  }

  /** At most {@code remaining} bytes of {@code in}; closes it. */
  private static final class SliceStream extends InputStream {
    private final InputStream in;
    private long remaining;

    SliceStream(InputStream in, long remaining) {
      this.in = in;
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(buf, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
