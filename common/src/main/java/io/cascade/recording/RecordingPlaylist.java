package io.cascade.recording;

import io.cascade.recording.handover.SalvagedSegments;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The HLS media playlist of one recording: {@code EVENT} while it grows (players may start it and
 * follow), {@code VOD} with {@code EXT-X-ENDLIST} once it ended. A segment after a gap carries
 * {@code EXT-X-DISCONTINUITY}, and the init segment is named again ({@code EXT-X-MAP}) after each
 * gap and whenever it changes. Each segment whose wall-clock start is known carries it as
 * {@code EXT-X-PROGRAM-DATE-TIME}; a recording continued by another origin may list only its
 * newest segments, and {@code EXT-X-MEDIA-SEQUENCE} then counts those left out.
 *
 * <p>The entries' lines are rendered once, as they are added, and kept: the writer renders the
 * playlist after every segment, and rendering each entry again (its date above all) made that cost
 * grow with the recording's length. Inserting a salvaged entry renders them all again, once.
 */
final class RecordingPlaylist {
  private static final DateTimeFormatter PDT = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSXXX")
      .withZone(ZoneOffset.UTC);
  /** One segment; {@code programDateTimeMillis} (epoch ms, 0: unknown) becomes its {@code EXT-X-PROGRAM-DATE-TIME}. */
  record Entry(String file, long durationMillis, boolean discontinuity, String initSegment,
      long programDateTimeMillis) {
    Entry(String file, long durationMillis, boolean discontinuity, String initSegment) {
      this(file, durationMillis, discontinuity, initSegment, 0);
    }
  }

  private final List<Entry> entries = new ArrayList<>();
  /** The media sequence number of the first entry: segments of the recording before it are not listed. */
  private long mediaSequence;
  /** The lines of {@link #entries}, in order; {@link #longest} and {@link #map} as they leave off. */
  private final StringBuilder lines = new StringBuilder();
  private long longest;
  private String map;

  void mediaSequence(long first) {
    mediaSequence = first;
  }

  void add(Entry entry) {
    entries.add(entry);
    append(entry);
  }

  /**
   * Inserts {@code salvaged}, segment {@code number} an earlier owner salvaged after it was killed
   * ({@code segment-NNNNN-s.m4s}), in number order: after the entries numbered below it, before the
   * one numbered {@code number} (the next owner's first) and those after. It follows a discontinuity
   * unless the entry before it is segment {@code number - 1}, and the entry after it is marked as
   * one (a salvaged segment ends short, where the kill cut it). Not inserted (false) when it is
   * listed already or comes before the first listed entry (the media sequence counts it).
   */
  boolean insertSalvaged(Entry salvaged, long number) {
    if (number <= mediaSequence || entries.stream().anyMatch(e -> e.file().equals(salvaged.file()))) {
      return false;
    }
    int at = 0;
    while (at < entries.size() && numberAt(at) < number) {
      at++;
    }
    boolean follows = at > 0 && numberAt(at - 1) == number - 1;
    entries.add(at, new Entry(salvaged.file(), salvaged.durationMillis(), salvaged.discontinuity() || !follows,
        salvaged.initSegment(), salvaged.programDateTimeMillis()));
    if (at + 1 < entries.size()) {
      Entry next = entries.get(at + 1);
      entries.set(at + 1, new Entry(next.file(), next.durationMillis(), true, next.initSegment(),
          next.programDateTimeMillis()));
    }
    lines.setLength(0);
    longest = 0;
    map = null;
    entries.forEach(this::append);
    return true;
  }

  /** The segment number of the entry at {@code index}: from its name, else its media sequence number. */
  private long numberAt(int index) {
    long named = SalvagedSegments.number(entries.get(index).file());
    return named >= 0 ? named : mediaSequence + 1 + index;
  }

  /** The last entry; the playlist is not empty. */
  Entry last() {
    return entries.get(entries.size() - 1);
  }

  boolean isEmpty() {
    return entries.isEmpty();
  }

  int size() {
    return entries.size();
  }

  /** The position (from 1) of the entry of {@code file}; 0 when it is not listed. */
  int indexOf(String file) {
    for (int i = 0; i < entries.size(); i++) {
      if (entries.get(i).file().equals(file)) {
        return i + 1;
      }
    }
    return 0;
  }

  /**
   * The playlist {@link #render} wrote (an earlier run's {@code index.m3u8}), to add to; a line it
   * does not write is refused with an {@link IllegalArgumentException}.
   */
  static RecordingPlaylist parse(String m3u8) {
    RecordingPlaylist list = new RecordingPlaylist();
    boolean discontinuity = false;
    String map = null;
    long pdt = 0;
    long millis = -1;
    for (String line : m3u8.lines().toList()) {
      try {
        if (line.startsWith("#EXT-X-MEDIA-SEQUENCE:")) {
          list.mediaSequence(Long.parseLong(line.substring(22)));
        } else if (line.equals("#EXT-X-DISCONTINUITY")) {
          discontinuity = true;
        } else if (line.startsWith("#EXT-X-MAP:URI=\"") && line.endsWith("\"")) {
          map = line.substring(16, line.length() - 1);
        } else if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) {
          pdt = OffsetDateTime.parse(line.substring(25)).toInstant().toEpochMilli();
        } else if (line.startsWith("#EXTINF:") && line.endsWith(",")) {
          millis = Math.round(Double.parseDouble(line.substring(8, line.length() - 1)) * 1000);
        } else if (!line.isEmpty() && !line.startsWith("#")) {
          if (map == null || millis < 0) {
            throw new IllegalArgumentException("segment " + line + " without EXT-X-MAP or EXTINF");
          }
          list.add(new Entry(line, millis, discontinuity, map, pdt));
          discontinuity = false;
          pdt = 0;
          millis = -1;
        }
      } catch (NumberFormatException | DateTimeParseException e) {
        throw new IllegalArgumentException("not a recording playlist line: " + line, e);
      }
    }
    return list;
  }

  String render(boolean ended) {
    StringBuilder m3u8 = new StringBuilder(lines.length() + 256).append("#EXTM3U\n#EXT-X-VERSION:7\n")
        .append("#EXT-X-TARGETDURATION:").append(Math.max(1, ((entries.isEmpty() ? 1000 : longest) + 999) / 1000))
        .append('\n')
        .append("#EXT-X-MEDIA-SEQUENCE:").append(mediaSequence).append('\n')
        .append("#EXT-X-PLAYLIST-TYPE:").append(ended ? "VOD" : "EVENT").append('\n')
        .append("#EXT-X-INDEPENDENT-SEGMENTS\n")
        .append(lines);
    if (ended) {
      m3u8.append("#EXT-X-ENDLIST\n");
    }
    return m3u8.toString();
  }

  /** Renders {@code e}'s lines after those of the entries before it. */
  private void append(Entry e) {
    longest = Math.max(longest, e.durationMillis());
    if (e.discontinuity() && map != null) {
      lines.append("#EXT-X-DISCONTINUITY\n");
    }
    if (e.discontinuity() || !e.initSegment().equals(map)) {
      map = e.initSegment();
      lines.append("#EXT-X-MAP:URI=\"").append(map).append("\"\n");
    }
    if (e.programDateTimeMillis() > 0) {
      lines.append("#EXT-X-PROGRAM-DATE-TIME:").append(PDT.format(Instant.ofEpochMilli(e.programDateTimeMillis())))
          .append('\n');
    }
    long ms = e.durationMillis();
    lines.append("#EXTINF:").append(ms / 1000).append('.').append((char) ('0' + ms % 1000 / 100))
        .append((char) ('0' + ms % 100 / 10)).append((char) ('0' + ms % 10)).append(",\n").append(e.file())
        .append('\n');
  }
}
