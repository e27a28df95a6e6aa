package io.cascade.recording;

import io.cascade.recording.handover.HandoverState;
import java.nio.file.Path;
import java.util.concurrent.CompletionStage;

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

  /**
   * At start-up: {@code segment}, salvaged and told to {@link #segmentClosed} just before, belongs to
   * a recording another origin continued and ended before this start, so the final playlist that
   * origin stored does not list it; {@code entry} is its playlist entry. A listener that stores
   * recordings lists it there once the segment itself is stored, and returns what became of it
   * (never failing); the others return null.
   */
  default CompletionStage<FinalPlaylistMerge.Result> salvagedAfterEnd(RecordedSegment segment,
      HandoverState.Segment entry) {
    return null;
  }
}
