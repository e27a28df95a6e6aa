package io.cascade.recording;

import java.nio.file.Path;
import java.time.Instant;

/**
 * A segment that is complete on disk under its final name (renamed from its temporary one, and
 * fsynced when {@code recording.fsync} says so): what an uploader needs to copy it.
 *
 * @param streamKey {@code app/stream}
 * @param recordingId the recording's directory name, unique per stream on this node
 * @param directory {@code {root}/{app}/{stream}/{recordingId}}
 * @param file the segment ({@code segment-NNNNN.m4s})
 * @param initSegment the init segment its samples need ({@code init.mp4}, or {@code init-N.mp4} after a codec change)
 * @param playlist the recording's playlist, rewritten with this segment listed
 * @param number 1 for the first segment of the recording, one more for each after
 * @param startMillis where it starts on the stream's timeline (ms)
 * @param durationMillis its media duration (ms)
 * @param bytes its size
 * @param discontinuity it follows a gap (a republish, or segments lost to the disk or the pending-bytes bound)
 * @param closedAt wall-clock time it was renamed into place
 */
public record RecordedSegment(String streamKey, String recordingId, Path directory, Path file, Path initSegment,
    Path playlist, int number, long startMillis, long durationMillis, long bytes, boolean discontinuity,
    Instant closedAt) {
  /** How a salvaged segment's name ends. */
  static final String SALVAGED_SUFFIX = "-s.m4s";

  /**
   * A segment a killed run left unfinished and a later run salvaged ({@code segment-NNNNN-s.m4s}):
   * that run may also have closed segments it never uploaded.
   */
  public boolean salvaged() {
    return file.getFileName().toString().endsWith(SALVAGED_SUFFIX);
  }
}
