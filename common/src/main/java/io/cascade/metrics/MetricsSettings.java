package io.cascade.metrics;

import static io.cascade.config.ConfigSchema.METRICS_ENABLED;
import static io.cascade.config.ConfigSchema.METRICS_MAX_APPS;
import static io.cascade.config.ConfigSchema.METRICS_PER_STREAM;
import static io.cascade.config.ConfigSchema.METRICS_PER_STREAM_MAX;
import static io.cascade.config.ConfigSchema.METRICS_RELAY_CLOCK_INTERVAL;

import io.cascade.config.CascadeConfig;
import java.time.Duration;

/**
 * What a node measures, taken from the {@code metrics.*} settings.
 *
 * @param enabled serve /metrics and measure fan-out lag
 * @param perStream also export series per stream
 * @param perStreamMax most streams with series of their own
 * @param maxApps most distinct values of the app tag
 * @param relayClockInterval how often an origin stamps its clock into a relay to an edge
 */
public record MetricsSettings(
    boolean enabled, boolean perStream, int perStreamMax, int maxApps, Duration relayClockInterval) {

  public static MetricsSettings from(CascadeConfig config) {
    return new MetricsSettings(config.get(METRICS_ENABLED), config.get(METRICS_PER_STREAM),
        config.get(METRICS_PER_STREAM_MAX), config.get(METRICS_MAX_APPS), config.get(METRICS_RELAY_CLOCK_INTERVAL));
  }

  /** The schema's defaults, for nodes started in tests without a config file. */
  public static MetricsSettings defaults() {
    return from(CascadeConfig.defaults());
  }
}
