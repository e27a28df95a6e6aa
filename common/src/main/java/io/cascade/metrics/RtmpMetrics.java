package io.cascade.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Meters of the RTMP server: connections by kind, closes and handshake failures by reason,
 * admissions, publishes and plays, bytes, and the per-message lag histograms. Shared by every
 * connection of the node; thread-safe, and cheap on the per-message paths (adders and cached
 * meters, no map lookup per message).
 */
public final class RtmpMetrics {
  /** What an open connection is doing. */
  public enum Kind {
    PENDING, PUBLISHER, PLAYER, RELAY;

    public String tag() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /**
   * One live media message in this many per player has its delivery lag measured. Measuring
   * every one cost a promise and two histogram updates per message and player, about a seventh of
   * the fan-out's CPU; a fixed stride over each player's messages keeps the sample unbiased (it
   * does not depend on the lag) and still gives thousands of samples a second per busy node.
   */
  public static final int LAG_SAMPLE_EVERY = 8;
  /** The {@code protocol} tag of fan-out lag for RTMP players; HTTP-FLV players use {@code http-flv}. */
  public static final String PROTOCOL_RTMP = "rtmp";

  /** Close reasons registered up front so dashboards and alerts see zeros, not missing series. */
  private static final String[] KNOWN_CLOSE_REASONS = {
      "peer_closed", "io_error", "idle", "slow_consumer", "publisher_no_data", "handshake_version",
      "handshake_timeout", "chunk_size", "message_too_large", "unknown_message_type", "amf",
      "publish_rejected", "play_rejected", "draining", "too_many_chunk_streams", "pending_bytes_exceeded",
      "max_connections", "max_connections_per_ip", "max_streams", "max_players_per_stream", "max_waiting_players"};
  /**
   * The limits counted in cascade.limits.hit, registered up front, by the close reason that
   * reports each; a limit whose name is its close reason maps to itself.
   */
  private static final Map<String, String> LIMIT_BY_CLOSE_REASON = Map.ofEntries(
      Map.entry("max_connections", "max_connections"),
      Map.entry("max_connections_per_ip", "max_connections_per_ip"),
      Map.entry("handshake_timeout", "handshake_timeout"),
      Map.entry("idle", "idle_timeout"),
      Map.entry("publisher_no_data", "publisher_no_data"),
      Map.entry("chunk_size", "max_chunk_size"),
      Map.entry("message_too_large", "max_message_size"),
      Map.entry("too_many_chunk_streams", "max_chunk_streams"),
      Map.entry("pending_bytes_exceeded", "max_pending_bytes"),
      Map.entry("amf", "amf"),
      Map.entry("max_streams", "max_streams"),
      Map.entry("max_players_per_stream", "max_players_per_stream"),
      Map.entry("max_waiting_players", "max_waiting_players"));
  private static final String[] KNOWN_HANDSHAKE_FAILURES = {"handshake_version", "handshake_timeout", "peer_closed"};

  private final NodeMetrics node;
  private final Map<Kind, AtomicInteger> connections = new EnumMap<>(Kind.class);
  private final AtomicInteger players = new AtomicInteger();
  private final AtomicInteger relays = new AtomicInteger();
  private final Counter accepted;
  private final LongAdder bytesIn = new LongAdder();
  private final LongAdder bytesOut = new LongAdder();
  private final LongAdder flvBytesOut = new LongAdder();
  private final Map<String, Counter> closes = new ConcurrentHashMap<>();
  private final Map<String, Counter> handshakeFailures = new ConcurrentHashMap<>();
  private final Map<String, Counter> authFailures = new ConcurrentHashMap<>();
  private final Map<String, Counter> limits = new ConcurrentHashMap<>();
  private final Map<String, AppMeters> byApp = new ConcurrentHashMap<>();
  private volatile LiveMetrics live;

  public RtmpMetrics(NodeMetrics node) {
    this.node = node;
    for (Kind k : Kind.values()) {
      AtomicInteger count = new AtomicInteger();
      connections.put(k, count);
      node.gauge(CascadeMeter.CONNECTIONS, count, AtomicInteger::get, "kind", k.tag());
    }
    node.gauge(CascadeMeter.PLAYERS_ACTIVE, players, AtomicInteger::get, "kind", "player");
    node.gauge(CascadeMeter.PLAYERS_ACTIVE, relays, AtomicInteger::get, "kind", "relay");
    accepted = node.counter(CascadeMeter.CONNECTIONS_ACCEPTED);
    node.functionCounter(CascadeMeter.RECEIVED_BYTES, bytesIn, LongAdder::sum);
    node.functionCounter(CascadeMeter.SENT_BYTES, bytesOut, LongAdder::sum, "protocol", "rtmp");
    node.functionCounter(CascadeMeter.SENT_BYTES, flvBytesOut, LongAdder::sum, "protocol", "http-flv");
    for (String r : KNOWN_CLOSE_REASONS) {
      closeCounter(r);
    }
    for (String r : KNOWN_HANDSHAKE_FAILURES) {
      handshakeCounter(r);
    }
    for (String limit : LIMIT_BY_CLOSE_REASON.values()) {
      limits.put(limit, node.counter(CascadeMeter.LIMITS_HIT, "limit", limit));
    }
  }

  /** A metrics sink for servers started without a node (tests of the RTMP layer). */
  public static RtmpMetrics standalone() {
    return new RtmpMetrics(NodeMetrics.defaults("origin", "test"));
  }

  public NodeMetrics node() {
    return node;
  }

  /** Whether per-message lag is measured. */
  public boolean measureLag() {
    return node.enabled();
  }

  /** The live layer's meters, for per-stream series. */
  public void attach(LiveMetrics liveMetrics) {
    this.live = liveMetrics;
  }

  /** The stream's own lag histogram when per-stream metrics are on, else null. */
  public Timer streamLag(String key) {
    LiveMetrics l = live;
    return l == null ? null : l.streamLag(key);
  }

  public void connectionOpened() {
    accepted.increment();
    connections.get(Kind.PENDING).incrementAndGet();
  }

  /** A connection changed what it does (pending → publisher, player, relay). */
  public void connectionKind(Kind from, Kind to) {
    if (from != to) {
      connections.get(from).decrementAndGet();
      connections.get(to).incrementAndGet();
    }
  }

  public void connectionClosed(Kind kind, String reason, boolean handshakeDone) {
    connections.get(kind).decrementAndGet();
    closeCounter(reason).increment();
    String limit = LIMIT_BY_CLOSE_REASON.get(reason);
    if (limit != null) {
      limits.get(limit).increment();
    }
    if (!handshakeDone) {
      handshakeCounter(reason.startsWith("handshake_") || reason.equals("peer_closed") ? reason : "other").increment();
    }
  }

  /**
   * A connection closed as soon as it was accepted because a connection limit was reached
   * ({@code max_connections}, {@code max_connections_per_ip}); it never became an RTMP connection.
   */
  public void connectionRefused(String limit) {
    accepted.increment();
    closeCounter(limit).increment();
    limits.get(limit).increment();
  }

  /** Hits of {@code limit} so far, for tests. */
  public double limitHits(String limit) {
    Counter c = limits.get(limit);
    return c == null ? 0 : c.count();
  }

  public void authFailure(String action, String reason) {
    authFailures.computeIfAbsent(action + '\0' + reason,
        k -> node.counter(CascadeMeter.AUTH_FAILURES, "action", action, "reason", reason)).increment();
  }

  public void bytesIn(long n) {
    bytesIn.add(n);
  }

  /** RTMP bytes written to a player or relay. */
  public void bytesOut(long n) {
    bytesOut.add(n);
  }

  /** FLV bytes written to an HTTP-FLV or WebSocket-FLV player. */
  public void flvBytesOut(long n) {
    flvBytesOut.add(n);
  }

  /** The app's meters; resolve once per session, not per message. */
  public AppMeters app(String app) {
    return byApp.computeIfAbsent(node.app(app), AppMeters::new);
  }

  private Counter closeCounter(String reason) {
    return closes.computeIfAbsent(reason, r -> node.counter(CascadeMeter.CONNECTIONS_CLOSED, "reason", r));
  }

  private Counter handshakeCounter(String reason) {
    return handshakeFailures.computeIfAbsent(reason, r -> node.counter(CascadeMeter.HANDSHAKE_FAILURES, "reason", r));
  }

  /** The meters tagged with one app. */
  public final class AppMeters {
    private final Counter publishesStarted;
    private final Counter publishesEnded;
    private final Counter playsStarted;
    private final Counter playsEnded;
    private final Counter relaysStarted;
    private final Counter relaysEnded;
    private final String app;
    private final Timer fanoutLag;
    /** Fan-out lag of the other output protocols, by protocol (a fixed set in the code), made on first use. */
    private final Map<String, Timer> fanoutLagByProtocol = new ConcurrentHashMap<>();
    private final Timer ingestLag;

    private AppMeters(String app) {
      this.app = app;
      publishesStarted = node.counter(CascadeMeter.PUBLISHES_STARTED, "app", app);
      publishesEnded = node.counter(CascadeMeter.PUBLISHES_ENDED, "app", app);
      playsStarted = node.counter(CascadeMeter.PLAYS_STARTED, "app", app, "kind", "player");
      playsEnded = node.counter(CascadeMeter.PLAYS_ENDED, "app", app, "kind", "player");
      relaysStarted = node.counter(CascadeMeter.PLAYS_STARTED, "app", app, "kind", "relay");
      relaysEnded = node.counter(CascadeMeter.PLAYS_ENDED, "app", app, "kind", "relay");
      fanoutLag = node.timer(CascadeMeter.FANOUT_LAG, "app", app, "protocol", PROTOCOL_RTMP);
      ingestLag = node.timer(CascadeMeter.INGEST_LAG, "app", app);
    }

    public void publishStarted() {
      publishesStarted.increment();
    }

    public void publishEnded() {
      publishesEnded.increment();
    }

    public void playStarted(boolean relay) {
      (relay ? relaysStarted : playsStarted).increment();
      (relay ? relays : players).incrementAndGet();
    }

    public void playEnded(boolean relay) {
      (relay ? relaysEnded : playsEnded).increment();
      (relay ? relays : players).decrementAndGet();
    }

    /** One media message written to an RTMP player: arrival on this node and at the origin. */
    public void delivered(long lagNanos, long ingestLagMillis) {
      delivered(fanoutLag, lagNanos, ingestLagMillis);
    }

    /** As {@link #delivered(long, long)} for a player of another output protocol, e.g. {@code http-flv}. */
    public void delivered(String protocol, long lagNanos, long ingestLagMillis) {
      Timer lag = PROTOCOL_RTMP.equals(protocol) ? fanoutLag : fanoutLagByProtocol.computeIfAbsent(protocol,
          p -> node.timer(CascadeMeter.FANOUT_LAG, "app", app, "protocol", p));
      delivered(lag, lagNanos, ingestLagMillis);
    }

    private void delivered(Timer fanout, long lagNanos, long ingestLagMillis) {
      fanout.record(Math.max(0, lagNanos), TimeUnit.NANOSECONDS);
      if (ingestLagMillis >= 0) {
        ingestLag.record(ingestLagMillis, TimeUnit.MILLISECONDS);
      }
    }
  }
}
