package io.cascade.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.vertx.core.Context;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An entry listener on one key of the registry map, so a node hears only about the streams it
 * serves or waits for. Events arrive on Hazelcast threads and are handed to the watcher's context.
 *
 * <p>The listener is registered on a worker. A change made while that is under way may produce
 * no event, so once registered the watch reads the key and delivers what it finds. It reads again
 * after this member merged back from a split brain, when the merge may have replaced records
 * without events.
 */
final class KeyWatch implements StreamRegistry.Watch, EntryAddedListener<String, String>,
    EntryUpdatedListener<String, String>, EntryRemovedListener<String, String>, EntryEvictedListener<String, String>,
    EntryExpiredListener<String, String>, EntryMergedListener<String, String> {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.registry");
  private static final long RETRY_MILLIS = 1000;

  private final HazelcastStreamRegistry registry;
  private final String key;
  private final Consumer<Optional<StreamRecord>> listener;
  private final Context context;
  /** Events received so far; tells the initial read whether an event overtook it. */
  private final AtomicLong events = new AtomicLong();
  private volatile boolean cancelled;
  private UUID registration;

  KeyWatch(HazelcastStreamRegistry registry, String key, Consumer<Optional<StreamRecord>> listener,
      Context context) {
    this.registry = registry;
    this.key = key;
    this.listener = listener;
    this.context = context;
  }

  void register() {
    context.executeBlocking(() -> registry.map().addEntryListener(this, key, true), false).onComplete(ar -> {
      if (ar.failed()) {
        if (!cancelled && registry.running()) {
          LOG.warn("event=registry.watch_failed stream={} retry_ms={} detail=\"{}\"", key, RETRY_MILLIS,
              ar.cause().toString());
          context.owner().setTimer(RETRY_MILLIS, t -> register());
        }
        return;
      }
      boolean cancelledMeanwhile;
      synchronized (this) {
        registration = ar.result();
        cancelledMeanwhile = cancelled;
        if (!cancelledMeanwhile) {
          registry.watchStarted(this);
        }
      }
      if (cancelledMeanwhile) {
        unregister(ar.result());
        return;
      }
      readCurrent();
    });
  }

  /**
   * Reads the key and delivers the record, unless an event arrives meanwhile: that event is at
   * least as new as the read, and delivering the read after it would go back in time.
   */
  void readCurrent() {
    long seen = events.get();
    context.executeBlocking(() -> registry.live(registry.map().get(key), registry.liveMembers()), false)
        .onSuccess(record -> {
          if (!cancelled && events.get() == seen) {
            listener.accept(record);
          }
        });
  }

  @Override
  public void cancel() {
    UUID id;
    synchronized (this) {
      if (cancelled) {
        return;
      }
      cancelled = true;
      id = registration;
    }
    if (id != null) {
      registry.watchEnded(this);
      unregister(id);
    }
  }

  private void unregister(UUID id) {
    registry.runInBackground(() -> {
      try {
        registry.map().removeEntryListener(id);
      } catch (RuntimeException e) {
        // Hazelcast is shutting down, which removes every listener anyway.
      }
    });
  }

  @Override
  public void entryAdded(EntryEvent<String, String> event) {
    deliver(event.getValue());
  }

  @Override
  public void entryUpdated(EntryEvent<String, String> event) {
    deliver(event.getValue());
  }

  @Override
  public void entryMerged(EntryEvent<String, String> event) {
    deliver(event.getValue());
  }

  @Override
  public void entryRemoved(EntryEvent<String, String> event) {
    deliver(null);
  }

  @Override
  public void entryEvicted(EntryEvent<String, String> event) {
    deliver(null);
  }

  @Override
  public void entryExpired(EntryEvent<String, String> event) {
    deliver(null);
  }

  /** Judges liveness now, on the event thread, so a record of a departed owner arrives as empty. */
  private void deliver(String json) {
    if (cancelled) {
      return;
    }
    events.incrementAndGet();
    Optional<StreamRecord> record = registry.live(json, registry.liveMembers());
    context.runOnContext(v -> {
      if (!cancelled) {
        listener.accept(record);
      }
    });
  }
}
