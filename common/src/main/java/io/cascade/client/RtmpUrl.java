package io.cascade.client;

import io.cascade.rtmp.RtmpUri;

/**
 * Where an RTMP client connects and what it plays or publishes: {@code rtmp://host[:port]/app/stream[?query]}.
 *
 * <p>Parsed by {@link RtmpUri}: the application is the first path segment and the stream name is
 * the rest, query included. Only plain {@code rtmp} is supported.
 *
 * @param host server host name or address
 * @param port server port, 1935 when the URL names none
 * @param app application name, the {@code app} property of connect
 * @param stream stream name for play or publish, possibly with a {@code ?query}; empty when the URL
 *     names only the application
 */
public record RtmpUrl(String host, int port, String app, String stream) {
  public static final int DEFAULT_PORT = RtmpUri.DEFAULT_PORT;

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

  /** Parses {@code rtmp://host[:port]/app[/stream[?query]]}, see {@link RtmpUri#parse}. */
  public static RtmpUrl parse(String url) {
    RtmpUri uri = RtmpUri.parse(url);
    return new RtmpUrl(uri.host(), uri.port(), uri.app(), uri.stream());
  }

  /** The same server and application with another stream name. */
  public RtmpUrl withStream(String name) {
    return new RtmpUrl(host, port, app, name);
  }

  /** The {@code tcUrl} property of connect: the URL up to and including the application. */
  public String tcUrl() {
    return RtmpUri.tcUrl(host, port, app);
  }

  @Override
  public String toString() {
    return tcUrl() + (stream.isEmpty() ? "" : "/" + stream);
  }
}
