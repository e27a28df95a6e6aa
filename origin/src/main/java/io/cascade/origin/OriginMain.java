package io.cascade.origin;

import io.cascade.config.ConfigException;
import io.cascade.config.ConfigLoader;
import io.cascade.config.LoadedConfig;
import io.cascade.logging.LogSetup;
import io.vertx.core.Vertx;
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
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(
        config.rtmp().eventLoops() > 0 ? config.rtmp().eventLoops() : VertxOptions.DEFAULT_EVENT_LOOP_POOL_SIZE));
    OriginNode.start(vertx, config)
        .onSuccess(node -> {
          log.info("event=started role=origin node={} rtmp={}:{} http={}:{}", config.node().id(),
              config.rtmp().host(), node.rtmpPort(), config.http().host(), node.httpPort());
          Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log.info("event=stopping role=origin node={}", config.node().id());
            try {
              vertx.close().await(30, TimeUnit.SECONDS);
            } catch (TimeoutException e) {
              log.warn("event=stop_timeout role=origin node={}", config.node().id());
            }
          }, "cascade-shutdown"));
        })
        .onFailure(e -> {
          log.error("event=start_failed role=origin reason=\"{}\"", e.getMessage(), e);
          vertx.close();
          System.exit(1);
        });
  }
}
