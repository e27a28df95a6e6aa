package io.cascade.live;

import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The live streams of this node by key ({@code app/stream}). A stream exists while it has a
 * publisher or at least one subscriber (a player waiting for it counts). Every lifecycle change
 * runs inside {@link ConcurrentHashMap#compute}, so creation and removal never race with a join.
 */
public final class StreamManager {
  /** Why a publish was refused. */
  public enum PublishRefusal { ALREADY_PUBLISHING, TOO_MANY_STREAMS }

  /** Outcome of {@link #publish}: the stream, or why not. */
  public record PublishResult(LiveStream stream, PublishRefusal refusal) {
    public boolean accepted() {
      return stream != null;
    }
  }

  /** Why a subscriber was refused. */
  public enum JoinRefusal { TOO_MANY_STREAMS, TOO_MANY_PLAYERS }

  /** Outcome of {@link #join}: the stream, or why not. */
  public record JoinResult(LiveStream stream, JoinRefusal refusal) {
  }

  private final LiveSettings settings;
  private final AtomicInteger waiting = new AtomicInteger();
  private final ByteBufAllocator alloc;
  private final ConcurrentHashMap<String, LiveStream> streams = new ConcurrentHashMap<>();
  private final LiveStats stats = new LiveStats();
  private final StreamDemand demand;

  public StreamManager(LiveSettings settings, ByteBufAllocator alloc) {
    this(settings, alloc, StreamDemand.NONE);
  }

  public StreamManager(LiveSettings settings, ByteBufAllocator alloc, StreamDemand demand) {
    this.settings = settings;
    this.alloc = alloc;
    this.demand = demand;
  }

  public LiveSettings settings() {
    return settings;
  }

  public LiveStats stats() {
    return stats;
  }

  public PublishResult publish(String key, Object publisher) {
    PublishRefusal[] refusal = new PublishRefusal[1];
    LiveStream result = streams.compute(key, (k, s) -> {
      if (s == null) {
        if (streams.size() >= settings.maxStreams()) {
          refusal[0] = PublishRefusal.TOO_MANY_STREAMS;
          return null;
        }
        s = new LiveStream(k, settings, alloc, stats);
      }
      if (!s.tryPublish(publisher)) {
        refusal[0] = PublishRefusal.ALREADY_PUBLISHING;
      }
      return s;
    });
    return refusal[0] == null ? new PublishResult(result, null) : new PublishResult(null, refusal[0]);
  }

  public void unpublish(LiveStream stream, Object publisher) {
    streams.computeIfPresent(stream.key(), (k, s) -> {
      if (s != stream) {
        return s;
      }
      s.unpublish(publisher);
      return retire(s);
    });
  }

  /** Attaches a subscriber, creating the stream (not live yet) if needed; null when a limit refuses it. */
  public LiveStream subscribe(String key, Subscriber subscriber) {
    return join(key, subscriber).stream();
  }

  /** As {@link #subscribe}, saying which limit refused it. */
  public JoinResult join(String key, Subscriber subscriber) {
    boolean[] added = new boolean[1];
    JoinRefusal[] refusal = {JoinRefusal.TOO_MANY_PLAYERS};
    LiveStream result = streams.compute(key, (k, s) -> {
      if (s == null) {
        if (streams.size() >= settings.maxStreams()) {
          refusal[0] = JoinRefusal.TOO_MANY_STREAMS;
          return null;
        }
        s = new LiveStream(k, settings, alloc, stats);
      }
      added[0] = s.addSubscriber(subscriber);
      if (added[0] && s.subscriberCount() == 1) {
        demand.onActive(s);
      }
      return retire(s);
    });
    return added[0] ? new JoinResult(result, null) : new JoinResult(null, refusal[0]);
  }

  /**
   * Counts a player that starts waiting for a stream that is not live; false when
   * {@link LiveSettings#maxWaitingPlayers()} are waiting already. Pair with {@link #stopWaiting}.
   */
  public boolean startWaiting() {
    while (true) {
      int n = waiting.get();
      if (n >= settings.maxWaitingPlayers()) {
        return false;
      }
      if (waiting.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  public void stopWaiting() {
    waiting.decrementAndGet();
  }

  /** Players waiting for a stream that was not live when they joined. */
  public int waitingPlayers() {
    return waiting.get();
  }

  public void unsubscribe(LiveStream stream, Subscriber subscriber) {
    streams.computeIfPresent(stream.key(), (k, s) -> {
      if (s != stream) {
        return s;
      }
      if (s.removeSubscriber(subscriber) && s.subscriberCount() == 0) {
        demand.onIdle(s);
      }
      return retire(s);
    });
  }

  private static LiveStream retire(LiveStream s) {
    if (s.isIdle()) {
      s.dispose();
      return null;
    }
    return s;
  }

  public LiveStream get(String key) {
    return streams.get(key);
  }

  public int size() {
    return streams.size();
  }

  public List<StreamInfo> snapshot() {
    List<StreamInfo> out = new ArrayList<>(streams.size());
    for (LiveStream s : streams.values()) {
      out.add(s.info());
    }
    return out;
  }
}
