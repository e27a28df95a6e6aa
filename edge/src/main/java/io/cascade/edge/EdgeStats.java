package io.cascade.edge;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * Counters of the edge's upstream pulls, kept as plain adders so the hot paths stay cheap; the
 * metrics layer reads them. Every method is thread-safe.
 */
public final class EdgeStats {
  private final LongAdder ingestsCreated = new LongAdder();
  private final LongAdder ingestsActive = new LongAdder();
  private final LongAdder pullsActive = new LongAdder();
  private final LongAdder pullsStarted = new LongAdder();
  private final LongAdder pullsPlaying = new LongAdder();
  private final LongAdder pullsFailed = new LongAdder();
  private final LongAdder upstreamsLost = new LongAdder();
  private final LongAdder reconnects = new LongAdder();
  private final LongAdder failoverMillisTotal = new LongAdder();
  private final AtomicLong failoverMillisMax = new AtomicLong();
  private final AtomicLong failoverMillisLast = new AtomicLong(-1);
  private final LongAdder idleCloses = new LongAdder();
  private final LongAdder unpublishedNoUpstream = new LongAdder();
  private final LongAdder playingFromOrigin = new LongAdder();
  private final LongAdder playingFromParent = new LongAdder();
  private final LongAdder rehomes = new LongAdder();
  private volatile LongConsumer failoverObserver = ms -> { };

  /** Hears every failover duration (ms), e.g. the metrics' histogram. */
  public void onFailover(LongConsumer observer) {
    this.failoverObserver = observer;
  }

  void ingestCreated() {
    ingestsCreated.increment();
    ingestsActive.increment();
  }

  void ingestRetired() {
    ingestsActive.decrement();
  }

  void pullOpened() {
    pullsStarted.increment();
    pullsActive.increment();
  }

  void pullClosed() {
    pullsActive.decrement();
  }

  void pullPlaying() {
    pullsPlaying.increment();
  }

  void pullFailed() {
    pullsFailed.increment();
  }

  void upstreamLost() {
    upstreamsLost.increment();
  }

  void reconnected(long failoverMillis) {
    reconnects.increment();
    failoverMillisTotal.add(failoverMillis);
    failoverMillisMax.accumulateAndGet(failoverMillis, Math::max);
    failoverMillisLast.set(failoverMillis);
    failoverObserver.accept(failoverMillis);
  }

  /** A pull from {@code source} ({@code origin} or {@code parent}) started playing. */
  void sourceStarted(String source) {
    ("parent".equals(source) ? playingFromParent : playingFromOrigin).increment();
  }

  /** That pull ended. */
  void sourceEnded(String source) {
    ("parent".equals(source) ? playingFromParent : playingFromOrigin).decrement();
  }

  void rehomed() {
    rehomes.increment();
  }

  void idleClosed() {
    idleCloses.increment();
  }

  void streamUnpublished() {
    unpublishedNoUpstream.increment();
  }

  /** Ingests ever created (one per stream and demand period). */
  public long ingestsCreated() {
    return ingestsCreated.sum();
  }

  /** Streams this edge currently pulls or tries to pull. */
  public long ingestsActive() {
    return ingestsActive.sum();
  }

  /** Upstream connections open now (connecting or playing). */
  public long pullsActive() {
    return pullsActive.sum();
  }

  /** Upstream connections ever opened. */
  public long pullsStarted() {
    return pullsStarted.sum();
  }

  /** Upstream connections that reached NetStream.Play.Start. */
  public long pullsPlaying() {
    return pullsPlaying.sum();
  }

  /** Upstream connections that failed before NetStream.Play.Start. */
  public long pullsFailed() {
    return pullsFailed.sum();
  }

  /** Playing upstreams that were lost (closed, unpublished, owner changed or removed, silent). */
  public long upstreamsLost() {
    return upstreamsLost.sum();
  }

  /** Upstreams that delivered media again after a loss. */
  public long reconnects() {
    return reconnects.sum();
  }

  /** Sum of the loss-to-first-frame times of all reconnects. */
  public long failoverMillisTotal() {
    return failoverMillisTotal.sum();
  }

  /** Longest loss-to-first-frame time so far. */
  public long failoverMillisMax() {
    return failoverMillisMax.get();
  }

  /** The latest loss-to-first-frame time; -1 before the first reconnect. */
  public long failoverMillisLast() {
    return failoverMillisLast.get();
  }

  /** Streams whose upstream plays from an origin now. */
  public long playingFromOrigin() {
    return playingFromOrigin.sum();
  }

  /** Streams whose upstream plays from a parent edge now. */
  public long playingFromParent() {
    return playingFromParent.sum();
  }

  /** Pulls moved to another upstream because their parent edge left or failed them. */
  public long rehomes() {
    return rehomes.sum();
  }

  /** Upstreams closed because their players left. */
  public long idleCloses() {
    return idleCloses.sum();
  }

  /** Streams unpublished because no upstream came back within the republish wait. */
  public long unpublishedNoUpstream() {
    return unpublishedNoUpstream.sum();
  }
}
