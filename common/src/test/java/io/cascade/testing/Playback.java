package io.cascade.testing;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A running player: ffprobe decoding every frame of a URL or file and printing one line per
 * frame. Several can run at once on the same stream; {@link #await()} collects the report.
 */
public final class Playback implements AutoCloseable {
  private final String source;
  private final PlayReport.Tally tally = new PlayReport.Tally();
  private final ToolProcess process;

  Playback(String source, List<String> command, Map<String, String> environment, Duration hardTimeout) {
    this.source = source;
    this.process = ToolProcess.start("ffprobe-play", command, environment, hardTimeout, tally::accept);
  }

  /**
   * Waits for the player to finish.
   *
   * @throws AssertionError when it ran past its hard timeout (a stalled stream)
   */
  public PlayReport await() {
    int exitCode = process.awaitExit();
    return new PlayReport(source, exitCode, process.elapsed(), process.stderrLines(), process.describe(), tally);
  }

  @Override
  public void close() {
    process.close();
  }
}
