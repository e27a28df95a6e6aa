package io.cascade.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** A recording's playlist read back as the ITs check it, independently of the recorder's own writer. */
final class RecordedPlaylist {
  private RecordedPlaylist() {
  }

  /** One segment of a recording playlist. */
  record Entry(String file, long durationMillis, boolean discontinuity, String init, long programDateTime) {
  }

  /** The segments {@code m3u8} lists, in order, each with the tags that came before it. */
  static List<Entry> entries(String m3u8) {
    List<Entry> out = new ArrayList<>();
    boolean discontinuity = false;
    String init = null;
    long pdt = 0;
    long millis = 0;
    for (String line : m3u8.lines().toList()) {
      if (line.equals("#EXT-X-DISCONTINUITY")) {
        discontinuity = true;
      } else if (line.startsWith("#EXT-X-MAP:URI=\"")) {
        init = line.substring(16, line.length() - 1);
      } else if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) {
        pdt = OffsetDateTime.parse(line.substring(25)).toInstant().toEpochMilli();
      } else if (line.startsWith("#EXTINF:")) {
        millis = Math.round(Double.parseDouble(line.substring(8, line.indexOf(','))) * 1000);
      } else if (!line.isEmpty() && !line.startsWith("#")) {
        out.add(new Entry(line, millis, discontinuity, init, pdt));
        discontinuity = false;
        pdt = 0;
      }
    }
    return out;
  }

  /** The one recording directory under {@code streamDir}. */
  static Path onlyRecording(Path streamDir) throws IOException {
    try (Stream<Path> dirs = Files.list(streamDir)) {
      List<Path> all = dirs.toList();
      assertThat(all).as("recordings under %s", streamDir).hasSize(1);
      return all.get(0);
    }
  }
}
