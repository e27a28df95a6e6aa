package io.cascade.cluster;

import com.hazelcast.map.IMap;
import io.cascade.recording.handover.HandoverState;
import io.cascade.recording.handover.RecordingHandover;
import io.cascade.recording.handover.SalvagedSegments;
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
 *
 * <p>The segments killed owners salvaged are kept in the IMap {@value #SALVAGED_MAP_NAME}, same key,
 * value {@link SalvagedSegments} as JSON, with a time to live of {@code recording.maxDuration} +
 * {@code recording.handover.ttl}: nobody refreshes it, and it must last as long as the recording
 * may still go on elsewhere. Each change is a {@link SalvagedEntryChange} the key's partition owner
 * applies, so changes from several origins at once all land. An owner that continued a recording
 * marks the entry when it ends it ({@link #endedHere}).
 */
public final class HazelcastRecordingHandover implements RecordingHandover {
  public static final String MAP_NAME = "cascade.recordings";
  public static final String SALVAGED_MAP_NAME = "cascade.recordings.salvaged";
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");

  private final IMap<String, String> map;
  private final String node;
  private final Duration ttl;
  private final Duration timeout;
  private final int maxSegments;
  private final IMap<String, String> salvagedMap;
  private final Duration salvagedTtl;

  /**
   * Over {@code map} ({@value #MAP_NAME}) and {@code salvagedMap} ({@value #SALVAGED_MAP_NAME});
   * {@code salvagedTtl} is how long a salvaged entry is kept (the longest a recording may go on).
   */
  public HazelcastRecordingHandover(IMap<String, String> map, IMap<String, String> salvagedMap, String node,
      Duration ttl, Duration salvagedTtl, Duration timeout, int maxSegments) {
    this.map = map;
    this.salvagedMap = salvagedMap;
    this.salvagedTtl = salvagedTtl;
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
  public CompletionStage<Void> salvaged(String streamKey, String recordingId, HandoverState.Segment segment) {
    return change(streamKey, SalvagedEntryChange.adding(recordingId, segment, maxSegments, salvagedTtl.toMillis()));
  }

  @Override
  public CompletionStage<Void> endedHere(String streamKey, String recordingId) {
    return change(streamKey, SalvagedEntryChange.endedBy(recordingId, node, salvagedTtl.toMillis()));
  }

  /** Applies {@code change} to the stream's salvaged entry on its partition owner; asynchronous, bounded. */
  private CompletionStage<Void> change(String streamKey, SalvagedEntryChange change) {
    return salvagedMap.submitToKey(streamKey, change).toCompletableFuture()
        .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public Optional<SalvagedSegments> findSalvaged(String streamKey, String recordingId) throws IOException {
    String json;
    try {
      json = salvagedMap.getAsync(streamKey).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted reading " + SALVAGED_MAP_NAME, e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IOException("cannot read " + SALVAGED_MAP_NAME + " within " + timeout.toMillis() + " ms: " + e, e);
    }
    SalvagedSegments entry = json == null ? null : parseSalvaged(streamKey, json);
    return Optional.ofNullable(entry).filter(e -> e.recordingId().equals(recordingId));
  }

  /** The entry {@code json}; null (logged) when it is not one. */
  private static SalvagedSegments parseSalvaged(String streamKey, String json) {
    try {
      return SalvagedSegments.parse(json);
    } catch (IllegalArgumentException e) {
      LOG.warn("event=recording.handover.ignored stream={} map={} reason=unreadable detail=\"{}\"", streamKey,
          SALVAGED_MAP_NAME, e.getMessage());
      return null;
    }
  }

  @Override
  public int maxSegments() {
    return maxSegments;
  }
}
