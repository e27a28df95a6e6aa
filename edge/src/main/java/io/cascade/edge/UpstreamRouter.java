package io.cascade.edge;

import io.cascade.cluster.ParentDirectory;
import io.cascade.cluster.ParentEdge;
import io.cascade.cluster.StreamRecord;
import io.cascade.config.EdgeTier;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Where one ingest pulls its stream from. A parent edge always pulls from the owning origin. A leaf
 * pulls from the parent that its stream key hashes to ({@link RendezvousHash} over the parents
 * alive now), so every leaf of the cluster picks the same parent for a key and the origin serves
 * one relay per stream; with no parent alive it pulls from the origin.
 *
 * <p>A parent that failed this ingest (refused, unreachable, or dropped a playing pull) is left
 * out of the choice until media flows again, so the next choice is the key's next parent by the
 * same hash, even before the cluster has noticed the parent is gone. Not thread-safe: the ingest
 * uses it on its own scheduler.
 */
final class UpstreamRouter {
  /** A pull's address: the owner's record, re-addressed to {@code parent} when there is one. */
  record Route(StreamRecord dial, ParentEdge parent) {
    boolean viaParent() {
      return parent != null;
    }

    /** {@code origin} or {@code parent}: the metric tag and log field. */
    String source() {
      return parent == null ? "origin" : "parent";
    }

    /** The node pulled from, for logs. */
    String via() {
      return parent == null ? dial.ownerNode() : parent.node();
    }
  }

  private final String key;
  private final EdgeTier tier;
  private final ParentDirectory parents;
  private final Set<String> avoided = new HashSet<>();
  private Route current;

  UpstreamRouter(String key, EdgeTier tier, ParentDirectory parents) {
    this.key = key;
    this.tier = tier;
    this.parents = parents;
  }

  /** The route for a pull of {@code owner}'s session now; it becomes {@link #current()}. */
  Route choose(StreamRecord owner) {
    ParentEdge parent = null;
    if (tier == EdgeTier.LEAF) {
      List<ParentEdge> candidates = new ArrayList<>();
      for (ParentEdge p : parents.parents()) {
        if (!avoided.contains(p.member())) {
          candidates.add(p);
        }
      }
      parent = RendezvousHash.choose(key, candidates, ParentEdge::member);
    }
    current = parent == null ? new Route(owner, null) : new Route(owner.withRelay(parent.host(), parent.port()), parent);
    return current;
  }

  /** The route of the latest pull; null before the first. */
  Route current() {
    return current;
  }

  /** The current pull's parent failed it: the next choices leave that parent out. False when it is no parent. */
  boolean avoidCurrent() {
    if (current == null || !current.viaParent()) {
      return false;
    }
    avoided.add(current.parent().member());
    return true;
  }

  /** Whether the current pull goes through a parent that is no longer announced (it left, crashed or drains). */
  boolean currentParentGone() {
    if (current == null || !current.viaParent()) {
      return false;
    }
    String member = current.parent().member();
    avoided.retainAll(parents.parents().stream().map(ParentEdge::member).toList());
    return parents.parents().stream().noneMatch(p -> p.member().equals(member));
  }

  /** Media flows: failures are forgotten, so the next pull (after a loss or an idle close) hashes afresh. */
  void flowing() {
    avoided.clear();
  }

  /** The ingest stopped. */
  void reset() {
    avoided.clear();
    current = null;
  }
}
