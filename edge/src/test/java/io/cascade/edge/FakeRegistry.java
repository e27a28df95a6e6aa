package io.cascade.edge;

import io.cascade.cluster.StreamRecord;
import io.cascade.cluster.StreamRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An in-memory registry with the contract of the Hazelcast one: lookups hide records of dead
 * members, watches see only their key and are called on the watcher's context. Tests drive it
 * (put, remove, markDead) and read what the edge asked of it.
 */
final class FakeRegistry implements StreamRegistry {
  private final Map<String, StreamRecord> records = new ConcurrentHashMap<>();
  private final Set<String> dead = ConcurrentHashMap.newKeySet();
  private final Map<String, List<Watcher>> watchers = new ConcurrentHashMap<>();
  private final Map<String, List<Long>> lookups = new ConcurrentHashMap<>();

  private record Watcher(Context context, Consumer<Optional<StreamRecord>> listener) {
    void tell(Optional<StreamRecord> value) {
      if (context == null) {
        listener.accept(value);
      } else {
        context.runOnContext(v -> listener.accept(value));
      }
    }
  }

  void put(StreamRecord record) {
    records.put(record.key(), record);
    notify(record.key(), Optional.of(record));
  }

  void remove(String key) {
    if (records.remove(key) != null) {
      notify(key, Optional.empty());
    }
  }

  /** The member left the cluster: its records stay until removed, but lookups no longer show them. */
  void markDead(String member) {
    dead.add(member);
  }

  /** When each lookup of {@code key} was made (System.nanoTime). */
  List<Long> lookupTimes(String key) {
    return new ArrayList<>(lookups.getOrDefault(key, List.of()));
  }

  int watchers(String key) {
    return watchers.getOrDefault(key, List.of()).size();
  }

  private void notify(String key, Optional<StreamRecord> value) {
    for (Watcher w : watchers.getOrDefault(key, List.of())) {
      w.tell(value);
    }
  }

  @Override
  public Future<Claim> claim(StreamRecord proposed) {
    StreamRecord existing = records.putIfAbsent(proposed.key(), proposed);
    if (existing == null) {
      notify(proposed.key(), Optional.of(proposed));
      return Future.succeededFuture(new Claim(ClaimOutcome.CLAIMED, proposed));
    }
    return Future.succeededFuture(new Claim(ClaimOutcome.REJECTED, existing));
  }

  @Override
  public Future<Void> release(StreamRecord own) {
    if (records.remove(own.key(), own)) {
      notify(own.key(), Optional.empty());
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> update(StreamRecord own, StreamRecord updated) {
    if (records.replace(own.key(), own, updated)) {
      notify(own.key(), Optional.of(updated));
    }
    return Future.succeededFuture();
  }

  @Override
  public Future<Optional<StreamRecord>> lookup(String key) {
    lookups.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(System.nanoTime());
    return Future.succeededFuture(Optional.ofNullable(records.get(key)).filter(this::isOwnerAlive));
  }

  @Override
  public Watch watch(String key, Consumer<Optional<StreamRecord>> listener) {
    Watcher w = new Watcher(Vertx.currentContext(), listener);
    watchers.computeIfAbsent(key, k -> new CopyOnWriteArrayList<>()).add(w);
    return () -> watchers.getOrDefault(key, List.of()).remove(w);
  }

  @Override
  public Future<List<StreamRecord>> list() {
    return Future.succeededFuture(records.values().stream().filter(this::isOwnerAlive).toList());
  }

  @Override
  public boolean isOwnerAlive(StreamRecord record) {
    return !dead.contains(record.ownerMember());
  }

  @Override
  public String localMember() {
    return "edge-member";
  }

  @Override
  public int size() {
    return records.size();
  }
}
