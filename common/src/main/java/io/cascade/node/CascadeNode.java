package io.cascade.node;

import io.vertx.core.Future;
import java.time.Duration;

/** A started origin or edge, as the process that runs it sees it. */
public interface CascadeNode {
  int rtmpPort();

  int httpPort();

  /** The RTMPS port, or -1 when RTMPS is off. */
  int rtmpsPort();

  /** The HTTPS port, or -1 when HTTPS is off. */
  int httpsPort();

  /**
   * Turns not ready, stops accepting connections and lets the connected ones continue for up to
   * {@code grace} (less when all leave), then closes the rest and gives up what the node holds in
   * the cluster (an origin's registry claims). Completes when that is done.
   */
  Future<Void> drain(Duration grace);

  /** Closes listeners and connections at once. */
  Future<Void> stop();
}
