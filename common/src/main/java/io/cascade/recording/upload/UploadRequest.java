package io.cascade.recording.upload;

import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * One finished local file to store as one object.
 *
 * @param file the local file; it must not change once handed over
 * @param key the object key below {@code recording.s3.prefix}, e.g. {@code live/cam1/2026-12-06T03-51-00Z.mp4}
 * @param contentType the object's Content-Type, e.g. {@code video/mp4}
 * @param metadata user metadata stored with the object (sent as {@code x-amz-meta-*} headers)
 * @param deleteAfterUpload whether the local file is deleted once the store confirmed the object;
 *     it is never deleted otherwise
 */
public record UploadRequest(
    Path file, String key, String contentType, Map<String, String> metadata, boolean deleteAfterUpload) {

  public UploadRequest {
    Objects.requireNonNull(file, "file");
    Objects.requireNonNull(contentType, "contentType");
    if (key == null || key.isEmpty() || key.startsWith("/")) {
      throw new IllegalArgumentException("object key must be non-empty and relative, got '" + key + "'");
    }
    metadata = Map.copyOf(metadata);
  }
}
