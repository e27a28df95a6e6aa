package io.cascade.cluster;

import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The cluster-wide map of live streams ({@code app/stream} → {@link StreamRecord}). Kept behind
 * this interface so the backing store (Hazelcast IMap today; a Hazelcast client or another store
 * for very large edge fleets) is a local change. Every method is non-blocking for the caller.
 */
public interface StreamRegistry {

  /** How a claim ended. */
  enum ClaimOutcome {
    /** The key was free and is now ours. */
    CLAIMED,
    /** The recorded owner had left the cluster; its record was replaced by ours. */
    TAKEN_OVER,
    /** A live owner holds the key. */
    REJECTED
  }

  /** A claim's outcome and the record now in the registry (ours, or the holder's when rejected). */
  record Claim(ClaimOutcome outcome, StreamRecord current) {
    public boolean granted() {
      return outcome != ClaimOutcome.REJECTED;
    }
  }

  /** A registration of interest in one key; cancel it when the key no longer matters here. */
  interface Watch {
    void cancel();
  }

  /** Claims {@code proposed.key()}: putIfAbsent, or a conditional replace of a dead owner's record. */
  Future<Claim> claim(StreamRecord proposed);

  /** Removes the record only if it is still the one this session wrote. */
  Future<Void> release(StreamRecord own);

  /** Replaces our own record (e.g. codec summary known); no-op when it is no longer ours. */
  Future<Void> update(StreamRecord own, StreamRecord updated);

  /** The current record of a key whose owner is still a member, if any. */
  Future<Optional<StreamRecord>> lookup(String key);

  /**
   * Calls {@code listener} (on the caller's Vert.x context) whenever the key's record is added,
   * replaced or removed, with the new record or empty. Driven by entry events for that key only.
   */
  Watch watch(String key, Consumer<Optional<StreamRecord>> listener);

  /** Every record whose owner is a member. */
  Future<List<StreamRecord>> list();

  /** Whether the member that wrote the record is still in the cluster. */
  boolean isOwnerAlive(StreamRecord record);

  /** This member's UUID, written into records it claims. */
  String localMember();

  /** Number of entries in the registry (for metrics and the API). */
  int size();
}
