package io.cascade.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ParentDirectory} over the IMap {@value #MAP_NAME}: one JSON entry per parent, keyed by
 * its member id. Every member keeps a local copy, filled once and then kept by entry events (the
 * map holds one entry per parent, so every member may hear all of them), and drops a member's
 * entry from it the moment the membership listener says the member left; {@link #parents()} also
 * filters by the current member list, so a departed parent never counts, whatever the map still
 * holds. Data members (origins) remove a departed parent's entry from the map itself.
 */
public final class HazelcastParentDirectory implements ParentDirectory {
  public static final String MAP_NAME = "cascade.parents";
  private static final Logger LOG = LoggerFactory.getLogger("cascade.registry");

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, String> map;
  private final String localMember;
  private final boolean removeDeparted;
  private final Map<String, ParentEdge> known = new ConcurrentHashMap<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final UUID entryListener;
  private final UUID membershipListener;
  private volatile boolean announced;

  /**
   * @param removeDeparted whether this member removes the entries of parents that leave; true on
   *     data members, which outlive edges
   */
  HazelcastParentDirectory(Vertx vertx, HazelcastInstance hazelcast, String localMember, boolean removeDeparted) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(MAP_NAME);
    this.localMember = localMember;
    this.removeDeparted = removeDeparted;
    this.entryListener = map.addEntryListener(new Entries(), true);
    this.membershipListener = hazelcast.getCluster().addMembershipListener(new Departures());
    // After the listener, so nothing written meanwhile is missed; an event and this read agree.
    for (Map.Entry<String, String> e : map.entrySet()) {
      learn(e.getKey(), e.getValue());
    }
  }

  @Override
  public Future<Void> announce(ParentEdge self) {
    if (!self.member().equals(localMember)) {
      return Future.failedFuture(new IllegalArgumentException("announce only this member, not " + self.member()));
    }
    String json = self.toJson().encode();
    return vertx.executeBlocking(() -> {
      map.set(localMember, json);
      announced = true;
      LOG.info("event=parents.announce node={} member={} address={}", self.node(), self.member(), self.address());
      return null;
    }, false);
  }

  @Override
  public Future<Void> withdraw() {
    if (!announced) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      announced = false;
      map.delete(localMember);
      LOG.info("event=parents.withdraw member={}", localMember);
      return null;
    }, false);
  }

  @Override
  public List<ParentEdge> parents() {
    Set<String> members = new HashSet<>();
    for (Member m : hazelcast.getCluster().getMembers()) {
      String id = m.getAttribute(HazelcastConfigFactory.MEMBER_ID_ATTRIBUTE);
      if (id != null) {
        members.add(id);
      }
    }
    List<ParentEdge> live = new ArrayList<>();
    for (ParentEdge p : known.values()) {
      if (members.contains(p.member())) {
        live.add(p);
      }
    }
    live.sort(Comparator.comparing(ParentEdge::member));
    return live;
  }

  @Override
  public Registration onChange(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  void close() {
    if (hazelcast.getLifecycleService().isRunning()) {
      map.removeEntryListener(entryListener);
      hazelcast.getCluster().removeMembershipListener(membershipListener);
    }
    listeners.clear();
  }

  private void learn(String member, String json) {
    ParentEdge p = json == null ? null : ParentEdge.fromJson(json);
    if (p == null || !p.member().equals(member)) {
      forget(member);
      return;
    }
    if (!p.equals(known.put(member, p))) {
      LOG.info("event=parents.joined node={} member={} address={} parents={}", p.node(), member, p.address(),
          known.size());
      changed();
    }
  }

  private void forget(String member) {
    ParentEdge gone = known.remove(member);
    if (gone != null) {
      LOG.info("event=parents.left node={} member={} address={} parents={}", gone.node(), member, gone.address(),
          known.size());
      changed();
    }
  }

  private void changed() {
    for (Runnable l : listeners) {
      try {
        l.run();
      } catch (RuntimeException e) {
        LOG.warn("event=parents.listener_failed detail=\"{}\"", e.toString());
      }
    }
  }

  private final class Entries implements EntryAddedListener<String, String>, EntryUpdatedListener<String, String>,
      EntryRemovedListener<String, String> {
    @Override
    public void entryAdded(EntryEvent<String, String> event) {
      learn(event.getKey(), event.getValue());
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      learn(event.getKey(), event.getValue());
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> event) {
      forget(event.getKey());
    }
  }

  private final class Departures implements MembershipListener {
    @Override
    public void memberAdded(MembershipEvent event) {
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      String member = event.getMember().getAttribute(HazelcastConfigFactory.MEMBER_ID_ATTRIBUTE);
      if (member == null) {
        return;
      }
      forget(member);
      if (removeDeparted) {
        // Off the event thread: a map call from it would stall other events. Harmless if several do it.
        vertx.executeBlocking(() -> map.remove(member), false);
      }
    }
  }
}
