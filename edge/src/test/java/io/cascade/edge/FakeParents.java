package io.cascade.edge;

import io.cascade.cluster.ParentDirectory;
import io.cascade.cluster.ParentEdge;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** A {@link ParentDirectory} the test fills: parents join and leave when it says so. */
final class FakeParents implements ParentDirectory {
  private final List<ParentEdge> parents = new CopyOnWriteArrayList<>();
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();

  /** Parent {@code name} joins, reachable at {@code name:1935}. */
  ParentEdge join(String name) {
    ParentEdge p = new ParentEdge("m-" + name, "node-" + name, name, 1935);
    parents.add(p);
    listeners.forEach(Runnable::run);
    return p;
  }

  void leave(ParentEdge p) {
    parents.remove(p);
    listeners.forEach(Runnable::run);
  }

  @Override
  public Future<Void> announce(ParentEdge self) {
    return Future.succeededFuture();
  }

  @Override
  public Future<Void> withdraw() {
    return Future.succeededFuture();
  }

  @Override
  public List<ParentEdge> parents() {
    List<ParentEdge> copy = new ArrayList<>(parents);
    copy.sort(Comparator.comparing(ParentEdge::member));
    return copy;
  }

  @Override
  public Registration onChange(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }
}
