package io.cascade.http.hls;

import io.netty.buffer.ByteBuf;

/**
 * One admitted HLS request as its stream's session sees it: what it names, the blocking-reload and
 * delta-update asks of a media playlist ({@code msn} and {@code part} -1 when absent), the query to
 * carry into the URIs a playlist lists ("" or "?..."), and where the answer goes.
 */
record HlsRequest(HlsPath path, long msn, int part, boolean skip, String carriedQuery, Responder responder) {

  /** Where a request's answer goes: the connection's own event loop writes it. */
  interface Responder {
    /** Takes {@code body} (null for none). */
    void answer(int status, String contentType, String cacheControl, ByteBuf body, String reason);
  }

  private static final int MAX_QUERY_PARAMS = 32;
  private static final int MAX_QUERY_LENGTH = 2048;
  /** Blocking reload part indexes beyond this are nonsense (a part of a 30 s segment at 100 ms is 300). */
  private static final int MAX_PART_INDEX = 100_000;

  /** The blocking-reload and delta-update asks, and the query to carry; null when malformed. */
  static HlsRequest parse(HlsPath path, String raw, Responder responder) {
    long msn = -1;
    int part = -1;
    boolean skip = false;
    StringBuilder carried = new StringBuilder();
    if (raw != null && !raw.isEmpty()) {
      if (raw.length() > MAX_QUERY_LENGTH) {
        return null;
      }
      String[] pairs = raw.split("&", MAX_QUERY_PARAMS + 1);
      if (pairs.length > MAX_QUERY_PARAMS) {
        return null;
      }
      for (String pair : pairs) {
        for (int i = 0; i < pair.length(); i++) {
          char c = pair.charAt(i);
          if (c <= 0x20 || c == '"' || c == 0x7f || c == '#') {
            return null;
          }
          // Carried into every listed URI: a broken percent-escape would break the player's URLs.
          if (c == '%' && (i + 2 >= pair.length() || !hex(pair.charAt(i + 1)) || !hex(pair.charAt(i + 2)))) {
            return null;
          }
        }
        int eq = pair.indexOf('=');
        String name = eq < 0 ? pair : pair.substring(0, eq);
        String value = eq < 0 ? "" : pair.substring(eq + 1);
        switch (name) {
          case "_HLS_msn" -> {
            if (msn >= 0) {
              return null; // a directive given twice is ambiguous
            }
            msn = HlsPath.number(value);
            if (msn < 0) {
              return null;
            }
          }
          case "_HLS_part" -> {
            if (part >= 0) {
              return null;
            }
            long p = HlsPath.number(value);
            if (p < 0 || p > MAX_PART_INDEX) {
              return null;
            }
            part = (int) p;
          }
          case "_HLS_skip" -> {
            if (skip || !value.equals("YES") && !value.equals("v2")) {
              return null;
            }
            skip = true;
          }
          default -> {
            if (name.startsWith("_HLS_")) {
              return null;
            }
            if (!pair.isEmpty()) {
              carried.append(carried.length() == 0 ? '?' : '&').append(pair);
            }
          }
        }
      }
    }
    boolean playlist = path.kind() == HlsPath.Kind.MEDIA;
    if ((part >= 0 && msn < 0) || (!playlist && (msn >= 0 || skip))) {
      return null;
    }
    return new HlsRequest(path, msn, part, skip, carried.toString(), responder);
  }

  boolean blocking() {
    return msn >= 0;
  }

  private static boolean hex(char c) {
    return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
  }
}
