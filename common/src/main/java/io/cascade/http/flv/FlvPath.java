package io.cascade.http.flv;

/**
 * The stream an HTTP-FLV request names: {@code /{app}/{stream}.flv}, app possibly with sub-paths
 * ({@code /live/sub/x.flv}), the key {@code app/stream} as an RTMP play of the same stream uses.
 */
record FlvPath(String app, String name, String key) {
  static final String SUFFIX = ".flv";
  /** The same bound the RTMP connection applies to app and stream names. */
  static final int MAX_NAME_LENGTH = 256;

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
    if (!valid(app) || !valid(name)) {
      return null;
    }
    return new FlvPath(app, name, app + "/" + name);
  }

  private static boolean valid(String s) {
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
}
