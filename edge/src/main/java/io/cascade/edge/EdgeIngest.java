package io.cascade.edge;

import io.cascade.cluster.StreamRecord;
import io.cascade.cluster.StreamRegistry;
import io.cascade.live.LiveStream;
import io.cascade.live.StreamManager;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * (About 580 lines, over the usual ~400: every transition of one state machine, read together;
 * the connection, the retry policy, the choice of upstream and time are already their own classes.)
 *
 * <p>Pulls one stream from the origin that owns it and feeds it into this edge's live stream as its
 * publisher, so local players see an ordinary live stream. The connection itself is an
 * {@link Upstream}; when to try again is {@link UpstreamRetry}'s call; this class is the state
 * machine between them and the registry.
 *
 * <pre>
 * IDLE ─first player─▶ RESOLVING ─lookup: live owner─▶ CONNECTING ─Play.Start─▶ PLAYING ─media─▶ FLOWING
 *                       │    ▲                           │                        │                │
 *       no owner, or    │    │ backoff timer,            │ failed                 │ lost before    │ lost: closed,
 *       the session     ▼    │ watch event               ▼                        │ any media      │ unpublished,
 *       that ended   WAITING ┴──────────────────────── BACKOFF ◀──────────────────┘                │ no data
 *                                                                                                 ▼
 *                                                                                             RESOLVING
 * CONNECTING/PLAYING/FLOWING ─registry shows another owner─▶ CONNECTING to it; ─shows none─▶ WAITING
 * any ─idle grace over, or shutdown─▶ STOPPING ─upstream closed─▶ STOPPED (RESOLVING again if a
 *                                                                  player came back meanwhile)
 * </pre>
 *
 * <p>The registry is asked once ({@code lookup}) and then listened to ({@code watch} on this key
 * only); a watch event triggers a fresh lookup, so the newest state always wins over an event that
 * raced with it. While no upstream plays, the stream stays published by this ingest (players see
 * no unpublish) for at most the republish wait; a new upstream restarts the session, so players
 * get fresh metadata and sequence headers on a timeline that never goes back.
 *
 * <p>On a leaf edge the pull goes to a parent edge ({@link UpstreamRouter}), which follows the
 * owner itself: a new owner in the registry is noted but does not move the pull. When that parent
 * leaves the cluster or fails the pull, the ingest pulls from the key's next parent after a random
 * delay of at most {@code edge.rehomeJitter} (a re-home), keeping its players exactly as through an
 * origin failover. A parent that joins takes only new pulls: a flowing stream stays where it is.
 *
 * <p>Threading: everything runs on the ingest's {@link Scheduler}; demand, registry and upstream
 * events are posted to it (an upstream reports inline when it is on that thread already). At most
 * one upstream exists at a time, and a new one opens only after the previous one has closed.
 */
final class EdgeIngest implements Upstream.Listener {
  enum State { IDLE, RESOLVING, WAITING, BACKOFF, CONNECTING, PLAYING, FLOWING, STOPPING, STOPPED }

  private static final Logger LOG = LoggerFactory.getLogger("cascade.edge");

  private final String key;
  private final String app;
  private final String name;
  private final EdgeIngests owner;
  private final EdgeSettings settings;
  private final StreamRegistry registry;
  private final StreamManager streams;
  private final EdgeStats stats;
  private final Scheduler scheduler;
  private final Upstream.Connector connector;
  private final UpstreamRetry retry;
  private final UpstreamRouter router;
  private final Promise<Void> stopped = Promise.promise();

  /** Whether local players want the stream; written by {@link EdgeIngests} inside its map's compute. */
  volatile boolean wanted;

  /** Written on the scheduler only; volatile so diagnostics and tests can read it from elsewhere. */
  private volatile State state = State.IDLE;
  private StreamRegistry.Watch watch;
  private long resolveSeq;
  /** The upstream while CONNECTING (once opened), PLAYING or FLOWING. */
  private Upstream upstream;
  /** The record the current (or last) upstream was opened for. */
  private StreamRecord target;
  /** Completes when the last upstream has closed; the next one waits for it. */
  private Future<Void> previousClosed = Future.succeededFuture();
  /** A session the origin said has ended: a lookup that still shows it is stale. */
  private String endedSession;
  /** The local stream while this ingest publishes it. */
  private LiveStream stream;
  /** When the last playing upstream was lost, until media flows again; -1 when none was. */
  private long lostAtNanos = -1;
  private long connectStartNanos;
  private Scheduler.Timer graceTimer;
  private Scheduler.Timer backoffTimer;
  private Scheduler.Timer republishTimer;
  /** The source ({@code origin}/{@code parent}) counted in the stats for the playing upstream; null when none. */
  private String countedSource;
  /** The node the playing upstream comes from (origin or parent); null when none plays. Read by the viewer reports. */
  private volatile String playingFrom;

  EdgeIngest(String key, EdgeIngests owner, Scheduler scheduler, Upstream.Connector connector) {
    this.key = key;
    int slash = key.indexOf('/');
    // The origin builds the key the same way (app + "/" + name), so any split that rejoins to the
    // key names the same stream there; the first slash keeps sub-path names intact.
    this.app = key.substring(0, slash);
    this.name = key.substring(slash + 1);
    this.owner = owner;
    this.settings = owner.settings();
    this.registry = owner.registry();
    this.streams = owner.streams();
    this.stats = owner.stats();
    this.scheduler = scheduler;
    this.connector = connector;
    this.retry = new UpstreamRetry(settings);
    this.router = new UpstreamRouter(key, settings.tier(), owner.parents());
  }

  String key() {
    return key;
  }

  /** Completes once the ingest has stopped for good and left its manager. */
  Future<Void> stopped() {
    return stopped.future();
  }

  /** The node the stream is pulled from while an upstream plays (origin or parent); null otherwise. Any thread. */
  String playingFrom() {
    return playingFrom;
  }

  /** The state now (diagnostics and tests). */
  State state() {
    return state;
  }

  // ---- demand (called by EdgeIngests inside the stream manager's critical section: post only)

  void activate() {
    scheduler.execute(this::onActivate);
  }

  void idle() {
    scheduler.execute(this::onIdle);
  }

  void shutdown() {
    scheduler.execute(() -> stop("shutdown"));
  }

  /** The set of parent edges may have changed. */
  void parentsChanged() {
    scheduler.execute(this::onParentsChanged);
  }

  private void onActivate() {
    cancel(graceTimer);
    graceTimer = null;
    if (state == State.IDLE) {
      begin();
    }
  }

  private void onIdle() {
    if (state == State.STOPPING || state == State.STOPPED || graceTimer != null) {
      return;
    }
    graceTimer = scheduler.schedule(settings.upstreamIdleGrace(), () -> {
      graceTimer = null;
      // A player that arrived meanwhile has an activation queued behind this task.
      if (!wanted) {
        stop("idle");
      }
    });
  }

  // ---- resolving the owner

  private void begin() {
    state = State.RESOLVING;
    watch = registry.watch(key, record -> scheduler.execute(() -> onWatch(record)));
    resolve();
  }

  private void onWatch(Optional<StreamRecord> record) {
    if (!running()) {
      return;
    }
    if (record.isEmpty() || !record.get().sessionId().equals(endedSession)) {
      // A fresh write to the key: whatever it holds now is not the session that ended.
      endedSession = null;
    }
    resolve();
  }

  /** Asks the registry for the key's current owner; only the latest answer counts. */
  private void resolve() {
    long seq = ++resolveSeq;
    Future<Optional<StreamRecord>> answer;
    try {
      answer = registry.lookup(key);
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    answer.onComplete(ar -> scheduler.execute(() -> onLookup(seq, ar)));
  }

  private void onLookup(long seq, AsyncResult<Optional<StreamRecord>> ar) {
    if (seq != resolveSeq || !running()) {
      return;
    }
    if (ar.failed()) {
      LOG.warn("event=registry.lookup_failed stream={} detail=\"{}\"", key, ar.cause().toString());
      if (state == State.RESOLVING || state == State.WAITING) {
        retryLater(null, "registry.retry", "registry_error");
      }
      return;
    }
    apply(ar.result().orElse(null));
  }

  private void apply(StreamRecord record) {
    if (attached()) {
      if (record != null && record.sameSession(target)) {
        target = record;
      } else if (record != null && pullsViaParent()) {
        // The parent follows the new owner itself and keeps this pull playing through the change.
        LOG.info("event=upstream.owner_changed stream={} via={} owner={} session={}", key,
            router.current().via(), record.ownerNode(), record.sessionId());
        target = record;
      } else if (record == null) {
        lose("owner_gone", null, true);
        enterWaiting("no_owner");
      } else if (target.outranks(record) && registry.isOwnerAlive(target)) {
        // A lower-ranked claim surfaced (a healing split brain or a frozen origin's return): its
        // origin will yield to ours, so stay with the owner we follow.
        LOG.info("event=upstream.ignore_outranked stream={} following={} epoch={} ignored={} ignored_epoch={}", key,
            UpstreamTransport.origin(target), target.epoch(), UpstreamTransport.origin(record), record.epoch());
      } else {
        LOG.info("event=upstream.switch stream={} from={} to={} session={}", key, UpstreamTransport.origin(target),
            UpstreamTransport.origin(record), record.sessionId());
        lose("owner_changed", null, true);
        connect(record);
      }
      return;
    }
    if (record == null || !registry.isOwnerAlive(record)) {
      enterWaiting("no_owner");
    } else if (record.sessionId().equals(endedSession)) {
      enterWaiting("session_ended");
    } else if (state == State.BACKOFF && retry.isFailing(record.sessionId())) {
      // Still the owner we just failed to reach: let the backoff run its course.
      return;
    } else {
      connect(record);
    }
  }

  private void enterWaiting(String reason) {
    cancel(backoffTimer);
    backoffTimer = null;
    if (state != State.WAITING) {
      state = State.WAITING;
      LOG.info("event=upstream.waiting stream={} reason={}", key, reason);
    }
  }

  /** Waits a backoff delay, then resolves again; {@code event} names what failed in the log. */
  private void retryLater(StreamRecord record, String event, String reason) {
    Duration delay = retry.failed(record == null ? null : record.sessionId());
    LOG.warn("event={} stream={} origin={} reason=\"{}\" failures={} retryMs={}", event, key,
        UpstreamTransport.origin(record), reason, retry.failures(), delay.toMillis());
    state = State.BACKOFF;
    cancel(backoffTimer);
    backoffTimer = scheduler.schedule(delay, () -> {
      backoffTimer = null;
      if (state == State.BACKOFF) {
        state = State.RESOLVING;
        resolve();
      }
    });
  }

  // ---- the upstream

  private void connect(StreamRecord record) {
    cancel(backoffTimer);
    backoffTimer = null;
    retry.attempt(record.sessionId());
    state = State.CONNECTING;
    target = record;
    if (previousClosed.isComplete()) {
      open();
    } else {
      // Never two upstreams at once: the replaced one finishes closing first.
      previousClosed.onComplete(ar -> scheduler.execute(() -> {
        if (state == State.CONNECTING && upstream == null) {
          open();
        }
      }));
    }
  }

  /** Opens the pull of {@code target}, through the parent chosen now (if any). */
  private void open() {
    StreamRecord record = target;
    UpstreamRouter.Route route = router.choose(record);
    Upstream u;
    try {
      u = connector.open(route.dial(), app, name, this);
    } catch (IllegalArgumentException e) {
      stats.pullFailed();
      retryLater(record, "upstream.connect_failed", "bad_relay_address");
      return;
    }
    upstream = u;
    previousClosed = u.closed();
    u.closed().onComplete(ar -> stats.pullClosed());
    stats.pullOpened();
    connectStartNanos = scheduler.nanoTime();
    LOG.info("event=upstream.connect stream={} origin={} source={} via={} session={} attempt={}", key,
        UpstreamTransport.origin(route.dial()), route.source(), route.via(), record.sessionId(), retry.failures() + 1);
  }

  /** NetStream.Play.Start from the origin: from here on this upstream feeds the stream. */
  @Override
  public void onPlaying(Upstream u) {
    if (u != upstream || state != State.CONNECTING) {
      return;
    }
    if (stream == null) {
      StreamManager.PublishResult result = streams.publish(key, this);
      if (!result.accepted()) {
        String refusal = result.refusal().name().toLowerCase();
        LOG.warn("event=upstream.publish_refused stream={} reason={}", key, refusal);
        onFailed(u, "local publish refused: " + refusal);
        return;
      }
      stream = result.stream();
    } else {
      stream.restartSession(this);
    }
    state = State.PLAYING;
    cancel(republishTimer);
    republishTimer = null;
    stats.pullPlaying();
    countedSource = router.current().source();
    stats.sourceStarted(countedSource);
    playingFrom = router.current().via();
    u.feed(stream, this);
    long now = scheduler.nanoTime();
    long connectMs = (now - connectStartNanos) / 1_000_000;
    if (lostAtNanos >= 0) {
      // The failover ends with the first media message (see onFirstMedia).
      LOG.info("event=upstream.replay stream={} origin={} session={} sinceLossMs={} connectMs={}", key,
          pulledFrom(), target.sessionId(), (now - lostAtNanos) / 1_000_000, connectMs);
    } else {
      LOG.info("event=upstream.play stream={} origin={} session={} connectMs={}", key,
          pulledFrom(), target.sessionId(), connectMs);
    }
  }

  /** Only an upstream that delivers counts as a success (see {@link UpstreamRetry}). */
  @Override
  public void onFirstMedia(Upstream u) {
    if (u != upstream || state != State.PLAYING) {
      return;
    }
    state = State.FLOWING;
    retry.succeeded();
    router.flowing();
    if (lostAtNanos >= 0) {
      long failoverMs = (scheduler.nanoTime() - lostAtNanos) / 1_000_000;
      lostAtNanos = -1;
      stats.reconnected(failoverMs);
      LOG.info("event=upstream.failover stream={} origin={} ms={} (upstream lost to frames flowing again)", key,
          pulledFrom(), failoverMs);
    }
  }

  @Override
  public void onFailed(Upstream u, String reason) {
    if (u != upstream || state != State.CONNECTING) {
      return;
    }
    stats.pullFailed();
    dropUpstream();
    if (router.avoidCurrent()) {
      LOG.warn("event=upstream.connect_failed stream={} via={} source=parent reason=\"{}\"", key,
          router.current().via(), reason);
      rehomeLater("parent_failed");
    } else {
      retryLater(target, "upstream.connect_failed", reason);
    }
  }

  /** After losing a playing upstream: look for the owner again, at once if it had delivered. */
  @Override
  public void onLost(Upstream u, String reason, String detail, boolean sessionEnded) {
    if (u != upstream || (state != State.PLAYING && state != State.FLOWING)) {
      return;
    }
    boolean delivered = state == State.FLOWING;
    lose(reason, detail, sessionEnded);
    if (!sessionEnded && router.avoidCurrent()) {
      // The parent dropped the pull without saying the stream ended: it is going or gone.
      rehomeLater("parent_lost");
    } else if (delivered) {
      state = State.RESOLVING;
      resolve();
    } else {
      retryLater(target, "upstream.retry", "lost before any media");
    }
  }

  private void onParentsChanged() {
    if (pullsViaParent() && router.currentParentGone()) {
      lose("parent_left", router.current().via(), false);
      rehomeLater("parent_left");
    }
  }

  /**
   * Pulls through the key's next parent (or the origin) after a random delay of at most
   * {@code edge.rehomeJitter}: the leaves of a departed parent spread their arrivals at the next.
   */
  private void rehomeLater(String reason) {
    long bound = settings.rehomeJitter().toNanos();
    Duration delay = Duration.ofNanos(bound == 0 ? 0 : ThreadLocalRandom.current().nextLong(bound + 1));
    stats.rehomed();
    LOG.info("event=upstream.rehome stream={} from={} reason={} delayMs={}", key, router.current().via(), reason,
        delay.toMillis());
    state = State.BACKOFF;
    cancel(backoffTimer);
    backoffTimer = scheduler.schedule(delay, () -> {
      backoffTimer = null;
      if (state == State.BACKOFF) {
        state = State.RESOLVING;
        resolve();
      }
    });
  }

  /**
   * The current upstream is gone. {@code sessionEnded}: the origin or the registry said the
   * session is over, so a lookup that still shows it is stale and not worth a reconnect.
   */
  private void lose(String reason, String detail, boolean sessionEnded) {
    LOG.info("event=upstream.lost stream={} origin={} session={} reason={} detail=\"{}\"", key,
        pulledFrom(), target == null ? "-" : target.sessionId(), reason,
        detail == null ? "" : detail);
    if (state == State.PLAYING || state == State.FLOWING) {
      stats.upstreamLost();
      if (lostAtNanos < 0) {
        lostAtNanos = scheduler.nanoTime();
      }
      armRepublishWait();
    }
    if (sessionEnded && target != null) {
      endedSession = target.sessionId();
    }
    dropUpstream();
    state = State.RESOLVING;
  }

  private void dropUpstream() {
    playingFrom = null;
    if (countedSource != null) {
      stats.sourceEnded(countedSource);
      countedSource = null;
    }
    Upstream u = upstream;
    upstream = null;
    if (u != null) {
      u.close();
    }
  }

  // ---- keeping players through an outage

  private void armRepublishWait() {
    if (stream == null || republishTimer != null) {
      return;
    }
    republishTimer = scheduler.schedule(settings.republishWaitTimeout(), () -> {
      republishTimer = null;
      if (stream != null && state != State.PLAYING && state != State.FLOWING) {
        stats.streamUnpublished();
        unpublish();
        LOG.info("event=upstream.unpublish stream={} reason=no_upstream waitedMs={}", key,
            settings.republishWaitTimeout().toMillis());
      }
    });
  }

  private void unpublish() {
    LiveStream s = stream;
    stream = null;
    if (s != null) {
      streams.unpublish(s, this);
    }
  }

  // ---- teardown

  private void stop(String reason) {
    if (state == State.STOPPING || state == State.STOPPED) {
      return;
    }
    state = State.STOPPING;
    resolveSeq++;
    cancel(graceTimer);
    cancel(backoffTimer);
    cancel(republishTimer);
    graceTimer = null;
    backoffTimer = null;
    republishTimer = null;
    if (watch != null) {
      watch.cancel();
      watch = null;
    }
    dropUpstream();
    unpublish();
    lostAtNanos = -1;
    endedSession = null;
    retry.succeeded();
    router.reset();
    previousClosed.onComplete(ar -> scheduler.execute(() -> finishStop(reason)));
  }

  private void finishStop(String reason) {
    if (owner.retire(this)) {
      state = State.STOPPED;
      if ("idle".equals(reason)) {
        stats.idleClosed();
        LOG.info("event=upstream.idle_close stream={} graceMs={}", key, settings.upstreamIdleGrace().toMillis());
      } else {
        LOG.info("event=upstream.close stream={} reason={}", key, reason);
      }
      stopped.tryComplete();
      return;
    }
    // A player arrived while the upstream was closing: this ingest serves it.
    LOG.info("event=upstream.resume stream={}", key);
    begin();
    if (!wanted) {
      onIdle();
    }
  }

  // ---- helpers

  private boolean running() {
    return state != State.IDLE && state != State.STOPPING && state != State.STOPPED;
  }

  private boolean attached() {
    return state == State.CONNECTING || state == State.PLAYING || state == State.FLOWING;
  }

  /** The address and node of the latest pull, for logs: {@code host:port via=node}. */
  private String pulledFrom() {
    UpstreamRouter.Route r = router.current();
    return r == null ? UpstreamTransport.origin(target) : UpstreamTransport.origin(r.dial()) + " via=" + r.via();
  }

  /** Whether an upstream is open (or opening) through a parent edge. */
  private boolean pullsViaParent() {
    return upstream != null && router.current() != null && router.current().viaParent();
  }

  private static void cancel(Scheduler.Timer timer) {
    if (timer != null) {
      timer.cancel();
    }
  }
}
