package io.cascade.metrics;

import io.cascade.cluster.StreamRecord;
import io.cascade.cluster.StreamRegistry;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/** A stream registry whose operations are timed by operation and outcome. */
public final class TimedStreamRegistry implements StreamRegistry {
  private static final String[] OPERATIONS = {"claim", "release", "update", "lookup", "list"};

  private final StreamRegistry delegate;
  private final Timer[] ok = new Timer[OPERATIONS.length];
  private final Timer[] error = new Timer[OPERATIONS.length];

  public TimedStreamRegistry(StreamRegistry delegate, NodeMetrics metrics) {
    this.delegate = delegate;
    for (int i = 0; i < OPERATIONS.length; i++) {
      ok[i] = metrics.timer(CascadeMeter.REGISTRY_OPERATION, "op", OPERATIONS[i], "outcome", "ok");
      error[i] = metrics.timer(CascadeMeter.REGISTRY_OPERATION, "op", OPERATIONS[i], "outcome", "error");
    }
  }

  private <T> Future<T> timed(int op, Future<T> f) {
    long start = System.nanoTime();
    return f.andThen(ar -> (ar.succeeded() ? ok[op] : error[op]).record(System.nanoTime() - start, TimeUnit.NANOSECONDS));
  }

  @Override
  public Future<Claim> claim(StreamRecord proposed) {
    return timed(0, delegate.claim(proposed));
  }

  @Override
  public Future<Void> release(StreamRecord own) {
    return timed(1, delegate.release(own));
  }

  @Override
  public Future<Void> update(StreamRecord own, StreamRecord updated) {
    return timed(2, delegate.update(own, updated));
  }

  @Override
  public Future<Optional<StreamRecord>> lookup(String key) {
    return timed(3, delegate.lookup(key));
  }

  @Override
  public Watch watch(String key, Consumer<Optional<StreamRecord>> listener) {
    return delegate.watch(key, listener);
  }

  @Override
  public Future<List<StreamRecord>> list() {
    return timed(4, delegate.list());
  }

  @Override
  public boolean isOwnerAlive(StreamRecord record) {
    return delegate.isOwnerAlive(record);
  }

  @Override
  public String localMember() {
    return delegate.localMember();
  }

  @Override
  public int size() {
    return delegate.size();
  }
}
