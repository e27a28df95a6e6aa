package io.cascade.edge;

import io.cascade.cluster.StreamRecord;
import io.cascade.live.LiveStream;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * An {@link Upstream.Connector} whose upstreams are driven by the test: it says when an upstream
 * plays, delivers, fails, is lost or has closed, and reads what the ingest asked of it.
 */
final class FakeUpstreams implements Upstream.Connector {
  final List<Fake> opened = new ArrayList<>();
  private final VirtualScheduler scheduler;
  /** How long a closed upstream takes to finish closing; null: until the test says so. */
  private Duration closeDelay = Duration.ZERO;

  FakeUpstreams(VirtualScheduler scheduler) {
    this.scheduler = scheduler;
  }

  /** Upstreams finish closing only when the test calls {@link Fake#finishClosing}. */
  FakeUpstreams closeByHand() {
    closeDelay = null;
    return this;
  }

  @Override
  public Upstream open(StreamRecord record, String app, String name, Upstream.Listener listener) {
    if (record.relayPort() <= 0) {
      throw new IllegalArgumentException("bad port " + record.relayPort());
    }
    Fake f = new Fake(record, app + "/" + name, listener);
    opened.add(f);
    return f;
  }

  Fake last() {
    return opened.get(opened.size() - 1);
  }

  /** Upstreams opened and not yet closed by the ingest. */
  long open() {
    return opened.stream().filter(f -> !f.closeRequested).count();
  }

  final class Fake implements Upstream {
    final StreamRecord record;
    final String key;
    final Upstream.Listener listener;
    private final Promise<Void> closed = Promise.promise();
    boolean closeRequested;
    LiveStream fed;
    Object publisher;

    Fake(StreamRecord record, String key, Upstream.Listener listener) {
      this.record = record;
      this.key = key;
      this.listener = listener;
    }

    @Override
    public void feed(LiveStream stream, Object from) {
      fed = stream;
      publisher = from;
    }

    @Override
    public void close() {
      closeRequested = true;
      if (closeDelay != null) {
        scheduler.schedule(closeDelay, closed::tryComplete);
      }
    }

    @Override
    public Future<Void> closed() {
      return closed.future();
    }

    /** Play.Start, then the first media frame, as a healthy origin sends them. */
    void plays() {
      listener.onPlaying(this);
      listener.onFirstMedia(this);
      scheduler.runPending();
    }

    void playsWithoutMedia() {
      listener.onPlaying(this);
      scheduler.runPending();
    }

    void fails(String reason) {
      listener.onFailed(this, reason);
      closed.tryComplete();
      scheduler.runPending();
    }

    void lost(String reason, boolean sessionEnded) {
      listener.onLost(this, reason, null, sessionEnded);
      closed.tryComplete();
      scheduler.runPending();
    }

    void finishClosing() {
      closed.tryComplete();
      scheduler.runPending();
    }
  }
}
