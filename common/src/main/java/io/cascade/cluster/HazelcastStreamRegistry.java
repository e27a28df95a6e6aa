package io.cascade.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.LifecycleEvent;
import com.hazelcast.map.IMap;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stream registry in the Hazelcast IMap {@value #MAP_NAME}: key {@code app/stream}, value the
 * record as JSON text, so the map needs no Hazelcast serialization setup and reads the same on
 * every version. Conditional operations on the exact stored text (putIfAbsent, replace and remove
 * with the old value) make every change a compare-and-set without locks or entry processors.
 *
 * <p>A record is live while its owner's member id belongs to a current member. On data members
 * (origins) a membership listener removes a departed member's records at once, so they do not
 * linger until a TTL; until that has happened, lookups already treat them as absent and a claim
 * takes them over.
 *
 * <p>IMap calls block, so they run on Vert.x worker threads (results come back on the caller's
 * context) or, for the cleanup, on one thread of the registry's own.
 */
public final class HazelcastStreamRegistry implements StreamRegistry {
  public static final String MAP_NAME = "cascade.streams";
  private static final Logger LOG = LoggerFactory.getLogger("cascade.registry");
  /** Compare-and-set rounds before a claim gives up; each lost round means another writer won. */
  private static final int MAX_ATTEMPTS = 8;
  private static final long SIZE_REFRESH_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final Vertx vertx;
  private final HazelcastInstance hazelcast;
  private final IMap<String, String> map;
  private final String localMember;
  private final ExecutorService background;
  private final UUID membershipListener;
  private final UUID lifecycleListener;
  private final Set<KeyWatch> watches = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean sizeRefreshing = new AtomicBoolean();
  private volatile int lastSize;
  private volatile long sizeCheckedAt = System.nanoTime() - SIZE_REFRESH_NANOS;

  /**
   * @param hazelcast a member or a client (an edge in {@code cluster.edgeMode: client}); a client
   *     sees the member list too, which is all the liveness of owners needs
   * @param localMember this node's id, written into the records it claims
   * @param releaseDeadOwners whether this member removes the records of members that leave; true
   *     on data members, which hold the data and outlive edges
   */
  public HazelcastStreamRegistry(Vertx vertx, HazelcastInstance hazelcast, String localMember,
      boolean releaseDeadOwners) {
    this.vertx = vertx;
    this.hazelcast = hazelcast;
    this.map = hazelcast.getMap(MAP_NAME);
    this.localMember = localMember;
    this.background = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "cascade-registry");
      t.setDaemon(true);
      return t;
    });
    this.membershipListener = releaseDeadOwners
        ? hazelcast.getCluster().addMembershipListener(new DeadOwnerReleaser())
        : null;
    this.lifecycleListener = hazelcast.getLifecycleService().addLifecycleListener(event -> {
      // Events may have been missed: while split from the others (a member), or while connected to
      // no origin (a client, whose listeners Hazelcast registers again on reconnecting, also to a
      // cluster restarted meanwhile).
      LifecycleEvent.LifecycleState state = event.getState();
      if (state == LifecycleEvent.LifecycleState.MERGED || state == LifecycleEvent.LifecycleState.CLIENT_CONNECTED
          || state == LifecycleEvent.LifecycleState.CLIENT_CHANGED_CLUSTER) {
        LOG.info("event=registry.reread reason={} watches={}", state.name().toLowerCase(), watches.size());
        watches.forEach(KeyWatch::readCurrent);
      }
    });
  }

  @Override
  public Future<Claim> claim(StreamRecord proposed) {
    return blocking(() -> claimBlocking(proposed));
  }

  private Claim claimBlocking(StreamRecord proposed) {
    String key = proposed.key();
    String json = encode(proposed);
    for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      String previous = map.putIfAbsent(key, json);
      if (previous == null) {
        return new Claim(ClaimOutcome.CLAIMED, proposed);
      }
      StreamRecord holder = decode(previous);
      if (holder != null && holder.sameSession(proposed)) {
        // A repeated claim of this session (e.g. the periodic check) keeps the record as it is.
        return new Claim(ClaimOutcome.CLAIMED, holder);
      }
      if (holder != null && liveMembers().contains(holder.ownerMember())) {
        return new Claim(ClaimOutcome.REJECTED, holder);
      }
      long fence = holder == null ? 0 : holder.epoch() + 1;
      StreamRecord next = proposed.withEpoch(Math.max(fence, Math.max(proposed.epoch(), System.currentTimeMillis())));
      if (map.replace(key, previous, encode(next))) {
        LOG.info("event=registry.takeover stream={} previous_node={} previous_epoch={} epoch={}", key,
            holder == null ? "unreadable" : holder.ownerNode(), holder == null ? -1 : holder.epoch(), next.epoch());
        return new Claim(ClaimOutcome.TAKEN_OVER, next);
      }
    }
    throw new IllegalStateException("claim of " + key + " lost " + MAX_ATTEMPTS + " races in a row");
  }

  @Override
  public Future<Void> release(StreamRecord own) {
    return blocking(() -> {
      for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        String current = map.get(own.key());
        StreamRecord record = current == null ? null : decode(current);
        if (record == null || !record.sameSession(own) || map.remove(own.key(), current)) {
          return null;
        }
      }
      throw new IllegalStateException("release of " + own.key() + " lost " + MAX_ATTEMPTS + " races in a row");
    });
  }

  @Override
  public Future<Void> update(StreamRecord own, StreamRecord updated) {
    String json = encode(updated);
    return blocking(() -> {
      for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        String current = map.get(own.key());
        StreamRecord record = current == null ? null : decode(current);
        if (record == null || !record.sameSession(own) || current.equals(json) || map.replace(own.key(), current, json)) {
          return null;
        }
      }
      throw new IllegalStateException("update of " + own.key() + " lost " + MAX_ATTEMPTS + " races in a row");
    });
  }

  @Override
  public Future<Optional<StreamRecord>> lookup(String key) {
    return blocking(() -> live(map.get(key), liveMembers()));
  }

  @Override
  public Watch watch(String key, Consumer<Optional<StreamRecord>> listener) {
    KeyWatch watch = new KeyWatch(this, key, listener, callerContext());
    watch.register();
    return watch;
  }

  @Override
  public Future<List<StreamRecord>> list() {
    return blocking(() -> {
      Set<String> members = liveMembers();
      List<StreamRecord> records = new ArrayList<>();
      for (String json : map.values()) {
        live(json, members).ifPresent(records::add);
      }
      records.sort(Comparator.comparing(StreamRecord::key));
      return records;
    });
  }

  @Override
  public boolean isOwnerAlive(StreamRecord record) {
    return liveMembers().contains(record.ownerMember());
  }

  @Override
  public String localMember() {
    return localMember;
  }

  /**
   * Entries in the map, dead owners' included, as last counted: counting is a cluster-wide call,
   * so this returns the previous count at once and refreshes it in the background at most once a
   * second.
   */
  @Override
  public int size() {
    long now = System.nanoTime();
    if (now - sizeCheckedAt >= SIZE_REFRESH_NANOS && sizeRefreshing.compareAndSet(false, true)) {
      sizeCheckedAt = now;
      runInBackground(() -> {
        try {
          lastSize = map.size();
        } finally {
          sizeRefreshing.set(false);
        }
      });
    }
    return lastSize;
  }

  /** Stops the cleanup of departed members' records; the caller then shuts Hazelcast down. */
  void close() {
    if (hazelcast.getLifecycleService().isRunning()) {
      if (membershipListener != null) {
        hazelcast.getCluster().removeMembershipListener(membershipListener);
      }
      hazelcast.getLifecycleService().removeLifecycleListener(lifecycleListener);
    }
    background.shutdownNow();
  }

  boolean running() {
    return hazelcast.getLifecycleService().isRunning();
  }

  void watchStarted(KeyWatch watch) {
    watches.add(watch);
  }

  void watchEnded(KeyWatch watch) {
    watches.remove(watch);
  }

  IMap<String, String> map() {
    return map;
  }

  /** The record in {@code json} if its owner is among {@code members}. */
  Optional<StreamRecord> live(String json, Set<String> members) {
    if (json == null) {
      return Optional.empty();
    }
    StreamRecord record = decode(json);
    return record != null && members.contains(record.ownerMember()) ? Optional.of(record) : Optional.empty();
  }

  /** Member ids of the current members, read from the local member list (no remote call). */
  Set<String> liveMembers() {
    Set<String> ids = new HashSet<>();
    for (Member m : hazelcast.getCluster().getMembers()) {
      String id = memberId(m);
      if (id != null) {
        ids.add(id);
      }
    }
    return ids;
  }

  /** Runs a blocking IMap call on a worker; the result arrives on the caller's context. */
  <T> Future<T> blocking(Callable<T> task) {
    return callerContext().executeBlocking(task, false);
  }

  Context callerContext() {
    Context current = Vertx.currentContext();
    return current != null && current.owner() == vertx ? current : vertx.getOrCreateContext();
  }

  void runInBackground(Runnable task) {
    try {
      background.execute(task);
    } catch (RejectedExecutionException e) {
      // Closed: nothing left to clean up or count.
    }
  }

  static String encode(StreamRecord record) {
    return record.toJson().encode();
  }

  /** The record, or null for text that is not one (treated like a dead owner's record). */
  static StreamRecord decode(String json) {
    try {
      StreamRecord record = StreamRecord.fromJson(new JsonObject(json));
      return record.key() == null || record.ownerMember() == null || record.sessionId() == null ? null : record;
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static String memberId(Member member) {
    return member.getAttribute(HazelcastConfigFactory.MEMBER_ID_ATTRIBUTE);
  }

  /**
   * Removes the records of a member that left. Every data member does it, each remove is
   * conditional on the exact text, so running it several times is harmless, and it does not
   * depend on which member happens to hold the partitions.
   */
  private void releaseRecordsOf(String member, String node) {
    long started = System.nanoTime();
    int released = 0;
    for (Map.Entry<String, String> entry : map.entrySet()) {
      StreamRecord record = decode(entry.getValue());
      if (record != null && member.equals(record.ownerMember()) && map.remove(entry.getKey(), entry.getValue())) {
        released++;
        LOG.info("event=registry.release_dead_owner stream={} owner_node={} owner_member={} epoch={}",
            entry.getKey(), record.ownerNode(), member, record.epoch());
      }
    }
    LOG.info("event=registry.member_released member={} node={} streams={} elapsed_ms={}", member, node, released,
        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
  }

  private final class DeadOwnerReleaser implements MembershipListener {
    @Override
    public void memberAdded(MembershipEvent event) {
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      String member = memberId(event.getMember());
      String node = event.getMember().getAttribute(HazelcastConfigFactory.NODE_ID_ATTRIBUTE);
      if (member != null) {
        // Off the Hazelcast event thread: map calls from it would stall other events.
        runInBackground(() -> releaseWithRetry(member, node));
      }
    }

    private void releaseWithRetry(String member, String node) {
      for (int attempt = 1; ; attempt++) {
        try {
          releaseRecordsOf(member, node);
          return;
        } catch (RuntimeException e) {
          if (attempt == 3 || !hazelcast.getLifecycleService().isRunning()) {
            LOG.warn("event=registry.release_failed member={} node={} attempts={} detail=\"{}\"", member, node, attempt,
                e.toString());
            return;
          }
          try {
            Thread.sleep(500L * attempt);
          } catch (InterruptedException interrupted) {
            Thread.currentThread().interrupt();
            return;
          }
        }
      }
    }
  }
}
