package io.cascade.rtmp;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * The names RTMP carries, parsed in one place: {@code rtmp://host[:port]/app[/stream[?query]]} URLs
 * for a client, and on a server the {@code app} of connect, the stream name of publish or play with
 * its query string of tokens, and the stream key {@code app/name} that streams are known by. Other
 * outputs that address the same streams (HTTP-FLV's {@code /app/name.flv?query}) use the same rules.
 *
 * @param host server host name or address, without IPv6 brackets
 * @param port server port, {@link #DEFAULT_PORT} when the URL names none
 * @param app the first path segment, the {@code app} property of connect
 * @param stream the rest of the path with the {@code ?query}, as the client sends it in play or
 *     publish; empty when the URL names only the application
 */
public record RtmpUri(String host, int port, String app, String stream) {
  public static final int DEFAULT_PORT = 1935;
  /** Longest app or stream name a server accepts. */
  public static final int MAX_NAME_LENGTH = 512;
  /** Query parameters kept from one name; the rest are ignored. */
  public static final int MAX_QUERY_PARAMETERS = 32;

  /**
   * Parses {@code rtmp://host[:port]/app[/stream[?query]]}: the application is the first path
   * segment and the stream name the rest, query included, which is how ffmpeg splits a URL.
   */
  public static RtmpUri parse(String url) {
    URI uri;
    try {
      uri = new URI(url);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not an RTMP URL: " + url, e);
    }
    if (!"rtmp".equalsIgnoreCase(uri.getScheme())) {
      throw new IllegalArgumentException("only rtmp:// URLs are supported: " + url);
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    while (path.startsWith("/")) {
      path = path.substring(1);
    }
    int slash = path.indexOf('/');
    String app = slash < 0 ? path : path.substring(0, slash);
    String stream = slash < 0 ? "" : path.substring(slash + 1);
    if (uri.getRawQuery() != null) {
      stream = stream + "?" + uri.getRawQuery();
    }
    String host = uri.getHost();
    if (host != null && host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    return new RtmpUri(host, uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), app, stream);
  }

  /** The {@code tcUrl} property of connect: the URL up to and including the application. */
  public static String tcUrl(String host, int port, String app) {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return "rtmp://" + h + ":" + port + "/" + app;
  }

  /**
   * The application a server serves for the {@code app} of connect: {@code live/} or
   * {@code live?x=y} → {@code live}; sub-paths such as {@code live/sub} are kept. Empty when
   * nothing is left or the name is longer than {@link #MAX_NAME_LENGTH}.
   */
  public static String appName(String raw) {
    String a = withoutQuery(raw == null ? "" : raw);
    while (a.endsWith("/")) {
      a = a.substring(0, a.length() - 1);
    }
    return a.length() > MAX_NAME_LENGTH ? "" : a;
  }

  /**
   * The stream name of publish or play without its query string (the query carries tokens, never
   * part of the key); empty when absent or longer than {@link #MAX_NAME_LENGTH}.
   */
  public static String streamName(String raw) {
    if (raw == null) {
      return "";
    }
    String n = withoutQuery(raw).trim();
    return n.length() > MAX_NAME_LENGTH ? "" : n;
  }

  /** The key a stream is known by on every node: {@code app/name}. */
  public static String key(String app, String name) {
    return app + "/" + name;
  }

  /**
   * {@code name?a=1&b=2} → {a=1, b=2}: at most {@link #MAX_QUERY_PARAMETERS}, the first of a
   * repeated name wins, '+' and %XX decoded (kept as sent when the escapes are malformed).
   */
  public static Map<String, String> query(String raw) {
    if (raw == null) {
      return Map.of();
    }
    int q = raw.indexOf('?');
    if (q < 0) {
      return Map.of();
    }
    Map<String, String> out = new HashMap<>();
    for (String part : raw.substring(q + 1).split("&", MAX_QUERY_PARAMETERS + 1)) {
      if (out.size() >= MAX_QUERY_PARAMETERS || part.isEmpty()) {
        continue;
      }
      int eq = part.indexOf('=');
      String k = eq < 0 ? part : part.substring(0, eq);
      String v = eq < 0 ? "" : part.substring(eq + 1);
      try {
        out.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
      } catch (IllegalArgumentException e) {
        out.putIfAbsent(k, v);
      }
    }
    return out;
  }

  /** {@code s} up to its first '?'. */
  public static String withoutQuery(String s) {
    int q = s.indexOf('?');
    return q < 0 ? s : s.substring(0, q);
  }

  /** {@code s} cut to 80 characters for a log line. */
  public static String truncate(String s) {
    return s.length() > 80 ? s.substring(0, 80) + "..." : s;
  }

  /** The {@code tcUrl} of this URL. */
  public String tcUrl() {
    return tcUrl(host, port, app);
  }

  /** The stream name without its query. */
  public String streamName() {
    return streamName(stream);
  }

  /** The query parameters of the stream name. */
  public Map<String, String> query() {
    return query(stream);
  }
}
