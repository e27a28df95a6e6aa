package io.cascade.http.flv;

import io.cascade.http.play.HttpPlay;

/**
 * The stream an HTTP-FLV request names: {@code /{app}/{stream}.flv}, app possibly with sub-paths
 * ({@code /live/sub/x.flv}), the key {@code app/stream} as an RTMP play of the same stream uses.
 */
record FlvPath(String app, String name, String key) {
  static final String SUFFIX = ".flv";
  /** The same bound the RTMP connection applies to app and stream names. */

  /** Whether the path asks for an FLV stream at all (else the request is not ours). */
  static boolean matches(String path) {
    return path != null && path.endsWith(SUFFIX) && path.startsWith("/");
  }

  /** The parsed path, or null when the names are not acceptable (a 400). */
  static FlvPath parse(String path) {
    String p = path.substring(1, path.length() - SUFFIX.length());
    int slash = p.lastIndexOf('/');
    if (slash <= 0 || slash == p.length() - 1) {
      return null;
    }
    String app = p.substring(0, slash);
    String name = p.substring(slash + 1);
    if (!HttpPlay.validName(app) || !HttpPlay.validName(name)) {
      return null;
    }
    return new FlvPath(app, name, app + "/" + name);
  }

}
