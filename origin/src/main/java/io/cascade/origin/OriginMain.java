package io.cascade.origin;

import io.cascade.config.ConfigException;
import io.cascade.config.ConfigLoader;
import io.cascade.config.LoadedConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code java -jar cascade-origin.jar [--config FILE]}. */
public final class OriginMain {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.origin");

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
    loaded.warnings().forEach(w -> LOG.warn("event=config_warning detail=\"{}\"", w));
    var config = loaded.config();
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(
        config.rtmp().eventLoops() > 0 ? config.rtmp().eventLoops() : VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE));
    OriginNode.start(vertx, config)
        .onSuccess(node -> {
          LOG.info("event=started role=origin node={} rtmp={}:{} http={}:{}", config.node().id(),
              config.rtmp().host(), node.rtmpPort(), config.http().host(), node.httpPort());
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("event=stopping role=origin node={}", config.node().id());
            node.stop().transform(r -> vertx.close()).await();
          }, "cascade-shutdown"));
        })
        .onFailure(e -> {
          LOG.error("event=start_failed role=origin reason=\"{}\"", e.getMessage(), e);
          vertx.close();
          System.exit(1);
        });
  }
}
