package io.cascade.cluster;

import com.hazelcast.map.IMap;
import io.cascade.recording.handover.HandoverState;
import io.cascade.recording.handover.RecordingHandover;
import java.io.IOException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link RecordingHandover} over the IMap {@value #MAP_NAME}: key {@code app/stream}, value the
 * {@link HandoverState} as JSON, each write with a time to live of {@code recording.handover.ttl}
 * so the entry of a recording nobody continues vanishes without cleanup. Reads wait for at most
 * {@code recording.handover.timeout}; writes and removals are asynchronous and also bounded by it.
 */
public final class HazelcastRecordingHandover implements RecordingHandover {
  public static final String MAP_NAME = "cascade.recordings";
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");

  private final IMap<String, String> map;
  private final String node;
  private final Duration ttl;
  private final Duration timeout;
  private final int maxSegments;

  public HazelcastRecordingHandover(IMap<String, String> map, String node, Duration ttl, Duration timeout,
      int maxSegments) {
    this.map = map;
    this.node = node;
    this.ttl = ttl;
    this.timeout = timeout;
    this.maxSegments = maxSegments;
  }

  @Override
  public Optional<HandoverState> find(String streamKey) throws IOException {
    String json;
    try {
      json = map.getAsync(streamKey).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted reading " + MAP_NAME, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("cannot read " + MAP_NAME + " within " + timeout.toMillis() + " ms: " + e, e);
    }
    if (json == null) {
      return Optional.empty();
    }
    try {
      return Optional.of(HandoverState.parse(json));
    } catch (IllegalArgumentException e) {
      LOG.warn("event=recording.handover.ignored stream={} reason=unreadable detail=\"{}\"", streamKey,
          e.getMessage());
      return Optional.empty();
    }
  }

  @Override
  public CompletionStage<Void> update(String streamKey, HandoverState state) {
    return map.setAsync(streamKey, state.withOwner(node).toJson(), ttl.toMillis(), TimeUnit.MILLISECONDS)
        .toCompletableFuture().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public CompletionStage<Void> remove(String streamKey, String recordingId) {
    CompletableFuture<String> current = map.getAsync(streamKey).toCompletableFuture()
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return current.thenAcceptAsync(json -> {
      if (json == null) {
        return;
      }
      HandoverState state = HandoverState.parse(json);
      if (state.recordingId().equals(recordingId) && state.owner().equals(node)) {
        // Only the value read: an update another origin made meanwhile stays. A short blocking
        // call, once per recording, on the common pool (never a Hazelcast or event-loop thread).
        map.remove(streamKey, json);
      }
    }).whenComplete((v, e) -> {
      if (e != null) {
        LOG.warn("event=recording.handover.not_removed stream={} recording={} detail=\"{}\"", streamKey, recordingId,
            e.toString());
      }
    });
  }

  @Override
  public int maxSegments() {
    return maxSegments;
  }
}
