package io.cascade.edge;

import io.cascade.client.RtmpClientOptions;
import io.cascade.cluster.ParentDirectory;
import io.cascade.cluster.StreamRegistry;
import io.cascade.config.EdgeTier;
import io.cascade.live.LiveStream;
import io.cascade.live.StreamDemand;
import io.cascade.live.StreamManager;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The edge's upstream pulls, one {@link EdgeIngest} per stream that local players want. It is the
 * stream manager's {@link StreamDemand}: the first player of a stream starts an ingest, the last
 * one leaving starts its idle grace.
 *
 * <p>Exactly one ingest per key: the demand callbacks run inside the stream manager's per-key
 * critical section, and creation, the {@code wanted} flag and retirement all go through this
 * map's {@code compute} for the key, so an ingest that decides to retire and a player that
 * arrives at that moment cannot both win.
 */
public final class EdgeIngests implements StreamDemand {
  private final StreamRegistry registry;
  private final EdgeSettings settings;
  private final EdgeStats stats;
  private final Supplier<Wiring> wiring;
  private final StreamManager streams;
  private final ParentDirectory parents;
  private final ParentDirectory.Registration parentWatch;
  private final ConcurrentHashMap<String, EdgeIngest> ingests = new ConcurrentHashMap<>();
  private volatile boolean closing;

  /**
   * @param clientOptions options of the upstream RTMP clients; their channel factory is replaced by
   *     the one matching Vert.x's transport, because the clients run on Vert.x's event loops
   * @param streamsFactory builds the stream manager this object is the demand of
   * @param parents the parent edges a leaf pulls through ({@link ParentDirectory#NONE}: always the origins)
   */
  public EdgeIngests(Vertx vertx, StreamRegistry registry, ParentDirectory parents, EdgeSettings settings,
      RtmpClientOptions clientOptions, EdgeStats stats, Function<StreamDemand, StreamManager> streamsFactory) {
    this(registry, parents, settings, stats, streamsFactory, rtmp((VertxInternal) vertx, settings, clientOptions));
  }

  /** As above, with each ingest's scheduler and upstreams from {@code wiring} (virtual time in tests). */
  EdgeIngests(StreamRegistry registry, ParentDirectory parents, EdgeSettings settings, EdgeStats stats,
      Function<StreamDemand, StreamManager> streamsFactory, Supplier<Wiring> wiring) {
    this.registry = registry;
    this.parents = parents;
    this.settings = settings;
    this.stats = stats;
    this.wiring = wiring;
    this.streams = streamsFactory.apply(this);
    // Only leaves route through parents; a parent's pulls go to the origins whatever joins or leaves.
    this.parentWatch = settings.tier() == EdgeTier.LEAF
        ? parents.onChange(() -> ingests.values().forEach(EdgeIngest::parentsChanged))
        : () -> { };
  }

  /** Where one ingest runs and how it reaches the origins. */
  record Wiring(Scheduler scheduler, Upstream.Connector connector) {
  }

  /** Each ingest on the next Vert.x event loop, pulling over RTMP clients on that loop. */
  private static Supplier<Wiring> rtmp(VertxInternal vertx, EdgeSettings settings, RtmpClientOptions clientOptions) {
    RtmpClientOptions options = new RtmpClientOptions(clientOptions)
        .channelFactory(vertx.transport().channelFactory(false));
    return () -> {
      LoopScheduler scheduler = LoopScheduler.next(vertx);
      return new Wiring(scheduler, UpstreamTransport.connector(scheduler, settings, options));
    };
  }

  /** Upstream client options as {@link #EdgeIngests} documents them, for edges built from settings. */
  public static RtmpClientOptions clientOptions(EdgeSettings settings) {
    return new RtmpClientOptions()
        .connectTimeout(settings.upstreamConnectTimeout())
        .handshakeTimeout(settings.upstreamConnectTimeout())
        .commandTimeout(settings.upstreamConnectTimeout());
  }

  public StreamManager streams() {
    return streams;
  }

  public EdgeStats stats() {
    return stats;
  }

  EdgeSettings settings() {
    return settings;
  }

  StreamRegistry registry() {
    return registry;
  }

  ParentDirectory parents() {
    return parents;
  }

  /** The ingest of {@code key}, or null (diagnostics and tests). */
  EdgeIngest ingest(String key) {
    return ingests.get(key);
  }

  /** The node each playing pull comes from (an origin or a parent edge), by stream key; any thread. */
  public Map<String, String> upstreams() {
    Map<String, String> out = new HashMap<>();
    ingests.forEach((key, ingest) -> {
      String from = ingest.playingFrom();
      if (from != null) {
        out.put(key, from);
      }
    });
    return out;
  }

  /** Streams with an ingest now. */
  public int size() {
    return ingests.size();
  }

  @Override
  public void onActive(LiveStream stream) {
    if (closing) {
      return;
    }
    ingests.compute(stream.key(), (key, ingest) -> {
      if (ingest == null) {
        Wiring w = wiring.get();
        ingest = new EdgeIngest(key, this, w.scheduler(), w.connector());
        stats.ingestCreated();
      }
      ingest.wanted = true;
      ingest.activate();
      return ingest;
    });
  }

  @Override
  public void onIdle(LiveStream stream) {
    ingests.computeIfPresent(stream.key(), (key, ingest) -> {
      ingest.wanted = false;
      ingest.idle();
      return ingest;
    });
  }

  /**
   * Called by an ingest that has closed its upstream: true when it leaves the map for good, false
   * when a player arrived meanwhile and it must carry on.
   */
  boolean retire(EdgeIngest ingest) {
    boolean[] retired = {true};
    ingests.computeIfPresent(ingest.key(), (key, current) -> {
      if (current != ingest) {
        return current;
      }
      if (ingest.wanted && !closing) {
        retired[0] = false;
        return current;
      }
      return null;
    });
    if (retired[0]) {
      stats.ingestRetired();
    }
    return retired[0];
  }

  /** Closes every upstream and unpublishes every pulled stream; completes when all are closed. */
  public Future<Void> close() {
    closing = true;
    parentWatch.cancel();
    List<Future<Void>> all = new ArrayList<>();
    for (Map.Entry<String, EdgeIngest> e : ingests.entrySet()) {
      e.getValue().shutdown();
      all.add(e.getValue().stopped());
    }
    return Future.all(all).mapEmpty();
  }
}
