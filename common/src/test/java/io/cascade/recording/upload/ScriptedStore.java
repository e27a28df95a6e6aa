package io.cascade.recording.upload;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An {@link ObjectStore} that records each request by name ({@code put}, {@code create},
 * {@code part1}, ..., {@code complete}, {@code abort}, {@code get}) and throws the errors a test
 * queued for that name, one per request, before answering. Small objects (read by {@code get},
 * written by the PUT of bytes) are kept as text.
 */
final class ScriptedStore implements ObjectStore {
  private final List<String> calls = new ArrayList<>();
  private final List<String> stored = new ArrayList<>();
  private final Map<String, Deque<RuntimeException>> errors = new HashMap<>();
  private final Map<String, byte[]> objects = new HashMap<>();

  /** The store holds {@code text} as {@code key} (null: no such object). */
  synchronized ScriptedStore holding(String key, String text) {
    if (text == null) {
      objects.remove(key);
    } else {
      objects.put(key, text.getBytes(StandardCharsets.US_ASCII));
    }
    return this;
  }

  /** The small object {@code key} as text; null when there is none. */
  synchronized String object(String key) {
    byte[] body = objects.get(key);
    return body == null ? null : new String(body, StandardCharsets.US_ASCII);
  }

  /** The next requests named {@code call} fail with these, in order. */
  synchronized ScriptedStore failing(String call, RuntimeException... failures) {
    errors.computeIfAbsent(call, k -> new ArrayDeque<>()).addAll(List.of(failures));
    return this;
  }

  synchronized List<String> calls() {
    return List.copyOf(calls);
  }

  /** The keys of the single PUTs that succeeded, in order. */
  synchronized List<String> putKeys() {
    return List.copyOf(stored);
  }

  private synchronized void request(String call) {
    calls.add(call);
    Deque<RuntimeException> queued = errors.get(call);
    if (queued != null && !queued.isEmpty()) {
      throw queued.poll();
    }
  }

  @Override
  public String bucket() {
    return "bucket";
  }

  @Override
  public String put(String key, Path file, String contentType, Map<String, String> metadata) {
    request("put");
    synchronized (this) {
      stored.add(key);
    }
    return "\"etag-put\"";
  }

  @Override
  public String put(String key, byte[] body, String contentType, Map<String, String> metadata) {
    request("put");
    synchronized (this) {
      stored.add(key);
      objects.put(key, body.clone());
    }
    return "\"etag-bytes\"";
  }

  @Override
  public Optional<byte[]> get(String key, int maxBytes) {
    request("get");
    byte[] body;
    synchronized (this) {
      body = objects.get(key);
    }
    if (body != null && body.length > maxBytes) {
      throw new TooLarge(key, body.length, maxBytes);
    }
    return Optional.ofNullable(body);
  }

  @Override
  public String createMultipart(String key, String contentType, Map<String, String> metadata) {
    request("create");
    return "upload-1";
  }

  @Override
  public String uploadPart(String key, String uploadId, int partNumber, Path file, long offset, long length) {
    request("part" + partNumber);
    return "\"etag-" + partNumber + "-" + offset + "-" + length + "\"";
  }

  @Override
  public String completeMultipart(String key, String uploadId, List<String> partEtags) {
    request("complete");
    return "\"etag-multipart-" + partEtags.size() + "\"";
  }

  @Override
  public void abortMultipart(String key, String uploadId) {
    request("abort");
  }

  @Override
  public void close() {
  }
}
