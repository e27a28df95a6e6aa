package io.cascade.live;

import io.netty.channel.EventLoop;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribers that share one event loop: one task per frame delivers to all of them. The member
 * array is replaced, never changed, under the stream's lock; the flush state is confined to the
 * loop.
 */
final class LoopGroup {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.live");

  final EventLoop loop;
  private final long flushIntervalNanos;
  private final int flushBytes;
  Subscriber[] members = new Subscriber[0];
  /** The latest snapshot written to since the last timed flush, or null when none is due. */
  private Subscriber[] flushDue;

  LoopGroup(EventLoop loop, long flushIntervalNanos, int flushBytes) {
    this.loop = loop;
    this.flushIntervalNanos = flushIntervalNanos;
    this.flushBytes = flushBytes;
  }

  void add(Subscriber s) {
    members = Arrays.copyOf(members, members.length + 1);
    members[members.length - 1] = s;
  }

  boolean remove(Subscriber s) {
    for (int i = 0; i < members.length; i++) {
      if (members[i] == s) {
        Subscriber[] next = new Subscriber[members.length - 1];
        System.arraycopy(members, 0, next, 0, i);
        System.arraycopy(members, i + 1, next, i, members.length - i - 1);
        members = next;
        return true;
      }
    }
    return false;
  }

  boolean isEmpty() {
    return members.length == 0;
  }

  void deliver(MediaFrame frame) {
    Subscriber[] snapshot = members;
    frame.retain(snapshot.length);
    try {
      loop.execute(() -> {
        for (Subscriber s : snapshot) {
          deliverTo(s, frame);
        }
        flush(snapshot, flushBytes > 0 && frame.size() >= flushBytes);
      });
    } catch (RejectedExecutionException e) {
      // The loop is shutting down with the node; its subscribers are gone with it.
      frame.release(snapshot.length);
    }
  }

  /**
   * One subscriber's failure stays its own: the others on this loop still get the frame. The
   * failed one owned its reference; whether it released it is its business, so none is released here.
   */
  private static void deliverTo(Subscriber s, MediaFrame frame) {
    try {
      s.onFrame(frame);
    } catch (RuntimeException e) {
      LOG.warn("event=subscriber.error subscriber={} reason=\"{}\"", s, e.toString());
    }
  }

  /**
   * On the loop: flushes now (no interval, or a frame large enough to go out on its own), or arms
   * the group's flush timer for coalescing subscribers. A timer already armed stays; when it fires
   * it finds nothing to write for those flushed meanwhile.
   */
  private void flush(Subscriber[] snapshot, boolean now) {
    if (flushIntervalNanos == 0 || now) {
      for (Subscriber s : snapshot) {
        s.onFlush();
      }
      return;
    }
    for (Subscriber s : snapshot) {
      if (!s.coalesceFlushes()) {
        s.onFlush();
      }
    }
    if (flushDue == null) {
      try {
        loop.schedule(this::timedFlush, flushIntervalNanos, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        return;
      }
    }
    // Membership only changes by whole snapshots, so the newest one covers everyone still here;
    // a subscriber that left meanwhile is flushed by its own close.
    flushDue = snapshot;
  }

  private void timedFlush() {
    Subscriber[] due = flushDue;
    flushDue = null;
    if (due != null) {
      for (Subscriber s : due) {
        if (s.coalesceFlushes()) {
          s.onFlush();
        }
      }
    }
  }

  void execute(Consumer<Subscriber> event) {
    Subscriber[] snapshot = members;
    try {
      loop.execute(() -> {
        for (Subscriber s : snapshot) {
          event.accept(s);
        }
      });
    } catch (RejectedExecutionException ignored) {
      // Node shutting down: nobody left to tell.
    }
  }
}
