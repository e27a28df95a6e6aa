package io.cascade.recording;

import io.cascade.recording.handover.HandoverState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/** A {@link SegmentListener} for tests: what it was told, in order. Confined to the test's thread. */
final class SegmentLog implements SegmentListener {
  final List<RecordedSegment> closed = new ArrayList<>();
  /** The playlists of the recordings that ended. */
  final List<Path> ended = new ArrayList<>();
  /** The entries of salvaged segments it was asked to list in a final playlist stored elsewhere. */
  final List<HandoverState.Segment> toList = new ArrayList<>();
  /** Answers those requests when set (a store); null: it does not store recordings. */
  Function<HandoverState.Segment, FinalPlaylistMerge.Result> lister;

  @Override
  public void segmentClosed(RecordedSegment segment) {
    closed.add(segment);
  }

  @Override
  public void recordingEnded(String streamKey, String recordingId, Path directory, Path playlist) {
    ended.add(playlist);
  }

  @Override
  public CompletionStage<FinalPlaylistMerge.Result> salvagedAfterEnd(RecordedSegment segment,
      HandoverState.Segment entry) {
    toList.add(entry);
    return lister == null ? null : CompletableFuture.completedFuture(lister.apply(entry));
  }
}
