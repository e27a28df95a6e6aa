package io.cascade.http.hls;

import io.cascade.cmaf.TrackFormat;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Writes the playlists of one stream from its {@link HlsWindow}: the multivariant playlist (one
 * variant) and the LL-HLS media playlist (RFC 8216bis: parts, preload hint, server control, delta
 * updates). Resource names carry the session's tag, so a new packaging session of the same stream
 * never reuses the name of an immutable resource.
 */
final class Playlists {
  /** Parts are listed for segments that end within this many target durations of the playlist's end. */
  private static final int PART_LISTING_TARGETS = 3;
  /** CAN-SKIP-UNTIL in target durations (the spec asks for at least six). */
  static final int SKIP_TARGETS = 6;
  /** PART-HOLD-BACK in part targets (the spec asks for at least three). */
  static final int HOLD_BACK_PARTS = 3;

  private Playlists() {
  }

  static String initName(String tag, int version) {
    return "init-" + tag + "-" + version + ".mp4";
  }

  static String partName(String tag, long number) {
    return "part-" + tag + "-" + number + ".m4s";
  }

  static String segmentName(String tag, long msn) {
    return "seg-" + tag + "-" + msn + ".m4s";
  }

  /** One variant: the stream's codecs, resolution and peak segment bit rate. */
  static String multivariant(HlsWindow window, String query) {
    List<TrackFormat> formats = window.formats();
    StringBuilder b = new StringBuilder(256).append("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    b.append("#EXT-X-STREAM-INF:BANDWIDTH=").append(Math.max(1, window.peakBitsPerSecond()));
    b.append(",CODECS=\"").append(formats.stream().map(TrackFormat::codecString).collect(Collectors.joining(",")))
        .append('"');
    formats.stream().filter(TrackFormat::isVideo).findFirst()
        .filter(v -> v.width() > 0 && v.height() > 0)
        .ifPresent(v -> b.append(",RESOLUTION=").append(v.width()).append('x').append(v.height()));
    b.append('\n').append("media.m3u8").append(query).append('\n');
    return b.toString();
  }

  /**
   * The media playlist; {@code skip} asks for a delta update (EXT-X-SKIP replaces the segments older
   * than CAN-SKIP-UNTIL). {@code query} ("" or "?...") is appended to every URI.
   */
  static String media(HlsWindow window, HlsSettings settings, String tag, String query, boolean skip) {
    int target = window.targetDurationSeconds();
    long partTarget = settings.partTarget().toMillis();
    List<HlsWindow.Segment> segments = window.segments();
    StringBuilder b = new StringBuilder(2048).append("#EXTM3U\n#EXT-X-VERSION:9\n");
    b.append("#EXT-X-TARGETDURATION:").append(target).append('\n');
    b.append("#EXT-X-PART-INF:PART-TARGET=").append(seconds(partTarget)).append('\n');
    b.append("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=").append(seconds(SKIP_TARGETS * target * 1000L))
        .append(",PART-HOLD-BACK=").append(seconds(HOLD_BACK_PARTS * partTarget)).append('\n');
    b.append("#EXT-X-MEDIA-SEQUENCE:").append(segments.isEmpty() ? window.nextMsn() : segments.get(0).msn)
        .append('\n');
    b.append("#EXT-X-DISCONTINUITY-SEQUENCE:").append(window.discontinuitySequence()).append('\n');

    long total = 0;
    for (HlsWindow.Segment s : segments) {
      total += s.durationMillis;
    }
    int skipped = skip ? skippable(segments, total, SKIP_TARGETS * target * 1000L) : 0;
    if (skipped > 0) {
      b.append("#EXT-X-SKIP:SKIPPED-SEGMENTS=").append(skipped).append('\n');
    }
    long start = 0;
    int mapped = -1;
    for (int i = 0; i < segments.size(); i++) {
      HlsWindow.Segment s = segments.get(i);
      long end = start + s.durationMillis;
      if (i >= skipped) {
        if (s.discontinuity) {
          b.append("#EXT-X-DISCONTINUITY\n");
        }
        if (s.initVersion != mapped || s.discontinuity) {
          mapped = s.initVersion;
          b.append("#EXT-X-MAP:URI=\"").append(initName(tag, s.initVersion)).append(query).append("\"\n");
        }
        b.append("#EXT-X-PROGRAM-DATE-TIME:").append(Instant.ofEpochMilli(s.programDateMillis)).append('\n');
        if (!s.complete || total - end < PART_LISTING_TARGETS * target * 1000L) {
          for (HlsWindow.Part p : s.parts) {
            b.append("#EXT-X-PART:DURATION=").append(seconds(p.durationMillis())).append(",URI=\"")
                .append(partName(tag, p.number())).append(query).append('"');
            if (p.independent()) {
              b.append(",INDEPENDENT=YES");
            }
            b.append('\n');
          }
        }
        if (s.complete) {
          b.append("#EXTINF:").append(seconds(s.durationMillis)).append(",\n")
              .append(segmentName(tag, s.msn)).append(query).append('\n');
        }
      }
      start = end;
    }
    b.append("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"").append(partName(tag, window.nextPartNumber())).append(query)
        .append("\"\n");
    return b.toString();
  }

  /** Leading complete segments that start more than {@code untilMillis} before the playlist's end. */
  private static int skippable(List<HlsWindow.Segment> segments, long total, long untilMillis) {
    int n = 0;
    long start = 0;
    for (HlsWindow.Segment s : segments) {
      if (!s.complete || total - start <= untilMillis) {
        break;
      }
      n++;
      start += s.durationMillis;
    }
    return n;
  }

  static String seconds(long millis) {
    return String.format(Locale.ROOT, "%d.%03d", millis / 1000, millis % 1000);
  }
}
