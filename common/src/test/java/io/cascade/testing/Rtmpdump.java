package io.cascade.testing;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * rtmpdump (librtmp, Debian package {@code rtmpdump}) as a second, independent RTMP player that
 * writes what it receives to an FLV file. Optional: tests that need it are skipped, with the reason
 * logged, on a machine without it.
 */
public final class Rtmpdump {
  private static final Logger log = LoggerFactory.getLogger(Rtmpdump.class);
  private final Path binary;

  private Rtmpdump(Path binary) {
    this.binary = binary;
  }

  /** The rtmpdump on PATH, if any. */
  public static Optional<Rtmpdump> find() {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, "rtmpdump");
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(new Rtmpdump(candidate));
      }
    }
    return Optional.empty();
  }

  /** The rtmpdump on PATH; aborts (skips) the calling test with a logged reason when there is none. */
  public static Rtmpdump require() {
    Optional<Rtmpdump> found = find();
    if (found.isEmpty()) {
      String reason = "rtmpdump is not on PATH (Debian package rtmpdump); skipping the rtmpdump playback test";
      log.warn(reason);
      Assumptions.abort(reason);
    }
    return found.get();
  }

  /**
   * Starts recording a live stream to {@code output} until the stream ends (the publisher stops)
   * or ten seconds pass without data; killed if still running after {@code hardTimeout}.
   *
   * <p>rtmpdump's {@code --stop} does not end a live recording: librtmp sends it to the server as
   * the play command's duration, which live servers (this one included) may ignore.
   */
  public ToolProcess recordLive(String url, Path output, Duration hardTimeout) {
    List<String> command = List.of(binary.toString(), "--rtmp", url, "--live", "--timeout", "10",
        "--flv", output.toString());
    log.info("rtmpdump start url={} output={}", url, output);
    return ToolProcess.start("rtmpdump", command, Map.of(), hardTimeout, line -> { });
  }
}
