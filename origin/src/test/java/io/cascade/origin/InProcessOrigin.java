package io.cascade.origin;

import io.cascade.config.CascadeConfig;
import io.cascade.config.ConfigLoader;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** An in-process origin on loopback with ephemeral ports, as integration tests start it. */
final class InProcessOrigin {
  private static final long START_STOP_SECONDS = 30;

  private InProcessOrigin() {
  }

  static OriginNode start(Vertx vertx) throws TimeoutException {
    CascadeConfig config = ConfigLoader.load((Path) null, Map.of(), Map.of(
        "rtmp.host", "127.0.0.1", "rtmp.port", 0,
        "http.host", "127.0.0.1", "http.port", 0)).config();
    return OriginNode.start(vertx, config).await(START_STOP_SECONDS, TimeUnit.SECONDS);
  }

  static void stop(OriginNode origin) throws TimeoutException {
    if (origin != null) {
      origin.stop().await(START_STOP_SECONDS, TimeUnit.SECONDS);
    }
  }

  /** A stream URL on {@code origin} with a key no other test uses. */
  static String uniqueStreamUrl(OriginNode origin, String label) {
    return "rtmp://127.0.0.1:" + origin.rtmpPort() + "/live/" + label + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
