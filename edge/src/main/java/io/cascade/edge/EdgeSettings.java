package io.cascade.edge;

import io.cascade.config.CascadeConfig;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How an edge pulls its streams from the origins, taken from configuration.
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
 */
public record EdgeSettings(
    Duration upstreamIdleGrace,
    Duration upstreamBackoffMin,
    Duration upstreamBackoffMax,
    Duration upstreamConnectTimeout,
    Duration upstreamNoDataTimeout,
    Duration republishWaitTimeout,
    Duration relayTokenTtl,
    String relaySecret) {

  public EdgeSettings {
    notNegative(upstreamIdleGrace, "upstreamIdleGrace");
    positive(upstreamBackoffMin, "upstreamBackoffMin");
    positive(upstreamBackoffMax, "upstreamBackoffMax");
    positive(upstreamConnectTimeout, "upstreamConnectTimeout");
    positive(upstreamNoDataTimeout, "upstreamNoDataTimeout");
    positive(relayTokenTtl, "relayTokenTtl");
    notNegative(republishWaitTimeout, "republishWaitTimeout");
    Objects.requireNonNull(relaySecret, "relaySecret");
    if (upstreamBackoffMax.compareTo(upstreamBackoffMin) < 0) {
      throw new IllegalArgumentException("upstreamBackoffMax (" + upstreamBackoffMax
          + ") must be at least upstreamBackoffMin (" + upstreamBackoffMin + ")");
    }
  }

  /**
   * The {@code edge.*} settings; a silent upstream is judged like a silent publisher
   * ({@code rtmp.publisherNoDataTimeout}), players wait through an outage as long as for a
   * republish ({@code live.republishWaitTimeout}), and the first {@code cluster.secret} signs.
   */
  public static EdgeSettings from(CascadeConfig config) {
    CascadeConfig.Edge edge = config.edge();
    List<String> secrets = config.cluster().secret();
    return new EdgeSettings(edge.upstreamIdleGrace(), edge.upstreamBackoffMin(), edge.upstreamBackoffMax(),
        edge.upstreamConnectTimeout(), config.rtmp().publisherNoDataTimeout(), config.live().republishWaitTimeout(),
        edge.relayTokenTtl(), secrets.isEmpty() ? "" : secrets.get(0));
  }

  /** Keeps the secret out of logs and exception messages. */
  @Override
  public String toString() {
    return "EdgeSettings[upstreamIdleGrace=" + upstreamIdleGrace + ", upstreamBackoffMin=" + upstreamBackoffMin
        + ", upstreamBackoffMax=" + upstreamBackoffMax + ", upstreamConnectTimeout=" + upstreamConnectTimeout
        + ", upstreamNoDataTimeout=" + upstreamNoDataTimeout + ", republishWaitTimeout=" + republishWaitTimeout
        + ", relayTokenTtl=" + relayTokenTtl + ", relaySecret=" + (relaySecret.isEmpty() ? "none" : "***") + "]";
  }

  private static void notNegative(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative()) {
      throw new IllegalArgumentException(name + " must not be negative: " + d);
    }
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
  }
}
