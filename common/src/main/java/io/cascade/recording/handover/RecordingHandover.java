package io.cascade.recording.handover;

import java.io.IOException;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Where the origins of a cluster keep, per recorded stream, what another origin needs to continue
 * the recording when its owner is gone ({@link HandoverState}). The recorder's writer thread reads
 * it once, when a recording writes its first segment, and updates it after each finished segment;
 * a recording that ends is removed from it, so a later publish starts a new recording. Beside it,
 * per stream, the segments earlier owners salvaged after a kill ({@link SalvagedSegments}), which
 * the owner that ends the recording lists. A lone origin uses {@link #NONE}.
 */
public interface RecordingHandover {

  /** Nothing is handed over: every recording on every node is new. */
  RecordingHandover NONE = new RecordingHandover() {
    @Override
    public Optional<HandoverState> find(String streamKey) {
      return Optional.empty();
    }

    @Override
    public CompletionStage<Void> update(String streamKey, HandoverState state) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> remove(String streamKey, String recordingId) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public CompletionStage<Void> salvaged(String streamKey, String recordingId, HandoverState.Segment segment) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public Optional<SalvagedSegments> findSalvaged(String streamKey, String recordingId) {
      return Optional.empty();
    }

    @Override
    public CompletionStage<Void> endedHere(String streamKey, String recordingId) {
      return CompletableFuture.completedFuture(null);
    }

    @Override
    public int maxSegments() {
      return 0;
    }
  };

  /**
   * The recording of {@code streamKey} some origin left to be continued, if any. Blocks for at most
   * {@code recording.handover.timeout} (call it off the event loops); an {@link IOException} when it
   * cannot be read in that time.
   */
  Optional<HandoverState> find(String streamKey) throws IOException;

  /** Stores {@code state} as this node's; never blocks. The stage fails when it could not be stored. */
  CompletionStage<Void> update(String streamKey, HandoverState state);

  /**
   * Forgets {@code streamKey}'s entry if it is still this node's recording {@code recordingId};
   * never blocks. The stage completes once that is done (or failed, which is logged).
   */
  CompletionStage<Void> remove(String streamKey, String recordingId);

  /**
   * Adds {@code segment}, which this node salvaged from recording {@code recordingId} of
   * {@code streamKey} that another owner carries on, to the stream's salvaged entry (one of another
   * recording is replaced; at most {@link #maxSegments} kept); never blocks. The stage fails when it
   * could not be stored.
   */
  CompletionStage<Void> salvaged(String streamKey, String recordingId, HandoverState.Segment segment);

  /**
   * The stream's salvaged entry when it is recording {@code recordingId}'s: the segments earlier
   * owners salvaged from it, in number order, and whether an owner that continued it ended it.
   * Blocks for at most {@code recording.handover.timeout}; an {@link IOException} when it cannot be
   * read in time.
   */
  Optional<SalvagedSegments> findSalvaged(String streamKey, String recordingId) throws IOException;

  /**
   * Recording {@code recordingId}, which this node continued, ended here: the stream's salvaged
   * entry is marked so (written even when there is none), so that an earlier owner killed in it
   * that starts again later keeps its own playlist out of the bucket. Never blocks; the stage fails
   * when it could not be stored.
   */
  CompletionStage<Void> endedHere(String streamKey, String recordingId);

  /** Most finished segments an entry lists. */
  int maxSegments();
}
