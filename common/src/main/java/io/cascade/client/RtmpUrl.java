package io.cascade.client;

import java.net.URI;
import java.net.URISyntaxException;

/**
 * Where an RTMP client connects and what it plays or publishes: {@code rtmp://host[:port]/app/stream[?query]}.
 *
 * <p>The application is the first path segment and the stream name is the rest, query included,
 * which is how ffmpeg splits a URL and where servers look for tokens. Only plain {@code rtmp}
 * is supported.
 *
 * @param host server host name or address
 * @param port server port, 1935 when the URL names none
 * @param app application name, the {@code app} property of connect
 * @param stream stream name for play or publish, possibly with a {@code ?query}; empty when the URL
 *     names only the application
 */
public record RtmpUrl(String host, int port, String app, String stream) {
  public static final int DEFAULT_PORT = 1935;

  public RtmpUrl {
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("RTMP URL needs a host");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be in 1..65535: " + port);
    }
    if (app == null || app.isEmpty()) {
      throw new IllegalArgumentException("RTMP URL needs an application: rtmp://host/app/stream");
    }
    if (stream == null) {
      throw new IllegalArgumentException("stream must not be null (use \"\" for none)");
    }
  }

  /** Parses {@code rtmp://host[:port]/app[/stream[?query]]}. */
  public static RtmpUrl parse(String url) {
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
    return new RtmpUrl(host, uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort(), app, stream);
  }

  /** The same server and application with another stream name. */
  public RtmpUrl withStream(String name) {
    return new RtmpUrl(host, port, app, name);
  }

  /** The {@code tcUrl} property of connect: the URL up to and including the application. */
  public String tcUrl() {
    String h = host.indexOf(':') >= 0 ? "[" + host + "]" : host;
    return "rtmp://" + h + ":" + port + "/" + app;
  }

  @Override
  public String toString() {
    return tcUrl() + (stream.isEmpty() ? "" : "/" + stream);
  }
}
