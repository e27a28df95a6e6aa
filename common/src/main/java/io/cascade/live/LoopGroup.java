package io.cascade.live;

import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.Arrays;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Subscribers that share one event loop: one task per frame delivers to all of them, and the
 * group's {@link FlushPolicy} decides when their writes are flushed. The member array is replaced,
 * never changed, under the stream's lock; the flush state is confined to the loop.
 */
final class LoopGroup {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.live");

  final EventLoop loop;
  private final FlushPolicy policy;
  Subscriber[] members = new Subscriber[0];
  /** Delivery tasks submitted to the loop and not started yet (written by the publisher, read on the loop). */
  private final AtomicInteger queued = new AtomicInteger();
  /** The latest snapshot written to and not flushed yet, or null when none is due. */
  private Subscriber[] flushDue;
  /** Whether a timer is armed for the current hold, and its loop time. */
  private boolean timerArmed;
  private long timerDeadline;
  /** The armed timer, cancelled when the hold ends sooner: a stale timer would still wake the loop. */
  private ScheduledFuture<?> timer;

  LoopGroup(EventLoop loop, LiveSettings settings) {
    this.loop = loop;
    this.policy = new FlushPolicy(settings);
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
    long submitted = loop.ticker().nanoTime();
    queued.incrementAndGet();
    try {
      loop.execute(() -> {
        int behind = queued.decrementAndGet();
        long started = loop.ticker().nanoTime();
        for (Subscriber s : snapshot) {
          deliverTo(s, frame);
        }
        flush(snapshot, started, started - submitted, behind, frame);
      });
    } catch (RejectedExecutionException e) {
      // The loop is shutting down with the node; its subscribers are gone with it.
      queued.decrementAndGet();
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
   * On the loop, after a delivery: subscribers that do not coalesce (relays, packagers,
   * recordings) are flushed at once; the others when the policy says — now, with the group's next
   * delivery, or by the group's timer. A group with none of the others asks no policy and arms no
   * timer. One timer counts per hold: a flush now cancels the armed one, and a hold that must end
   * sooner than the armed timer (audio waiting for video, then a video frame on a loaded loop)
   * replaces it with an earlier one. A timer left in the loop's queue would still end its
   * {@code epoll_wait} when due, and Netty polls without blocking for the last half millisecond
   * before a timer: dozens of stale timers a second per stream cost more than the holds save.
   */
  private void flush(Subscriber[] snapshot, long now, long waited, int behind, MediaFrame frame) {
    boolean coalescing = false;
    for (Subscriber s : snapshot) {
      if (s.coalesceFlushes()) {
        coalescing = true;
      } else {
        s.onFlush();
      }
    }
    if (!coalescing) {
      return;
    }
    // Membership only changes by whole snapshots, so the newest one covers everyone still here;
    // a subscriber that left meanwhile is flushed by its own close.
    flushDue = snapshot;
    long decision = policy.afterDelivery(now, waited, behind, frame.size(), frame.kind());
    if (decision == FlushPolicy.NOW) {
      cancelTimer();
      flushCoalescing();
    } else if (decision > 0 && (!timerArmed || now + decision - timerDeadline < 0)) {
      long deadline = now + decision;
      cancelTimer();
      try {
        timer = loop.schedule(() -> timedFlush(deadline), decision, TimeUnit.NANOSECONDS);
        timerArmed = true;
        timerDeadline = deadline;
      } catch (RejectedExecutionException e) {
        // Node shutting down.
      }
    }
  }

  private void cancelTimer() {
    if (timerArmed) {
      timerArmed = false;
      timer.cancel(false);
      timer = null;
    }
  }

  private void timedFlush(long deadline) {
    if (!timerArmed || deadline != timerDeadline) {
      return; // this hold was flushed already, or an earlier timer took over
    }
    timerArmed = false;
    timer = null;
    if (policy.timerFired()) {
      flushCoalescing();
    }
  }

  private void flushCoalescing() {
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
