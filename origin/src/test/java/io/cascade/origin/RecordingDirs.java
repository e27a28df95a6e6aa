package io.cascade.origin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What the origin ITs read of a stream's recordings on disk ({@code {root}/{app}/{stream}/{id}/}). */
final class RecordingDirs {
  private RecordingDirs() {
  }

  /** The index.m3u8 of a recording under {@code streamDir} once it is VOD (ENDLIST); else null. */
  static Path vodPlaylist(Path streamDir) throws IOException {
    if (!Files.isDirectory(streamDir)) {
      return null;
    }
    try (Stream<Path> dirs = Files.list(streamDir)) {
      for (Path d : dirs.toList()) {
        Path list = d.resolve("index.m3u8");
        if (Files.exists(list) && Files.readString(list).contains("#EXT-X-ENDLIST")) {
          return list;
        }
      }
    }
    return null;
  }
}
