package io.cascade.recording.upload;

import java.time.Duration;

/**
 * An object the store confirmed.
 *
 * @param bucket the bucket it is in
 * @param key its full key, prefix included
 * @param bytes its size
 * @param parts parts it was sent in; 1 for a single PUT
 * @param etag the ETag the store gave it (for a multipart upload {@code "<hash>-<parts>"} on S3)
 * @param lag from the hand-over to the confirmation, queueing and retries included
 * @param localDeleted whether the local file was deleted afterwards
 */
public record UploadResult(
    String bucket, String key, long bytes, int parts, String etag, Duration lag, boolean localDeleted) {
}
