package io.cascade.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmHeapPressureMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.internal.PlatformDependent;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.ToDoubleFunction;

/**
 * The node's meter registry (Prometheus) and the rules every Cascade meter follows: names,
 * descriptions and units from {@link CascadeMeter}, the common tags {@code role}, {@code tier} and
 * {@code node}, and bounded tag values. The JVM's own meters (memory, GC, threads, CPU, file descriptors) are
 * bound here too; Vert.x's join when the node's Vert.x is built with this registry.
 */
public final class NodeMetrics implements AutoCloseable {
  /** The {@code app} tag value of every app beyond {@code metrics.maxApps}. */
  public static final String OTHER_APP = "_other";

  private final PrometheusMeterRegistry registry;
  private final MetricsSettings settings;
  private final String role;
  private final Set<String> apps = ConcurrentHashMap.newKeySet();
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final JvmHeapPressureMetrics heapPressure = new JvmHeapPressureMetrics();

  /** A node of {@code role} at its default tier ({@link #defaultTier}). */
  public NodeMetrics(String role, String nodeId, MetricsSettings settings) {
    this(role, defaultTier(role), nodeId, settings);
  }

  /**
   * @param tier the node's level in a stream's tree of nodes: {@code origin}, or an edge's
   *     {@code edge.tier} ({@code parent}, {@code leaf}); a tag of its own beside {@code role}, so
   *     every query on {@code role="edge"} keeps counting parents and a sum by tier splits them
   */
  public NodeMetrics(String role, String tier, String nodeId, MetricsSettings settings) {
    this.role = role;
    this.settings = settings;
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    registry.config().commonTags("role", role, "tier", tier, "node", nodeId);
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    heapPressure.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
    gauge(CascadeMeter.NETTY_DIRECT_MEMORY, this, m -> nettyDirectMemory());
  }

  /** The tier of a node of {@code role} that has no other: an edge is a leaf unless configured as a parent. */
  public static String defaultTier(String role) {
    return "edge".equals(role) ? "leaf" : role;
  }

  /** A node with the default metrics settings, for nodes started without a config (tests). */
  public static NodeMetrics defaults(String role, String nodeId) {
    return new NodeMetrics(role, nodeId, MetricsSettings.defaults());
  }

  public MeterRegistry registry() {
    return registry;
  }

  public MetricsSettings settings() {
    return settings;
  }

  public String role() {
    return role;
  }

  /** Whether {@code /metrics} is served and per-message lag is measured. */
  public boolean enabled() {
    return settings.enabled();
  }

  /** The Prometheus text exposition of every meter. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * The tag value for {@code app}: the app itself for the first {@code metrics.maxApps} apps seen,
   * {@link #OTHER_APP} after that, so a client inventing app names cannot grow the series.
   */
  public String app(String app) {
    if (app == null || app.isEmpty()) {
      return OTHER_APP;
    }
    if (apps.contains(app)) {
      return app;
    }
    synchronized (apps) {
      if (apps.size() < settings.maxApps()) {
        apps.add(app);
        return app;
      }
    }
    return apps.contains(app) ? app : OTHER_APP;
  }

  public Counter counter(CascadeMeter m, String... tags) {
    check(m, CascadeMeter.Type.COUNTER, tags);
    return Counter.builder(m.meterName()).description(m.description()).baseUnit(m.baseUnit()).tags(tags)
        .register(registry);
  }

  /** A counter read from {@code source} at scrape time, for counts kept elsewhere (adders). */
  public <T> FunctionCounter functionCounter(CascadeMeter m, T source, ToDoubleFunction<T> read, String... tags) {
    check(m, CascadeMeter.Type.COUNTER, tags);
    return FunctionCounter.builder(m.meterName(), source, read).description(m.description())
        .baseUnit(m.baseUnit()).tags(tags).register(registry);
  }

  public <T> Gauge gauge(CascadeMeter m, T source, ToDoubleFunction<T> read, String... tags) {
    check(m, CascadeMeter.Type.GAUGE, tags);
    return Gauge.builder(m.meterName(), source, read).description(m.description()).baseUnit(m.baseUnit())
        .tags(tags).strongReference(true).register(registry);
  }

  /** A histogram of durations with {@link CascadeMeter#LAG_BUCKETS}. */
  public Timer timer(CascadeMeter m, String... tags) {
    return timer(m, CascadeMeter.LAG_BUCKETS, tags);
  }

  /** A histogram of durations with the given bucket bounds. */
  public Timer timer(CascadeMeter m, Duration[] buckets, String... tags) {
    check(m, CascadeMeter.Type.HISTOGRAM, tags);
    return Timer.builder(m.meterName()).description(m.description()).tags(tags)
        .serviceLevelObjectives(buckets).register(registry);
  }

  public void remove(Meter meter) {
    if (meter != null) {
      registry.remove(meter);
    }
  }

  private static void check(CascadeMeter m, CascadeMeter.Type type, String... tags) {
    if (m.type() != type) {
      throw new IllegalArgumentException(m + " is a " + m.type() + ", not a " + type);
    }
    Tags given = Tags.of(tags);
    if (given.stream().count() != m.tags().size()
        || !given.stream().allMatch(t -> m.tags().contains(t.getKey()))) {
      throw new IllegalArgumentException(m + " takes tags " + m.tags() + ", got " + given);
    }
  }

  /**
   * Netty's direct memory: its own count when it tracks allocations (the default with Unsafe),
   * else what the pooled allocator holds.
   */
  private static double nettyDirectMemory() {
    long tracked = PlatformDependent.usedDirectMemory();
    if (tracked >= 0) {
      return tracked;
    }
    ByteBufAllocatorMetricProvider pooled = PooledByteBufAllocator.DEFAULT;
    return pooled.metric().usedDirectMemory();
  }

  @Override
  public void close() {
    gc.close();
    heapPressure.close();
    registry.close();
  }
}
