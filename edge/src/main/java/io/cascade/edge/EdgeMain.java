package io.cascade.edge;

import io.cascade.cluster.ClusterNode;
import io.cascade.config.CascadeConfig;
import io.cascade.config.ConfigException;
import io.cascade.config.ConfigLoader;
import io.cascade.config.LoadedConfig;
import io.cascade.logging.LogSetup;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar cascade-edge.jar [--config FILE]}. */
public final class EdgeMain {
  private static final long STOP_SECONDS = 30;

  private EdgeMain() {
  }

  public static void main(String[] args) {
    LoadedConfig loaded;
    try {
      loaded = ConfigLoader.load(args, System.getenv());
    } catch (ConfigException e) {
      System.err.println("cascade: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    LogSetup.apply(loaded.config().log().format());
    Logger log = LoggerFactory.getLogger("cascade.edge");
    loaded.warnings().forEach(w -> log.warn("event=config_warning detail=\"{}\"", w));
    CascadeConfig config = loaded.config();
    String nodeId = config.node().id();
    VertxOptions options = new VertxOptions().setEventLoopPoolSize(
        config.rtmp().eventLoops() > 0 ? config.rtmp().eventLoops() : VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE);

    // The main thread waits for the start: until the cluster is joined (an edge waits for its
    // first origin) no non-daemon thread would keep the process alive.
    ClusterNode cluster;
    try {
      cluster = ClusterNode.start(config, ClusterNode.Role.EDGE, options).await();
    } catch (Exception e) {
      // await() rethrows checked causes too (e.g. BindException): any failure ends the process.
      log.error("event=start_failed role=edge node={} reason=\"{}\"", nodeId, e.getMessage(), e);
      System.exit(1);
      return;
    }
    EdgeNode node;
    try {
      node = EdgeNode.start(cluster, config).await();
    } catch (Exception e) {
      log.error("event=start_failed role=edge node={} reason=\"{}\"", nodeId, e.getMessage(), e);
      stop(log, nodeId, null, cluster);
      System.exit(1);
      return;
    }
    log.info("event=started role=edge node={} member={} rtmp={}:{} http={}:{}", nodeId, cluster.memberId(),
        config.rtmp().host(), node.rtmpPort(), config.http().host(), node.httpPort());
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("event=stopping role=edge node={}", nodeId);
      stop(log, nodeId, node, cluster);
    }, "cascade-shutdown"));
  }

  /** Closes the upstreams and listeners first, so origins see a clean end, then leaves the cluster. */
  private static void stop(Logger log, String nodeId, EdgeNode node, ClusterNode cluster) {
    try {
      if (node != null) {
        node.stop().await(STOP_SECONDS, TimeUnit.SECONDS);
      }
      cluster.close().await(STOP_SECONDS, TimeUnit.SECONDS);
    } catch (TimeoutException | RuntimeException e) {
      log.warn("event=stop_timeout role=edge node={} detail=\"{}\"", nodeId, e.toString());
    }
  }
}
