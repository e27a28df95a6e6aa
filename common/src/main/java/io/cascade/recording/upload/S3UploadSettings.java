package io.cascade.recording.upload;

import static io.cascade.config.ConfigSchema.RECORDING_S3_ATTEMPT_TIMEOUT;
import static io.cascade.config.ConfigSchema.RECORDING_S3_BUCKET;
import static io.cascade.config.ConfigSchema.RECORDING_S3_ENABLED;
import static io.cascade.config.ConfigSchema.RECORDING_S3_ENDPOINT;
import static io.cascade.config.ConfigSchema.RECORDING_S3_MAX_CONCURRENT_UPLOADS;
import static io.cascade.config.ConfigSchema.RECORDING_S3_MAX_QUEUED_UPLOADS;
import static io.cascade.config.ConfigSchema.RECORDING_S3_MULTIPART_THRESHOLD;
import static io.cascade.config.ConfigSchema.RECORDING_S3_PART_SIZE;
import static io.cascade.config.ConfigSchema.RECORDING_S3_PATH_STYLE;
import static io.cascade.config.ConfigSchema.RECORDING_S3_PREFIX;
import static io.cascade.config.ConfigSchema.RECORDING_S3_REGION;
import static io.cascade.config.ConfigSchema.RECORDING_S3_RETRY_ATTEMPTS;
import static io.cascade.config.ConfigSchema.RECORDING_S3_RETRY_BACKOFF_MAX;
import static io.cascade.config.ConfigSchema.RECORDING_S3_RETRY_BACKOFF_MIN;

import io.cascade.config.CascadeConfig;
import java.time.Duration;

/**
 * Where and how recordings are uploaded, built from the {@code recording.s3.*} settings by {@link
 * #from}; bounds and defaults are the schema's. Holds no credentials: those come from the SDK's
 * default chain when the store is built.
 *
 * @param enabled whether recordings are uploaded at all
 * @param endpoint URL of an S3-compatible service, empty for AWS S3
 * @param region region requests are signed for
 * @param bucket bucket objects are written to
 * @param prefix put in front of every key
 * @param pathStyle bucket in the URL path rather than the host name
 * @param multipartThreshold files of at least this many bytes go in parts
 * @param partSize bytes of each part but the last
 * @param maxConcurrent files uploaded at once (and threads that do it)
 * @param maxQueued files waiting for a slot; more are refused
 * @param retryAttempts attempts of one request that fails with a retryable error
 * @param backoffMin delay before the first retry
 * @param backoffMax longest delay between retries
 * @param attemptTimeout longest one request may take
 */
public record S3UploadSettings(
    boolean enabled,
    String endpoint,
    String region,
    String bucket,
    String prefix,
    boolean pathStyle,
    long multipartThreshold,
    long partSize,
    int maxConcurrent,
    int maxQueued,
    int retryAttempts,
    Duration backoffMin,
    Duration backoffMax,
    Duration attemptTimeout) {

  /** S3 numbers parts 1 to 10000. */
  static final int MAX_PARTS = 10_000;

  public static S3UploadSettings from(CascadeConfig config) {
    return new S3UploadSettings(
        config.get(RECORDING_S3_ENABLED),
        config.get(RECORDING_S3_ENDPOINT),
        config.get(RECORDING_S3_REGION),
        config.get(RECORDING_S3_BUCKET),
        config.get(RECORDING_S3_PREFIX),
        config.get(RECORDING_S3_PATH_STYLE),
        config.get(RECORDING_S3_MULTIPART_THRESHOLD),
        config.get(RECORDING_S3_PART_SIZE),
        config.get(RECORDING_S3_MAX_CONCURRENT_UPLOADS),
        config.get(RECORDING_S3_MAX_QUEUED_UPLOADS),
        config.get(RECORDING_S3_RETRY_ATTEMPTS),
        config.get(RECORDING_S3_RETRY_BACKOFF_MIN),
        config.get(RECORDING_S3_RETRY_BACKOFF_MAX),
        config.get(RECORDING_S3_ATTEMPT_TIMEOUT));
  }

  /** The object key of {@code key}: the prefix, then the key. */
  String objectKey(String key) {
    return prefix + key;
  }

  /**
   * The part size for a file of {@code size} bytes: the setting, or larger when the file would
   * need more than {@link #MAX_PARTS} parts of it.
   */
  long partSizeFor(long size) {
    long least = (size + MAX_PARTS - 1) / MAX_PARTS;
    return Math.max(partSize, least);
  }
}
