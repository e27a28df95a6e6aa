package io.cascade.cluster;

import java.net.http.HttpResponse;

/**
 * One read of a stream's LL-HLS media playlist on a node, reduced to its media sequence numbers:
 * the first listed, the last complete one, and the one that follows an {@code EXT-X-DISCONTINUITY}
 * (the segment a republish starts). The playlist's address comes from the multivariant playlist.
 */
record MediaPlaylist(String text, long firstMsn, long lastMsn, long discontinuityMsn) {

  /** The media playlist of {@code app/stream} on {@code node}, through {@code /live/stream/index.m3u8}. */
  static MediaPlaylist fetch(HttpNode node, String stream) {
    String base = "/" + Streams.APP + "/" + stream + "/";
    String multivariant = body(node, base + "index.m3u8");
    String media = multivariant.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst()
        .orElseThrow(() -> new AssertionError("no media playlist in " + multivariant));
    return parse(body(node, media.startsWith("/") ? media : base + media));
  }

  /**
   * Counts segments from {@code EXT-X-MEDIA-SEQUENCE}: each {@code EXTINF} closes one, and the
   * open segment at the end (parts only) has the next number. A playlist that skipped segments
   * (delta update) is not expected: this asks without {@code _HLS_skip}.
   */
  static MediaPlaylist parse(String text) {
    long first = -1;
    long msn = -1;
    long discontinuity = -1;
    for (String line : text.split("\n")) {
      if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) {
        first = Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
        msn = first;
      } else if (line.startsWith("#EXT-X-DISCONTINUITY") && !line.startsWith("#EXT-X-DISCONTINUITY-SEQUENCE")) {
        discontinuity = msn;
      } else if (line.startsWith("#EXTINF:")) {
        msn++;
      }
    }
    if (msn < 0) {
      throw new AssertionError("no EXT-X-MEDIA-SEQUENCE in " + text);
    }
    return new MediaPlaylist(text, first, msn - 1, discontinuity);
  }

  private static String body(HttpNode node, String path) {
    HttpResponse<String> r = node.get(path);
    if (r == null || r.statusCode() != 200) {
      throw new AssertionError(node.node() + " GET " + path + " -> " + (r == null ? "no answer" : r.statusCode()));
    }
    return r.body();
  }
}
