package io.cascade.recording;

import java.nio.file.Path;

/**
 * Hears what the recorder finished on disk, in order per recording. Called on the node's recording
 * writer thread: hand work off (an upload) and return; a listener that throws is logged and
 * skipped. Files a listener was told of may later be deleted by the byte quota
 * ({@code recording.maxBytes}), oldest ended recording first; with {@link Recorder#keepUntilStored}
 * only once the store holds the recording whole.
 */
public interface SegmentListener {

  /** A segment is complete under its final name, and the playlist lists it. */
  void segmentClosed(RecordedSegment segment);

  /**
   * The recording ended (its publisher did not come back, or the node stopped): {@code playlist}
   * is the final VOD playlist, or null when no segment was recorded (the directory was removed).
   */
  default void recordingEnded(String streamKey, String recordingId, Path directory, Path playlist) {
  }

  /**
   * At start-up, with {@link Recorder#keepUntilStored} on: a recording an earlier run left on disk
   * without the store's confirmation, once per recording, after the salvage told of the segments it
   * salvaged in it (and ended it).
   */
  default void recordingLeft(LeftRecording recording) {
  }
}
