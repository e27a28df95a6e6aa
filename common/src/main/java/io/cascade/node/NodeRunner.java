package io.cascade.node;

import static io.cascade.config.ConfigSchema.EDGE_TIER;
import static io.cascade.config.ConfigSchema.HTTP_HOST;
import static io.cascade.config.ConfigSchema.LOG_FORMAT;
import static io.cascade.config.ConfigSchema.NODE_DRAIN_GRACE;
import static io.cascade.config.ConfigSchema.NODE_ID;
import static io.cascade.config.ConfigSchema.RTMP_EVENT_LOOPS;
import static io.cascade.config.ConfigSchema.RTMP_HOST;

import io.cascade.cluster.ClusterNode;
import io.cascade.config.CascadeConfig;
import io.cascade.config.ConfigException;
import io.cascade.config.ConfigLoader;
import io.cascade.config.LoadedConfig;
import io.cascade.logging.LogSetup;
import io.cascade.metrics.MetricsSettings;
import io.cascade.metrics.NodeMetrics;
import io.vertx.core.Future;
import io.vertx.core.VertxOptions;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * The process around a node, origin or edge: configuration, logging, metrics, joining the
 * cluster, starting the node, and the way out.
 *
 * <p>SIGTERM (and SIGINT) drain: the node turns not ready, accepts no new connections, lets
 * connected players continue for {@code node.drainGrace} (less once all have left), closes the
 * rest, releases what it holds in the registry, leaves the cluster and exits 0, logging each step.
 * A second signal during the drain cuts it short. Any other exit (System.exit elsewhere) still
 * stops the node and leaves the cluster from a shutdown hook.
 */
public final class NodeRunner {
  private static final long STOP_SECONDS = 20;

  /** Starts the role's node on a joined cluster. */
  @FunctionalInterface
  public interface Starter {
    Future<? extends CascadeNode> start(ClusterNode cluster, CascadeConfig config, NodeMetrics metrics);
  }

  private final Logger log;
  private final String role;
  private final String nodeId;
  private final CascadeConfig config;
  private final AtomicBoolean draining = new AtomicBoolean();
  private final AtomicBoolean stopped = new AtomicBoolean();
  private volatile CascadeNode node;
  private volatile ClusterNode cluster;

  private NodeRunner(Logger log, String role, CascadeConfig config) {
    this.log = log;
    this.role = role;
    this.nodeId = config.get(NODE_ID);
    this.config = config;
  }

  /** The {@code main} of {@code cascade-origin.jar} and {@code cascade-edge.jar}. */
  public static void run(String[] args, ClusterNode.Role clusterRole, Starter starter) {
    LoadedConfig loaded;
    try {
      loaded = ConfigLoader.load(args, System.getenv());
    } catch (ConfigException e) {
      System.err.println("cascade: configuration error: " + e.getMessage());
      System.exit(2);
      return;
    }
    LogSetup.apply(loaded.config().get(LOG_FORMAT));
    String role = clusterRole.name().toLowerCase(Locale.ROOT);
    Logger log = LoggerFactory.getLogger("cascade." + role);
    loaded.warnings().forEach(w -> log.warn("event=config_warning detail=\"{}\"", w));
    new NodeRunner(log, role, loaded.config()).start(clusterRole, starter);
  }

  private void start(ClusterNode.Role clusterRole, Starter starter) {
    NodeMetrics metrics = new NodeMetrics(role, tier(), nodeId, MetricsSettings.from(config));
    VertxOptions options = new VertxOptions();
    if (config.get(RTMP_EVENT_LOOPS) > 0) {
      options.setEventLoopPoolSize(config.get(RTMP_EVENT_LOOPS));
    }
    // The main thread waits for the start: until the cluster is joined (an edge waits for its
    // first origin) no non-daemon thread would keep the process alive.
    try {
      cluster = ClusterNode.start(config, clusterRole, options, metrics.enabled() ? metrics.registry() : null).await();
    } catch (Exception e) {
      // await() rethrows checked causes too (e.g. BindException): any failure ends the process.
      log.error("event=start_failed role={} node={} reason=\"{}\"", role, nodeId, e.getMessage(), e);
      System.exit(1);
      return;
    }
    try {
      node = starter.start(cluster, config, metrics).await();
    } catch (Exception e) {
      log.error("event=start_failed role={} node={} reason=\"{}\"", role, nodeId, e.getMessage(), e);
      stopNow();
      System.exit(1);
      return;
    }
    log.info("event=started role={} node={} member={} rtmp={}:{} rtmps={} http={}:{} https={} cluster_port={}"
        + " drain_grace_ms={}", role, nodeId, cluster.memberId(), config.get(RTMP_HOST), node.rtmpPort(),
        node.rtmpsPort() < 0 ? "off" : config.get(RTMP_HOST) + ":" + node.rtmpsPort(), config.get(HTTP_HOST),
        node.httpPort(), node.httpsPort() < 0 ? "off" : config.get(HTTP_HOST) + ":" + node.httpsPort(),
        cluster.port(), config.get(NODE_DRAIN_GRACE).toMillis());
    Signal.handle(new Signal("TERM"), this::onSignal);
    Signal.handle(new Signal("INT"), this::onSignal);
    Runtime.getRuntime().addShutdownHook(new Thread(this::stopNow, "cascade-shutdown"));
  }

  /** The metrics' tier tag: an edge's {@code edge.tier}, the role for an origin. */
  private String tier() {
    return "edge".equals(role) ? config.get(EDGE_TIER).name().toLowerCase(Locale.ROOT) : NodeMetrics.defaultTier(role);
  }

  private void onSignal(Signal signal) {
    if (!draining.compareAndSet(false, true)) {
      log.warn("event=drain.cut_short role={} node={} signal=SIG{}", role, nodeId, signal.getName());
      Thread t = new Thread(() -> {
        stopNow();
        Runtime.getRuntime().halt(0);
      }, "cascade-stop");
      t.setDaemon(false);
      t.start();
      return;
    }
    Thread t = new Thread(() -> drainAndExit(signal.getName()), "cascade-drain");
    // Not a daemon (the signal thread that creates it is one): once Vert.x and Hazelcast have
    // stopped, this thread alone keeps the JVM up until it has logged the end and exited 0.
    t.setDaemon(false);
    t.start();
  }

  private void drainAndExit(String signal) {
    Duration grace = config.get(NODE_DRAIN_GRACE);
    long start = System.nanoTime();
    log.info("event=drain.start role={} node={} signal=SIG{} grace_ms={}", role, nodeId, signal, grace.toMillis());
    try {
      node.drain(grace).await(grace.toMillis() + STOP_SECONDS * 1000, TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      log.warn("event=drain.incomplete role={} node={} detail=\"{}\"", role, nodeId, e.toString());
    }
    stopNow();
    log.info("event=drain.done role={} node={} ms={} exit=0", role, nodeId, (System.nanoTime() - start) / 1_000_000);
    System.exit(0);
  }

  /** Stops the node, then leaves the cluster; once. */
  private void stopNow() {
    if (!stopped.compareAndSet(false, true)) {
      return;
    }
    // Two separate waits: a continuation chained on Vert.x would never run once cluster.close()
    // has closed Vert.x itself.
    CascadeNode n = node;
    if (n != null) {
      try {
        n.stop().await(STOP_SECONDS, TimeUnit.SECONDS);
      } catch (Exception e) {
        log.warn("event=stop_incomplete role={} node={} detail=\"{}\"", role, nodeId, e.toString());
      }
    }
    ClusterNode c = cluster;
    if (c != null) {
      try {
        c.close().await(STOP_SECONDS, TimeUnit.SECONDS);
        log.info("event=cluster.left role={} node={}", role, nodeId);
      } catch (Exception e) {
        log.warn("event=cluster_stop_incomplete role={} node={} detail=\"{}\"", role, nodeId, e.toString());
      }
    }
  }
}
