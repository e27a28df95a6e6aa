package io.cascade.bench;

import java.util.ArrayList;
import java.util.List;

/**
 * What an HLS bench viewer reads from a media playlist: the media it may fetch, in order (parts of
 * an LL-HLS playlist, else whole segments), the init segment, the preload hint and where a
 * blocking reload continues. Only the tags a player needs; everything else is skipped. Numbers
 * are what the URIs carry at their end ({@code part-x-41.m4s} is part 41, {@code bench-7.ts}
 * segment 7), so the viewer can tell parts or segments it skipped.
 *
 * @param mediaSequence EXT-X-MEDIA-SEQUENCE
 * @param targetDurationMs EXT-X-TARGETDURATION in ms
 * @param partTargetMs PART-TARGET of EXT-X-PART-INF in ms, 0 without parts
 * @param canBlockReload the server answers {@code _HLS_msn}/{@code _HLS_part} (EXT-X-SERVER-CONTROL)
 * @param map the init segment's URI (last EXT-X-MAP), null for MPEG-TS
 * @param media the parts (LL-HLS: every EXT-X-PART) or segments (no parts), oldest first
 * @param preloadHint the URI of EXT-X-PRELOAD-HINT TYPE=PART, or null
 * @param nextMsn the media sequence number of the part or segment after the last listed one
 * @param nextPart the index within {@code nextMsn} of the next part
 * @param ended EXT-X-ENDLIST seen
 */
record HlsPlaylist(long mediaSequence, long targetDurationMs, long partTargetMs, boolean canBlockReload, String map,
    List<Media> media, String preloadHint, long nextMsn, int nextPart, boolean ended) {

  /** A part or segment. {@code number} is the number at the end of its URI's name, -1 without one. */
  record Media(String uri, long number, boolean independent, long durationMs) {
  }

  /** Bounds a playlist: a bench never needs more. */
  static final int MAX_LINES = 20_000;

  /** The first variant of a multivariant playlist, or the text's own URI when it is a media playlist (null). */
  static String firstVariant(String text) {
    boolean streamInf = false;
    for (String line : text.split("\n", MAX_LINES)) {
      line = line.strip();
      if (line.startsWith("#EXT-X-STREAM-INF")) {
        streamInf = true;
      } else if (streamInf && !line.isEmpty() && !line.startsWith("#")) {
        return line;
      }
    }
    return null;
  }

  static HlsPlaylist parse(String text) {
    if (!text.startsWith("#EXTM3U")) {
      throw new IllegalArgumentException("not a playlist: " + text.substring(0, Math.min(40, text.length())));
    }
    long sequence = 0;
    long target = 0;
    long partTarget = 0;
    boolean block = false;
    String map = null;
    String hint = null;
    boolean ended = false;
    List<Media> media = new ArrayList<>();
    List<Media> segments = new ArrayList<>();
    long msn = 0;
    int partsInOpen = 0;
    for (String line : text.split("\n", MAX_LINES)) {
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) {
        sequence = Long.parseLong(line.substring(22).strip());
        msn = sequence;
      } else if (line.startsWith("#EXT-X-TARGETDURATION:")) {
        target = (long) (Double.parseDouble(line.substring(22).strip()) * 1000);
      } else if (line.startsWith("#EXT-X-PART-INF:")) {
        partTarget = (long) (Double.parseDouble(attribute(line, "PART-TARGET")) * 1000);
      } else if (line.startsWith("#EXT-X-SERVER-CONTROL:")) {
        block = "YES".equals(attribute(line, "CAN-BLOCK-RELOAD"));
      } else if (line.startsWith("#EXT-X-MAP:")) {
        map = attribute(line, "URI");
      } else if (line.startsWith("#EXT-X-PART:")) {
        String uri = attribute(line, "URI");
        media.add(new Media(uri, number(uri), "YES".equals(attribute(line, "INDEPENDENT")),
            (long) (Double.parseDouble(attribute(line, "DURATION")) * 1000)));
        partsInOpen++;
      } else if (line.startsWith("#EXT-X-PRELOAD-HINT:")) {
        if ("PART".equals(attribute(line, "TYPE"))) {
          hint = attribute(line, "URI");
        }
      } else if (line.startsWith("#EXT-X-ENDLIST")) {
        ended = true;
      } else if (line.startsWith("#EXTINF:")) {
        String d = line.substring(8);
        int comma = d.indexOf(',');
        segments.add(new Media(null, -1, true, (long) (Double.parseDouble(comma < 0 ? d : d.substring(0, comma)) * 1000)));
      } else if (!line.startsWith("#")) {
        // A segment's URI closes it.
        if (!segments.isEmpty() && segments.get(segments.size() - 1).uri() == null) {
          Media s = segments.remove(segments.size() - 1);
          segments.add(new Media(line, number(line), true, s.durationMs()));
        }
        msn++;
        partsInOpen = 0;
      }
    }
    boolean parts = partTarget > 0 && !media.isEmpty();
    return new HlsPlaylist(sequence, target, partTarget, block, map, parts ? List.copyOf(media) : List.copyOf(segments),
        hint, msn, partsInOpen, ended);
  }

  /** The number at the end of a URI's file name (before the extension and any query), -1 without one. */
  static long number(String uri) {
    int end = uri.indexOf('?');
    end = end < 0 ? uri.length() : end;
    int dot = uri.lastIndexOf('.', end);
    end = dot > 0 ? dot : end;
    int start = end;
    while (start > 0 && Character.isDigit(uri.charAt(start - 1))) {
      start--;
    }
    return start == end || end - start > 18 ? -1 : Long.parseLong(uri.substring(start, end));
  }

  /** An attribute of a tag line, unquoted; null when absent. */
  static String attribute(String line, String name) {
    int colon = line.indexOf(':');
    int i = colon;
    while (i >= 0 && i < line.length()) {
      int at = i + 1;
      int eq = line.indexOf('=', at);
      if (eq < 0) {
        return null;
      }
      String key = line.substring(at, eq).strip();
      int end;
      String value;
      if (eq + 1 < line.length() && line.charAt(eq + 1) == '"') {
        int close = line.indexOf('"', eq + 2);
        close = close < 0 ? line.length() : close;
        value = line.substring(eq + 2, close);
        end = line.indexOf(',', close);
      } else {
        end = line.indexOf(',', eq);
        value = line.substring(eq + 1, end < 0 ? line.length() : end);
      }
      if (key.equals(name)) {
        return value;
      }
      i = end;
    }
    return null;
  }
}
