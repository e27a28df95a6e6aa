package io.cascade.edge;

import static io.cascade.config.ConfigSchema.CLUSTER_SECRET;
import static io.cascade.config.ConfigSchema.EDGE_RELAY_TOKEN_TTL;
import static io.cascade.config.ConfigSchema.EDGE_REHOME_JITTER;
import static io.cascade.config.ConfigSchema.EDGE_TIER;
import static io.cascade.config.ConfigSchema.EDGE_UPSTREAM_BACKOFF_MAX;
import static io.cascade.config.ConfigSchema.EDGE_UPSTREAM_BACKOFF_MIN;
import static io.cascade.config.ConfigSchema.EDGE_UPSTREAM_CONNECT_TIMEOUT;
import static io.cascade.config.ConfigSchema.EDGE_UPSTREAM_IDLE_GRACE;
import static io.cascade.config.ConfigSchema.LIVE_REPUBLISH_WAIT_TIMEOUT;
import static io.cascade.config.ConfigSchema.RTMP_PUBLISHER_NO_DATA_TIMEOUT;

import io.cascade.config.CascadeConfig;
import io.cascade.config.EdgeTier;
import java.time.Duration;
import java.util.List;

/**
 * How an edge pulls its streams from the origins, built from the settings by {@link #from}; the
 * schema checked them.
 *
 * @param upstreamIdleGrace an upstream whose last player left is closed after this long (0: at once)
 * @param upstreamBackoffMin first delay after a failed upstream connect
 * @param upstreamBackoffMax the delay doubles per failure up to this bound
 * @param upstreamConnectTimeout limit for TCP connect, handshake and each command of a pull
 * @param upstreamNoDataTimeout a playing upstream that delivers nothing this long counts as lost
 * @param republishWaitTimeout how long players stay on a stream that has no upstream before they
 *     are told it was unpublished
 * @param relayTokenTtl lifetime of the token that authenticates a pull to the origin
 * @param relaySecret cluster secret that signs relay tokens; empty sends no token
 * @param tier leaf (pulls from parent edges when there are any) or parent (pulls from origins, serves leaves)
 * @param rehomeJitter a leaf whose parent left waits a random delay up to this long before the next pull
 */
public record EdgeSettings(
    Duration upstreamIdleGrace,
    Duration upstreamBackoffMin,
    Duration upstreamBackoffMax,
    Duration upstreamConnectTimeout,
    Duration upstreamNoDataTimeout,
    Duration republishWaitTimeout,
    Duration relayTokenTtl,
    String relaySecret,
    EdgeTier tier,
    Duration rehomeJitter) {

  /** A leaf with the default jitter: every edge before tiers existed. */
  public EdgeSettings(Duration upstreamIdleGrace, Duration upstreamBackoffMin, Duration upstreamBackoffMax,
      Duration upstreamConnectTimeout, Duration upstreamNoDataTimeout, Duration republishWaitTimeout,
      Duration relayTokenTtl, String relaySecret) {
    this(upstreamIdleGrace, upstreamBackoffMin, upstreamBackoffMax, upstreamConnectTimeout, upstreamNoDataTimeout,
        republishWaitTimeout, relayTokenTtl, relaySecret, EdgeTier.LEAF,
        EDGE_REHOME_JITTER.defaultValue());
  }

  /** The same settings for an edge of {@code newTier} with {@code jitter}. */
  public EdgeSettings withTier(EdgeTier newTier, Duration jitter) {
    return new EdgeSettings(upstreamIdleGrace, upstreamBackoffMin, upstreamBackoffMax, upstreamConnectTimeout,
        upstreamNoDataTimeout, republishWaitTimeout, relayTokenTtl, relaySecret, newTier, jitter);
  }

  /**
   * The {@code edge.*} settings; a silent upstream is judged like a silent publisher
   * ({@code rtmp.publisherNoDataTimeout}), players wait through an outage as long as for a
   * republish ({@code live.republishWaitTimeout}), and the first {@code cluster.secret} signs.
   */
  public static EdgeSettings from(CascadeConfig config) {
    List<String> secrets = config.get(CLUSTER_SECRET);
    return new EdgeSettings(config.get(EDGE_UPSTREAM_IDLE_GRACE), config.get(EDGE_UPSTREAM_BACKOFF_MIN),
        config.get(EDGE_UPSTREAM_BACKOFF_MAX), config.get(EDGE_UPSTREAM_CONNECT_TIMEOUT),
        config.get(RTMP_PUBLISHER_NO_DATA_TIMEOUT), config.get(LIVE_REPUBLISH_WAIT_TIMEOUT),
        config.get(EDGE_RELAY_TOKEN_TTL), secrets.isEmpty() ? "" : secrets.get(0), config.get(EDGE_TIER),
        config.get(EDGE_REHOME_JITTER));
  }

  /** Every value at the schema's default. */
  public static EdgeSettings defaults() {
    return from(CascadeConfig.defaults());
  }

  /** Keeps the secret out of logs and exception messages. */
  @Override
  public String toString() {
    return "EdgeSettings[upstreamIdleGrace=" + upstreamIdleGrace + ", upstreamBackoffMin=" + upstreamBackoffMin
        + ", upstreamBackoffMax=" + upstreamBackoffMax + ", upstreamConnectTimeout=" + upstreamConnectTimeout
        + ", upstreamNoDataTimeout=" + upstreamNoDataTimeout + ", republishWaitTimeout=" + republishWaitTimeout
        + ", relayTokenTtl=" + relayTokenTtl + ", relaySecret=" + (relaySecret.isEmpty() ? "none" : "***")
        + ", tier=" + tier + ", rehomeJitter=" + rehomeJitter + "]";
  }
}
