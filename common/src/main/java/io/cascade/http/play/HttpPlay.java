package io.cascade.http.play;

import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

/** What every play route on the HTTP port shares (HTTP-FLV, LL-HLS): the stream name rules and CORS. */
public final class HttpPlay {
  /** Longest app or stream name a path may carry. */
  public static final int MAX_NAME_LENGTH = 256;

  private HttpPlay() {
  }

  /**
   * Whether {@code s} is a usable app or stream name: not empty, at most {@link #MAX_NAME_LENGTH}
   * characters, no empty, {@code .} or {@code ..} segment, no control character, space, {@code ?},
   * {@code #}, {@code %} or backslash.
   */
  public static boolean validName(String s) {
    if (s.isEmpty() || s.length() > MAX_NAME_LENGTH || s.startsWith("/") || s.endsWith("/") || s.contains("//")) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x21 || c == 0x7f || c == '?' || c == '#' || c == '%' || c == '\\') {
        return false;
      }
    }
    return !s.equals(".") && !s.contains("/./") && !s.contains("..");
  }

  /** Lets a page on another origin play: the asking origin (or any), GET and OPTIONS, its headers. */
  public static void cors(HttpServerRequest req, HttpServerResponse resp) {
    String origin = req.getHeader(HttpHeaders.ORIGIN);
    resp.putHeader("access-control-allow-origin", origin == null ? "*" : origin);
    resp.putHeader("vary", "Origin");
    resp.putHeader("access-control-allow-methods", "GET, OPTIONS");
    String asked = req.getHeader("access-control-request-headers");
    resp.putHeader("access-control-allow-headers", asked == null ? "Range, Content-Type" : asked);
    resp.putHeader("access-control-allow-credentials", "true");
  }
}
