package io.cascade.recording.upload;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The few object-store requests an upload makes, each a blocking call on an upload thread that
 * either returns what the store confirmed or throws what {@link UploadErrors} classifies.
 * {@link S3ObjectStore} is the real one; tests script failures with their own.
 */
interface ObjectStore extends AutoCloseable {
  /** The bucket objects go to. */
  String bucket();

  /** Stores the whole file as {@code key} in one request; returns the ETag. */
  String put(String key, Path file, String contentType, Map<String, String> metadata);

  /** Stores {@code body} (a small object, e.g. a playlist) as {@code key} in one request; returns the ETag. */
  String put(String key, byte[] body, String contentType, Map<String, String> metadata);

  /**
   * The bytes of the small object {@code key}, read whole; empty when there is no such object.
   * One longer than {@code maxBytes} is refused with {@link TooLarge}, before more than
   * {@code maxBytes} + 1 of it are read.
   */
  Optional<byte[]> get(String key, int maxBytes);

  /** Starts a multipart upload of {@code key}; returns its upload id. */
  String createMultipart(String key, String contentType, Map<String, String> metadata);

  /** Sends bytes [offset, offset + length) of the file as part {@code partNumber} (from 1); returns its ETag. */
  String uploadPart(String key, String uploadId, int partNumber, Path file, long offset, long length);

  /** Joins the parts, whose ETags are given in part order; returns the object's ETag. */
  String completeMultipart(String key, String uploadId, List<String> partEtags);

  /** Drops a multipart upload and the parts sent so far. */
  void abortMultipart(String key, String uploadId);

  @Override
  void close();

  /** An object {@link #get} would not read: longer than its bound. */
  final class TooLarge extends RuntimeException {
    TooLarge(String key, long bytes, int maxBytes) {
      super(key + " is " + (bytes < 0 ? "more than " + maxBytes : bytes) + " bytes long, over the bound of " + maxBytes,
          null, false, false);
    }
  }
}
