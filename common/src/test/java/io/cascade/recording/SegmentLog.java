package io.cascade.recording;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A {@link SegmentListener} for tests: what it was told, in order. Confined to the test's thread. */
final class SegmentLog implements SegmentListener {
  final List<RecordedSegment> closed = new ArrayList<>();
  /** The playlists of the recordings that ended. */
  final List<Path> ended = new ArrayList<>();

  @Override
  public void segmentClosed(RecordedSegment segment) {
    closed.add(segment);
  }

  @Override
  public void recordingEnded(String streamKey, String recordingId, Path directory, Path playlist) {
    ended.add(playlist);
  }
}
