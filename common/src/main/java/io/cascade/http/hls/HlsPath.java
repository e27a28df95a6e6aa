package io.cascade.http.hls;

import io.cascade.http.play.HttpPlay;

/**
 * The stream and resource an HLS request names: {@code /{app}/{stream}/{resource}}, app possibly
 * with sub-paths, the key {@code app/stream} as an RTMP play of the same stream uses. Resources:
 * {@code index.m3u8}, {@code media.m3u8}, {@code init-{tag}-{v}.mp4}, {@code part-{tag}-{n}.m4s},
 * {@code seg-{tag}-{msn}.m4s}: those of the default rendition (track 0). The rendition of
 * Enhanced-RTMP video track {@code t} has {@code media-{t}.m3u8} and {@code -v{t}} after the tag:
 * {@code init-{tag}-v{t}-{v}.mp4}, {@code part-{tag}-v{t}-{n}.m4s}, {@code seg-{tag}-v{t}-{msn}.m4s}.
 */
record HlsPath(String app, String name, String key, Kind kind, String tag, long number, int track) {
  enum Kind {
    MULTIVARIANT("multivariant"), MEDIA("media"), INIT("init"), PART("part"), SEGMENT("segment");

    final String meterTag;

    Kind(String meterTag) {
      this.meterTag = meterTag;
    }
  }

  /** The same bound the RTMP connection applies to app and stream names. */
  private static final int MAX_TAG_LENGTH = 16;
  /** Enhanced-RTMP track ids are one byte. */
  private static final int MAX_TRACK = 255;

  /** Whether the path looks like an HLS resource at all (else the request is not ours). */
  static boolean matches(String path) {
    return path != null && path.startsWith("/") && (path.endsWith(".m3u8") || path.endsWith(".m4s")
        || path.endsWith(".mp4"));
  }

  /** The parsed path, or null when it names nothing acceptable (a 400). */
  static HlsPath parse(String path) {
    int last = path.lastIndexOf('/');
    if (last <= 0) {
      return null;
    }
    String resource = path.substring(last + 1);
    String p = path.substring(1, last);
    int slash = p.lastIndexOf('/');
    if (slash <= 0 || slash == p.length() - 1) {
      return null;
    }
    String app = p.substring(0, slash);
    String name = p.substring(slash + 1);
    if (!HttpPlay.validName(app) || !HttpPlay.validName(name)) {
      return null;
    }
    String key = app + "/" + name;
    switch (resource) {
      case "index.m3u8":
        return new HlsPath(app, name, key, Kind.MULTIVARIANT, "", 0, 0);
      case "media.m3u8":
        return new HlsPath(app, name, key, Kind.MEDIA, "", 0, 0);
      default:
        break;
    }
    if (resource.startsWith("media-") && resource.endsWith(".m3u8")) {
      long track = number(resource.substring(6, resource.length() - 5));
      return track > 0 && track <= MAX_TRACK ? new HlsPath(app, name, key, Kind.MEDIA, "", 0, (int) track) : null;
    }
    Kind kind;
    String rest;
    if (resource.startsWith("init-") && resource.endsWith(".mp4")) {
      kind = Kind.INIT;
      rest = resource.substring(5, resource.length() - 4);
    } else if (resource.startsWith("part-") && resource.endsWith(".m4s")) {
      kind = Kind.PART;
      rest = resource.substring(5, resource.length() - 4);
    } else if (resource.startsWith("seg-") && resource.endsWith(".m4s")) {
      kind = Kind.SEGMENT;
      rest = resource.substring(4, resource.length() - 4);
    } else {
      return null;
    }
    int dash = rest.indexOf('-');
    if (dash <= 0 || dash > MAX_TAG_LENGTH) {
      return null;
    }
    String tag = rest.substring(0, dash);
    String tail = rest.substring(dash + 1);
    long track = 0;
    int trackDash = tail.indexOf('-');
    if (tail.startsWith("v") && trackDash > 1) {
      track = number(tail.substring(1, trackDash));
      if (track <= 0 || track > MAX_TRACK) {
        return null;
      }
      tail = tail.substring(trackDash + 1);
    }
    long number = number(tail);
    if (number < 0 || !tag.chars().allMatch(Character::isLetterOrDigit)) {
      return null;
    }
    return new HlsPath(app, name, key, kind, tag, number, (int) track);
  }

  /** A non-negative decimal of at most 18 digits, else -1. */
  static long number(String s) {
    if (s.isEmpty() || s.length() > 18) {
      return -1;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(s);
  }

}
