package io.cascade.recording.upload;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An {@link ObjectStore} that passes every request on; tests override one to step in. */
class ForwardingStore implements ObjectStore {
  private final ObjectStore next;

  ForwardingStore(ObjectStore next) {
    this.next = next;
  }

  @Override
  public String bucket() {
    return next.bucket();
  }

  @Override
  public String put(String key, Path file, String contentType, Map<String, String> metadata) {
    return next.put(key, file, contentType, metadata);
  }

  @Override
  public String put(String key, byte[] body, String contentType, Map<String, String> metadata) {
    return next.put(key, body, contentType, metadata);
  }

  @Override
  public Optional<byte[]> get(String key, int maxBytes) {
    return next.get(key, maxBytes);
  }

  @Override
  public String createMultipart(String key, String contentType, Map<String, String> metadata) {
    return next.createMultipart(key, contentType, metadata);
  }

  @Override
  public String uploadPart(String key, String uploadId, int partNumber, Path file, long offset, long length) {
    return next.uploadPart(key, uploadId, partNumber, file, offset, length);
  }

  @Override
  public String completeMultipart(String key, String uploadId, List<String> partEtags) {
    return next.completeMultipart(key, uploadId, partEtags);
  }

  @Override
  public void abortMultipart(String key, String uploadId) {
    next.abortMultipart(key, uploadId);
  }

  @Override
  public void close() {
    next.close();
  }
}
