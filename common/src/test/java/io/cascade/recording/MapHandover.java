package io.cascade.recording;

import io.cascade.recording.handover.HandoverState;
import io.cascade.recording.handover.RecordingHandover;
import io.cascade.recording.handover.SalvagedSegments;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The cluster maps {@code cascade.recordings} and {@code cascade.recordings.salvaged} as one test's
 * in-memory maps, shared by the test's nodes; entries go through their JSON form as in Hazelcast.
 * Reads and writes can be made to fail.
 */
final class MapHandover {
  final Map<String, String> entries = new HashMap<>();
  final Map<String, String> salvaged = new HashMap<>();
  boolean unreachable;

  /** The view of node {@code node}, listing at most {@code maxSegments} segments per entry. */
  RecordingHandover as(String node, int maxSegments) {
    return new RecordingHandover() {
      @Override
      public Optional<HandoverState> find(String streamKey) throws IOException {
        if (unreachable) {
          throw new IOException("no answer within 2000 ms");
        }
        return Optional.ofNullable(entries.get(streamKey)).map(HandoverState::parse);
      }

      @Override
      public CompletionStage<Void> update(String streamKey, HandoverState state) {
        if (unreachable) {
          return CompletableFuture.failedFuture(new IOException("no answer within 2000 ms"));
        }
        entries.put(streamKey, state.withOwner(node).toJson());
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public CompletionStage<Void> remove(String streamKey, String recordingId) {
        String json = entries.get(streamKey);
        if (json != null && HandoverState.parse(json).recordingId().equals(recordingId)
            && HandoverState.parse(json).owner().equals(node)) {
          entries.remove(streamKey);
        }
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public CompletionStage<Void> salvaged(String streamKey, String recordingId, HandoverState.Segment segment) {
        if (unreachable) {
          return CompletableFuture.failedFuture(new IOException("no answer within 2000 ms"));
        }
        String current = salvaged.get(streamKey);
        salvaged.put(streamKey, SalvagedSegments.adding(current == null ? null : SalvagedSegments.parse(current),
            recordingId, segment, maxSegments).toJson());
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public Optional<SalvagedSegments> findSalvaged(String streamKey, String recordingId) throws IOException {
        if (unreachable) {
          throw new IOException("no answer within 2000 ms");
        }
        return Optional.ofNullable(salvaged.get(streamKey)).map(SalvagedSegments::parse)
            .filter(e -> e.recordingId().equals(recordingId));
      }

      @Override
      public CompletionStage<Void> endedHere(String streamKey, String recordingId) {
        if (unreachable) {
          return CompletableFuture.failedFuture(new IOException("no answer within 2000 ms"));
        }
        String current = salvaged.get(streamKey);
        salvaged.put(streamKey, SalvagedSegments.endedBy(current == null ? null : SalvagedSegments.parse(current),
            recordingId, node).toJson());
        return CompletableFuture.completedFuture(null);
      }

      @Override
      public int maxSegments() {
        return maxSegments;
      }
    };
  }

  HandoverState get(String streamKey) {
    return HandoverState.parse(entries.get(streamKey));
  }
}
