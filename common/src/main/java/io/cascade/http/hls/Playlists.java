package io.cascade.http.hls;

import io.cascade.cmaf.TrackFormat;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.SortedMap;
import java.util.stream.Collectors;

/**
 * Writes the playlists of one stream from its {@link HlsWindow}s, one per rendition (Enhanced-RTMP
 * video track, keyed by track id, each with the default audio muxed): the multivariant playlist
 * (a variant per rendition) and the LL-HLS media playlist of a rendition (RFC 8216bis: parts,
 * preload hint, server control, delta updates, rendition reports). Resource names carry the
 * session's tag, so a new packaging session of the same stream never reuses the name of an
 * immutable resource, and the rendition's track beyond the default one (see {@link HlsPath}).
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

  /** The part of a resource name that says session and rendition: the tag, then {@code -v{track}} beyond track 0. */
  static String resourceId(String tag, int track) {
    return track == 0 ? tag : tag + "-v" + track;
  }

  static String mediaName(int track) {
    return track == 0 ? "media.m3u8" : "media-" + track + ".m3u8";
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

  /**
   * A variant per rendition with a complete segment, by track id: its codecs, resolution, frame
   * rate and peak segment bit rate, all measured from what the rendition packaged.
   */
  static String multivariant(SortedMap<Integer, HlsWindow> renditions, String query) {
    StringBuilder b = new StringBuilder(256).append("#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-INDEPENDENT-SEGMENTS\n");
    renditions.forEach((track, window) -> {
      if (window.hasCompleteSegment()) {
        variant(b, track, window, query);
      }
    });
    return b.toString();
  }

  private static void variant(StringBuilder b, int track, HlsWindow window, String query) {
    List<TrackFormat> formats = window.formats();
    b.append("#EXT-X-STREAM-INF:BANDWIDTH=").append(Math.max(1, window.peakBitsPerSecond()));
    b.append(",CODECS=\"").append(formats.stream().map(TrackFormat::codecString).collect(Collectors.joining(",")))
        .append('"');
    formats.stream().filter(TrackFormat::isVideo).findFirst()
        .filter(v -> v.width() > 0 && v.height() > 0)
        .ifPresent(v -> b.append(",RESOLUTION=").append(v.width()).append('x').append(v.height()));
    if (window.frameRate() > 0) {
      b.append(",FRAME-RATE=").append(String.format(Locale.ROOT, "%.3f", window.frameRate()));
    }
    b.append('\n').append(mediaName(track)).append(query).append('\n');
  }

  /**
   * The media playlist of rendition {@code track}; {@code skip} asks for a delta update (EXT-X-SKIP
   * replaces the segments older than CAN-SKIP-UNTIL). {@code query} ("" or "?...") is appended to
   * every URI. Every other rendition that has a part is reported (EXT-X-RENDITION-REPORT, RFC
   * 8216bis 4.4.5.4) with its last segment and part, so a player switching to it can ask for the
   * next part at once.
   */
  static String media(SortedMap<Integer, HlsWindow> renditions, int track, HlsSettings settings, String tag,
      String query, boolean skip) {
    HlsWindow window = renditions.get(track);
    String id = resourceId(tag, track);
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
          b.append("#EXT-X-MAP:URI=\"").append(initName(id, s.initVersion)).append(query).append("\"\n");
        }
        b.append("#EXT-X-PROGRAM-DATE-TIME:").append(Instant.ofEpochMilli(s.programDateMillis)).append('\n');
        if (!s.complete || total - end < PART_LISTING_TARGETS * target * 1000L) {
          for (HlsWindow.Part p : s.parts) {
            b.append("#EXT-X-PART:DURATION=").append(seconds(p.durationMillis())).append(",URI=\"")
                .append(partName(id, p.number())).append(query).append('"');
            if (p.independent()) {
              b.append(",INDEPENDENT=YES");
            }
            b.append('\n');
          }
        }
        if (s.complete) {
          b.append("#EXTINF:").append(seconds(s.durationMillis)).append(",\n")
              .append(segmentName(id, s.msn)).append(query).append('\n');
        }
      }
      start = end;
    }
    b.append("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"").append(partName(id, window.nextPartNumber())).append(query)
        .append("\"\n");
    renditions.forEach((other, w) -> {
      HlsWindow.Part last = w.lastPart();
      if (other != track && last != null) {
        b.append("#EXT-X-RENDITION-REPORT:URI=\"").append(mediaName(other)).append(query).append("\",LAST-MSN=")
            .append(last.msn()).append(",LAST-PART=").append(last.index()).append('\n');
      }
    });
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
