package io.cascade.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.core.LifecycleEvent.LifecycleState;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ParentDirectory} over the IMap {@value #MAP_NAME}: one JSON entry per parent, keyed by
 * its member id. Every member keeps a local copy, filled once and then kept by entry events (the
 * map holds one entry per parent, so every member may hear all of them), and drops a member's
 * entry from it the moment the membership listener says the member left; {@link #parents()} also
 * filters by the current member list, so a departed parent never counts, whatever the map still
 * holds. Data members (origins) remove a departed parent's entry from the map itself.
 *
 * <p>Events missed while this member was split from the others, or a client was connected to no
 * origin, are made good by reading the whole map again when Hazelcast reports the merge or the
 * reconnection ({@link #reread}); a parent that merges back announces itself again, since the
 * origins removed its entry when they saw it leave. A read applies only if no entry event arrived
 * while it ran (the event is newer); otherwise it reads again, a bounded number of times.
 */
public final class HazelcastParentDirectory implements ParentDirectory {
  public static final String MAP_NAME = "cascade.parents";
  private static final Logger LOG = LoggerFactory.getLogger("cascade.registry");
  private static final int REREAD_ATTEMPTS = 5;
  private static final long REREAD_RETRY_MS = 1000;

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, String> map;
  private final String localMember;
  private final boolean removeDeparted;
  private final Map<String, ParentEdge> known = new ConcurrentHashMap<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private final UUID entryListener;
  private final UUID membershipListener;
  private final UUID lifecycleListener;
  /** Counts entry events under the lock, so a whole-map read can tell whether one overtook it. */
  private long entryEvents;
  private final AtomicBoolean rereading = new AtomicBoolean();
  /** This member's own entry while it is announced, else null; written and stored under {@link #own}. */
  private volatile String announcedJson;
  private final Object own = new Object();

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
    this.lifecycleListener = hazelcast.getLifecycleService().addLifecycleListener(this::lifecycle);
    // After the listener, so nothing written meanwhile is missed; an event and this read agree.
    for (Map.Entry<String, String> e : map.entrySet()) {
      learn(e.getKey(), e.getValue());
    }
  }

  private void lifecycle(LifecycleEvent event) {
    LifecycleState state = event.getState();
    if (state == LifecycleState.MERGED || state == LifecycleState.CLIENT_CONNECTED
        || state == LifecycleState.CLIENT_CHANGED_CLUSTER) {
      reread(state.name().toLowerCase());
    }
  }

  /**
   * Reads the whole map again off the event thread (one entry per parent, so it is small) and
   * makes the local copy equal to it: entries learnt, others forgotten; an announced parent writes
   * its own entry back first. One read at a time; failures are retried {@value #REREAD_ATTEMPTS}
   * times, a second apart.
   */
  void reread(String reason) {
    if (!rereading.compareAndSet(false, true)) {
      return;
    }
    LOG.info("event=parents.reread reason={} parents={}", reason, known.size());
    rereadAttempt(reason, 1);
  }

  private void rereadAttempt(String reason, int attempt) {
    vertx.<Boolean>executeBlocking(() -> {
      synchronized (own) {
        // Only when missing or stale: the write's own event would make this read start over.
        if (announcedJson != null && !announcedJson.equals(map.get(localMember))) {
          map.set(localMember, announcedJson);
          LOG.info("event=parents.announce_again member={}", localMember);
        }
      }
      long before;
      synchronized (this) {
        before = entryEvents;
      }
      Map<String, String> current = new HashMap<>();
      for (Map.Entry<String, String> e : map.entrySet()) {
        current.put(e.getKey(), e.getValue());
      }
      return replaceIfUnchanged(before, current);
    }, false).onComplete(ar -> {
      if (ar.succeeded() && ar.result()) {
        rereading.set(false);
        LOG.info("event=parents.reread_done reason={} parents={}", reason, known.size());
      } else if (attempt >= REREAD_ATTEMPTS || !hazelcast.getLifecycleService().isRunning()) {
        rereading.set(false);
        LOG.warn("event=parents.reread_failed reason={} attempts={} detail=\"{}\"", reason, attempt,
            ar.failed() ? ar.cause().toString() : "entry events kept arriving");
      } else if (ar.failed()) {
        vertx.setTimer(REREAD_RETRY_MS, t -> rereadAttempt(reason, attempt + 1));
      } else {
        rereadAttempt(reason, attempt + 1);
      }
    });
  }

  /** Applies a whole-map read unless an entry event arrived since it began (that event is newer). */
  private synchronized boolean replaceIfUnchanged(long before, Map<String, String> current) {
    if (entryEvents != before) {
      return false;
    }
    for (String member : List.copyOf(known.keySet())) {
      if (!current.containsKey(member)) {
        forget(member);
      }
    }
    current.forEach(this::learn);
    return true;
  }

  @Override
  public Future<Void> announce(ParentEdge self) {
    if (!self.member().equals(localMember)) {
      return Future.failedFuture(new IllegalArgumentException("announce only this member, not " + self.member()));
    }
    String json = self.toJson().encode();
    return vertx.executeBlocking(() -> {
      synchronized (own) {
        map.set(localMember, json);
        announcedJson = json;
      }
      LOG.info("event=parents.announce node={} member={} address={}", self.node(), self.member(), self.address());
      return null;
    }, false);
  }

  @Override
  public Future<Void> withdraw() {
    if (announcedJson == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      synchronized (own) {
        announcedJson = null;
        map.delete(localMember);
      }
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
      hazelcast.getLifecycleService().removeLifecycleListener(lifecycleListener);
    }
    listeners.clear();
  }

  private synchronized void heard(String member, String json) {
    entryEvents++;
    learn(member, json);
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
      heard(event.getKey(), event.getValue());
    }

    @Override
    public void entryUpdated(EntryEvent<String, String> event) {
      heard(event.getKey(), event.getValue());
    }

    @Override
    public void entryRemoved(EntryEvent<String, String> event) {
      heard(event.getKey(), null);
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
