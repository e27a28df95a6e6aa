package io.cascade.origin;

import io.cascade.cluster.ClusterNode;
import io.cascade.config.ConfigException;
import io.cascade.config.ConfigLoader;
import io.cascade.config.LoadedConfig;
import io.cascade.logging.LogSetup;
import io.vertx.core.VertxOptions;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar cascade-origin.jar [--config FILE]}. */
public final class OriginMain {
  private OriginMain() {
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
    Logger log = LoggerFactory.getLogger("cascade.origin");
    loaded.warnings().forEach(w -> log.warn("event=config_warning detail=\"{}\"", w));
    var config = loaded.config();
    VertxOptions options = new VertxOptions();
    if (config.rtmp().eventLoops() > 0) {
      options.setEventLoopPoolSize(config.rtmp().eventLoops());
    }
    // Block main until started: Hazelcast starts on its own (daemon) thread, and a main that
    // returned first would let the JVM exit before any non-daemon thread exists.
    ClusterNode.start(config, ClusterNode.Role.ORIGIN, options)
        .compose(cluster -> OriginNode.start(cluster, config)
            .onSuccess(node -> {
              log.info("event=started role=origin node={} rtmp={}:{} http={}:{} cluster_member={} cluster_port={}",
                  config.node().id(), config.rtmp().host(), node.rtmpPort(), config.http().host(), node.httpPort(),
                  cluster.memberId(), cluster.port());
              Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                log.info("event=stopping role=origin node={}", config.node().id());
                // Two separate waits: a continuation chained on Vert.x would never run once
                // cluster.close() has closed Vert.x itself.
                try {
                  node.stop().await(10, TimeUnit.SECONDS);
                } catch (TimeoutException | RuntimeException e) {
                  log.warn("event=stop_incomplete role=origin node={} detail=\"{}\"", config.node().id(), e.toString());
                }
                try {
                  cluster.close().await(20, TimeUnit.SECONDS);
                } catch (TimeoutException | RuntimeException e) {
                  log.warn("event=cluster_stop_incomplete role=origin node={} detail=\"{}\"", config.node().id(), e.toString());
                }
              }, "cascade-shutdown"));
            })
            .onFailure(e -> cluster.close()))
        .onFailure(e -> {
          log.error("event=start_failed role=origin reason=\"{}\"", e.getMessage(), e);
          System.exit(1);
        })
        .await();
  }
}
