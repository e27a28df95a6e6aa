package io.cascade.recording;

import io.cascade.recording.handover.HandoverState;
import io.cascade.recording.handover.RecordingHandover;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The cluster map {@code cascade.recordings} as one test's in-memory map, shared by the test's
 * nodes; entries go through their JSON form as in Hazelcast. Reads can be made to fail.
 */
final class MapHandover {
  final Map<String, String> entries = new HashMap<>();
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
      public int maxSegments() {
        return maxSegments;
      }
    };
  }

  HandoverState get(String streamKey) {
    return HandoverState.parse(entries.get(streamKey));
  }
}
