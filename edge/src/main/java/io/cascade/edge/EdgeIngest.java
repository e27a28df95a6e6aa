package io.cascade.edge;

import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpUrl;
import io.cascade.cluster.RelayToken;
import io.cascade.cluster.StreamRecord;
import io.cascade.cluster.StreamRegistry;
import io.cascade.live.LiveStream;
import io.cascade.live.StreamManager;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.NetStatus;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.internal.ContextInternal;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Pulls one stream from the origin that owns it and feeds it into this edge's live stream as its
 * publisher, so local players see an ordinary live stream.
 *
 * <pre>
 * IDLE ─first player─▶ RESOLVING ─lookup: live owner─▶ CONNECTING ─Play.Start─▶ PLAYING
 *                       │    ▲                           │                        │
 *       no owner, or    │    │ backoff timer,            │ connect failed,        │ lost: closed,
 *       the session     ▼    │ watch event               ▼ lost before media      │ unpublished,
 *       that ended   WAITING ┴──────────────────────── BACKOFF                    │ no data
 *                                                                                 ▼
 *                                                                             RESOLVING
 * CONNECTING/PLAYING ─registry shows another owner─▶ CONNECTING to it; ─shows none─▶ WAITING
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
 * <p>Threading: everything runs on one event loop, which is also the loop of the upstream
 * client, so media is forwarded inline and state needs no locks. Demand events are posted to it;
 * client and registry callbacks hop onto it. At most one upstream client exists at a time, and a
 * new one opens only after the previous one has closed.
 */
final class EdgeIngest {
  enum State { IDLE, RESOLVING, WAITING, BACKOFF, CONNECTING, PLAYING, STOPPING, STOPPED }

  private static final Logger LOG = LoggerFactory.getLogger("cascade.edge");
  private static final CompletableFuture<Void> NOTHING_OPEN = CompletableFuture.completedFuture(null);

  private final String key;
  private final String app;
  private final String name;
  private final EdgeIngests owner;
  private final EdgeSettings settings;
  private final StreamRegistry registry;
  private final StreamManager streams;
  private final EdgeStats stats;
  private final ContextInternal context;
  private final EventLoop loop;
  private final UpstreamBackoff backoff;
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();

  /** Whether local players want the stream; written by {@link EdgeIngests} inside its map's compute. */
  volatile boolean wanted;

  private State state = State.IDLE;
  private StreamRegistry.Watch watch;
  private RtmpClient client;
  /** The record the current (or last) upstream was opened for. */
  private StreamRecord target;
  /** Completes when the last upstream client has closed; the next one waits for it. */
  private CompletableFuture<Void> previousClosed = NOTHING_OPEN;
  private long attemptSeq;
  private long resolveSeq;
  /** A session the origin said has ended: a lookup that still shows it is stale. */
  private String endedSession;
  private boolean removalSinceEnded;
  /** The session whose connect failed last; watch events for it do not cut the backoff short. */
  private String failedSession;
  private boolean published;
  private LiveStream stream;
  private long lostAtNanos = -1;
  private long connectStartNanos;
  private long lastMessageNanos;
  /** Whether the current upstream has delivered media; one that never did is retried with backoff. */
  private boolean deliveredMedia;
  /** The origin's receive clock from the relay's stamps, for ingest lag. */
  private final io.cascade.cluster.RelayClock clock = new io.cascade.cluster.RelayClock();
  private ScheduledFuture<?> graceTimer;
  private ScheduledFuture<?> backoffTimer;
  private ScheduledFuture<?> republishTimer;
  private ScheduledFuture<?> noDataTimer;

  EdgeIngest(String key, EdgeIngests owner, ContextInternal context) {
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
    this.context = context;
    this.loop = context.nettyEventLoop();
    this.backoff = new UpstreamBackoff(settings.upstreamBackoffMin(), settings.upstreamBackoffMax());
  }

  String key() {
    return key;
  }

  /** Completes once the ingest has stopped for good and left its manager. */
  CompletableFuture<Void> stopped() {
    return stopped;
  }

  // ---- demand (called by EdgeIngests inside the stream manager's critical section: post only)

  void activate() {
    post(this::onActivate);
  }

  void idle() {
    post(this::onIdle);
  }

  void shutdown() {
    post(() -> stop("shutdown"));
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
    graceTimer = loop.schedule(() -> {
      graceTimer = null;
      // A player that arrived meanwhile has an activation queued behind this task.
      if (!wanted) {
        stop("idle");
      }
    }, settings.upstreamIdleGrace().toMillis(), TimeUnit.MILLISECONDS);
  }

  // ---- resolving the owner

  private void begin() {
    state = State.RESOLVING;
    watch = onContext(() -> registry.watch(key, record -> onLoop(() -> onWatch(record))));
    resolve();
  }

  private void onWatch(Optional<StreamRecord> record) {
    if (!running()) {
      return;
    }
    if (record.isEmpty()) {
      removalSinceEnded = true;
    } else if (removalSinceEnded || !record.get().sessionId().equals(endedSession)) {
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
      answer = onContext(() -> registry.lookup(key));
    } catch (RuntimeException e) {
      answer = Future.failedFuture(e);
    }
    answer.onComplete(ar -> onLoop(() -> onLookup(seq, ar)));
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
    if (state == State.CONNECTING || state == State.PLAYING) {
      if (record != null && record.sameSession(target)) {
        target = record;
      } else if (record == null) {
        lose("owner_gone", null, true);
        enterWaiting("no_owner");
      } else if (target.outranks(record) && registry.isOwnerAlive(target)) {
        // A lower-ranked claim surfaced (a healing split brain or a frozen origin's return): its
        // origin will yield to ours, so stay with the owner we follow.
        LOG.info("event=upstream.ignore_outranked stream={} following={} epoch={} ignored={} ignored_epoch={}", key,
            origin(target), target.epoch(), origin(record), record.epoch());
      } else {
        LOG.info("event=upstream.switch stream={} from={} to={} session={}", key, origin(target), origin(record),
            record.sessionId());
        lose("owner_changed", null, true);
        connect(record);
      }
      return;
    }
    if (record == null || !registry.isOwnerAlive(record)) {
      enterWaiting("no_owner");
    } else if (record.sessionId().equals(endedSession)) {
      enterWaiting("session_ended");
    } else if (state == State.BACKOFF && backoffTimer != null && record.sessionId().equals(failedSession)) {
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

  // ---- the upstream connection

  private void connect(StreamRecord record) {
    cancel(backoffTimer);
    backoffTimer = null;
    if (!record.sessionId().equals(failedSession)) {
      // A new owner owes nothing to the failures of the old one.
      backoff.reset();
      failedSession = null;
    }
    state = State.CONNECTING;
    target = record;
    long attempt = ++attemptSeq;
    CompletableFuture<Void> gate = previousClosed;
    if (gate.isDone()) {
      open(record);
    } else {
      // Never two upstreams at once: the replaced one finishes closing first.
      gate.whenComplete((v, e) -> onLoop(() -> {
        if (attempt == attemptSeq && state == State.CONNECTING && client == null) {
          open(target);
        }
      }));
    }
  }

  private void open(StreamRecord record) {
    String playName = playName();
    RtmpUrl url;
    try {
      url = new RtmpUrl(record.relayHost(), record.relayPort(), app, playName);
    } catch (IllegalArgumentException e) {
      stats.pullFailed();
      retryLater(record, "upstream.connect_failed", "bad_relay_address");
      return;
    }
    Upstream upstream = new Upstream();
    RtmpClient c = RtmpClient.create(loop, owner.clientOptions(), upstream);
    upstream.rtmp = c;
    client = c;
    previousClosed = upstream.closed;
    connectStartNanos = System.nanoTime();
    stats.pullOpened();
    LOG.info("event=upstream.connect stream={} origin={} session={} attempt={}", key, origin(record),
        record.sessionId(), backoff.failures() + 1);
    c.connect(url)
        .thenCompose(info -> c.play(playName))
        .whenComplete((v, e) -> onLoop(() -> onPlayResult(c, e)));
  }

  private String playName() {
    if (settings.relaySecret().isEmpty()) {
      return name;
    }
    long expires = System.currentTimeMillis() / 1000 + settings.relayTokenTtl().toSeconds();
    return name + "?" + RelayToken.PARAMETER + "=" + RelayToken.sign(settings.relaySecret(), key, expires);
  }

  private void onPlayResult(RtmpClient c, Throwable error) {
    if (c != client || state != State.CONNECTING) {
      return;
    }
    if (error != null) {
      connectFailed(unwrap(error));
    } else {
      playing();
    }
  }

  private void connectFailed(Throwable cause) {
    stats.pullFailed();
    dropClient();
    retryLater(target, "upstream.connect_failed", describe(cause));
  }

  /** Waits a backoff delay, then resolves again; {@code event} names what failed in the log. */
  private void retryLater(StreamRecord record, String event, String reason) {
    failedSession = record == null ? null : record.sessionId();
    long delay = backoff.nextDelayMillis();
    LOG.warn("event={} stream={} origin={} reason=\"{}\" failures={} retryMs={}", event, key, origin(record),
        reason, backoff.failures(), delay);
    state = State.BACKOFF;
    cancel(backoffTimer);
    backoffTimer = loop.schedule(() -> {
      backoffTimer = null;
      if (state == State.BACKOFF) {
        state = State.RESOLVING;
        resolve();
      }
    }, delay, TimeUnit.MILLISECONDS);
  }

  /** NetStream.Play.Start from the origin: from here on this upstream feeds the stream. */
  private void playing() {
    long now = System.nanoTime();
    if (!published) {
      StreamManager.PublishResult result = streams.publish(key, this);
      if (!result.accepted()) {
        LOG.warn("event=upstream.publish_refused stream={} reason={}", key, result.refusal().name().toLowerCase());
        connectFailed(new IllegalStateException("local publish refused: " + result.refusal()));
        return;
      }
      published = true;
      stream = result.stream();
    } else {
      stream.restartSession(this);
    }
    state = State.PLAYING;
    deliveredMedia = false;
    clock.reset();
    cancel(republishTimer);
    republishTimer = null;
    stats.pullPlaying();
    lastMessageNanos = now;
    long period = Math.max(100, settings.upstreamNoDataTimeout().toMillis() / 4);
    noDataTimer = loop.scheduleAtFixedRate(this::checkNoData, period, period, TimeUnit.MILLISECONDS);
    long connectMs = (now - connectStartNanos) / 1_000_000;
    if (lostAtNanos >= 0) {
      // The failover ends with the first media message (see forward).
      LOG.info("event=upstream.replay stream={} origin={} session={} sinceLossMs={} connectMs={}", key, origin(target),
          target.sessionId(), (now - lostAtNanos) / 1_000_000, connectMs);
    } else {
      LOG.info("event=upstream.play stream={} origin={} session={} connectMs={}", key, origin(target),
          target.sessionId(), connectMs);
    }
  }

  /** A media or data message from the upstream, on the loop; borrowed. */
  private void forward(RtmpClient c, RtmpMessage m) {
    if (c != client || state != State.PLAYING) {
      return;
    }
    lastMessageNanos = System.nanoTime();
    if (!deliveredMedia && MessageType.isMedia(m.typeId())) {
      // Only an upstream that delivers counts as a success; one that plays and drops at once
      // must not turn the reconnect into a tight loop.
      deliveredMedia = true;
      backoff.reset();
      failedSession = null;
      if (lostAtNanos >= 0) {
        long failoverMs = (lastMessageNanos - lostAtNanos) / 1_000_000;
        lostAtNanos = -1;
        stats.reconnected(failoverMs);
        LOG.info("event=upstream.failover stream={} origin={} ms={} (upstream lost to frames flowing again)", key,
            origin(target), failoverMs);
      }
    }
    UpstreamMessages.forward(stream, this, m, owner.clientOptions().amfLimits(), c.alloc(), clock);
  }

  private void onUpstreamStatus(RtmpClient c, Map<String, Object> info) {
    if (c != client || state != State.PLAYING) {
      return;
    }
    Object code = info.get("code");
    if (NetStatus.PLAY_UNPUBLISH_NOTIFY.equals(code)) {
      lose("unpublished", null, true);
      reconnect();
    } else if (NetStatus.PLAY_STOP.equals(code) || NetStatus.ERROR.equals(info.get("level"))) {
      lose("status", String.valueOf(code), true);
      reconnect();
    }
  }

  private void onUpstreamClosed(RtmpClient c, Throwable cause) {
    if (c != client) {
      return;
    }
    if (state == State.CONNECTING) {
      connectFailed(cause == null ? new IllegalStateException("closed") : cause);
    } else if (state == State.PLAYING) {
      lose("closed", cause == null ? null : describe(cause), false);
      reconnect();
    }
  }

  private void checkNoData() {
    if (state == State.PLAYING
        && System.nanoTime() - lastMessageNanos > settings.upstreamNoDataTimeout().toNanos()) {
      lose("no_data", "nothing for " + settings.upstreamNoDataTimeout().toMillis() + " ms", false);
      reconnect();
    }
  }

  /** After losing a playing upstream: look for the owner again, at once if it had delivered. */
  private void reconnect() {
    if (deliveredMedia) {
      resolve();
    } else {
      retryLater(target, "upstream.retry", "lost before any media");
    }
  }

  /**
   * The current upstream is gone. {@code sessionEnded}: the origin or the registry said the
   * session is over, so a lookup that still shows it is stale and not worth a reconnect.
   */
  private void lose(String reason, String detail, boolean sessionEnded) {
    boolean wasPlaying = state == State.PLAYING;
    LOG.info("event=upstream.lost stream={} origin={} session={} reason={} detail=\"{}\"", key, origin(target),
        target == null ? "-" : target.sessionId(), reason, detail == null ? "" : detail);
    if (wasPlaying) {
      stats.upstreamLost();
      if (lostAtNanos < 0) {
        lostAtNanos = System.nanoTime();
      }
      armRepublishWait();
    }
    if (sessionEnded && target != null) {
      endedSession = target.sessionId();
      removalSinceEnded = false;
    }
    dropClient();
    state = State.RESOLVING;
  }

  private void dropClient() {
    cancel(noDataTimer);
    noDataTimer = null;
    RtmpClient c = client;
    client = null;
    if (c != null) {
      c.close();
    }
  }

  // ---- keeping players through an outage

  private void armRepublishWait() {
    if (!published || republishTimer != null) {
      return;
    }
    republishTimer = loop.schedule(() -> {
      republishTimer = null;
      if (published && state != State.PLAYING) {
        stats.streamUnpublished();
        unpublish();
        LOG.info("event=upstream.unpublish stream={} reason=no_upstream waitedMs={}", key,
            settings.republishWaitTimeout().toMillis());
      }
    }, settings.republishWaitTimeout().toMillis(), TimeUnit.MILLISECONDS);
  }

  private void unpublish() {
    if (!published) {
      return;
    }
    published = false;
    LiveStream s = stream;
    stream = null;
    streams.unpublish(s, this);
  }

  // ---- teardown

  private void stop(String reason) {
    if (state == State.STOPPING || state == State.STOPPED) {
      return;
    }
    state = State.STOPPING;
    resolveSeq++;
    attemptSeq++;
    for (ScheduledFuture<?> t : new ScheduledFuture<?>[] {graceTimer, backoffTimer, republishTimer}) {
      cancel(t);
    }
    graceTimer = null;
    backoffTimer = null;
    republishTimer = null;
    if (watch != null) {
      watch.cancel();
      watch = null;
    }
    dropClient();
    unpublish();
    lostAtNanos = -1;
    endedSession = null;
    failedSession = null;
    backoff.reset();
    previousClosed.whenComplete((v, e) -> onLoop(() -> finishStop(reason)));
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
      stopped.complete(null);
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

  /** Runs {@code call} with this ingest's context current, so registry callbacks come back to it. */
  private <T> T onContext(Supplier<T> call) {
    ContextInternal previous = context.beginDispatch();
    try {
      return call.get();
    } finally {
      context.endDispatch(previous);
    }
  }

  private void post(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      // The node is shutting down with its event loops; nothing left to pull for.
    }
  }

  private void onLoop(Runnable task) {
    if (loop.inEventLoop()) {
      task.run();
    } else {
      post(task);
    }
  }

  private static void cancel(ScheduledFuture<?> timer) {
    if (timer != null) {
      timer.cancel(false);
    }
  }

  private static String origin(StreamRecord record) {
    return record == null ? "-" : record.relayHost() + ":" + record.relayPort();
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  private static String describe(Throwable cause) {
    String message = cause.getMessage();
    return message == null ? cause.getClass().getSimpleName() : message.replace('"', '\'');
  }

  /** The client's listener; every callback comes on the ingest's loop. */
  private final class Upstream implements RtmpClientListener {
    RtmpClient rtmp;
    final CompletableFuture<Void> closed = new CompletableFuture<>();

    @Override
    public void onMessage(RtmpMessage message) {
      forward(rtmp, message);
    }

    @Override
    public void onStatus(Map<String, Object> info) {
      onLoop(() -> onUpstreamStatus(rtmp, info));
    }

    @Override
    public void onClose(Throwable cause) {
      stats.pullClosed();
      onLoop(() -> {
        onUpstreamClosed(rtmp, cause);
        closed.complete(null);
      });
    }
  }
}
