package io.cascade.client;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The server answered a command with an error: an error-level {@code onStatus} (for example
 * {@code NetStream.Play.StreamNotFound}, {@code NetStream.Publish.BadName}) or {@code _error}.
 */
public final class RtmpStatusException extends Exception {
  private static final long serialVersionUID = 1L;
  private final String code;
  private final transient Map<String, Object> info;

  public RtmpStatusException(String command, Map<String, Object> info) {
    super(command + " failed: " + info.get("code") + " (" + info.get("description") + ")");
    this.code = info.get("code") instanceof String s ? s : "";
    this.info = Map.copyOf(withoutNulls(info));
  }

  /** The status code, e.g. {@code NetStream.Publish.BadName}; empty when the server sent none. */
  public String code() {
    return code;
  }

  /** The info object as received (entries with null values left out). */
  public Map<String, Object> info() {
    return info;
  }

  private static Map<String, Object> withoutNulls(Map<String, Object> info) {
    Map<String, Object> copy = new LinkedHashMap<>();
    info.forEach((k, v) -> {
      if (k != null && v != null) {
        copy.put(k, v);
      }
    });
    return copy;
  }
}
