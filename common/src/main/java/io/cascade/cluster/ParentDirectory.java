package io.cascade.cluster;

import io.vertx.core.Future;
import java.util.List;

/**
 * The parent edges alive in the cluster (issue 14, tiered edges): parents announce themselves,
 * leaves read the list and hear when it changes. An announcement vanishes with the member that
 * made it, so a crashed parent drops out as soon as the cluster notices it left.
 */
public interface ParentDirectory {
  /** A directory with no parents and nothing to announce (an edge outside a cluster). */
  ParentDirectory NONE = new ParentDirectory() {
    @Override
    public Future<Void> announce(ParentEdge self) {
      return Future.failedFuture(new IllegalStateException("no cluster to announce a parent edge in"));
    }

    @Override
    public Future<Void> withdraw() {
      return Future.succeededFuture();
    }

    @Override
    public List<ParentEdge> parents() {
      return List.of();
    }

    @Override
    public Registration onChange(Runnable listener) {
      return () -> { };
    }
  };

  /** A registration of interest; cancel it when no longer needed. */
  interface Registration {
    void cancel();
  }

  /** Announces this member as a parent edge reachable at {@code self}'s address. */
  Future<Void> announce(ParentEdge self);

  /** Takes back this member's announcement (a draining or stopping parent); no-op when none. */
  Future<Void> withdraw();

  /** The parents alive now, as this member last heard; read locally, no remote call. */
  List<ParentEdge> parents();

  /** Calls {@code listener} (on a cluster thread: post, don't work) whenever {@link #parents()} may have changed. */
  Registration onChange(Runnable listener);
}
