package io.cascade.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.live.LiveSettings;
import io.cascade.live.StreamManager;
import io.micrometer.core.instrument.Meter;
import io.netty.buffer.PooledByteBufAllocator;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/METRICS.md and the meters the code registers agree: the table in the doc is the catalog's,
 * and every {@code cascade_*} family a node exposes is in the catalog with its documented type.
 * The cluster ITs check the same against scrapes of running origin and edge processes.
 */
class MetricsCatalogTest {
  private static final Pattern TYPE_LINE = Pattern.compile("^# TYPE (cascade_\\S+) (\\S+)$", Pattern.MULTILINE);

  @Test
  void docsTableIsTheCatalog() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "METRICS.md"));
    int start = doc.indexOf("<!-- metrics-table:start -->\n");
    int end = doc.indexOf("<!-- metrics-table:end -->");
    assertThat(start).as("table markers in docs/METRICS.md").isNotNegative();
    String table = doc.substring(start + "<!-- metrics-table:start -->\n".length(), end);
    assertThat(table).as("paste CascadeMeter.markdownTable() into docs/METRICS.md").isEqualTo(CascadeMeter.markdownTable());
  }

  @Test
  void everyRegisteredCascadeMeterIsInTheCatalogWithItsType() {
    MetricsSettings settings = new MetricsSettings(true, true, 10, 20, Duration.ofMillis(250));
    try (NodeMetrics node = new NodeMetrics("origin", "n1", settings)) {
      StreamManager streams = new StreamManager(LiveSettings.DEFAULTS, PooledByteBufAllocator.DEFAULT);
      RtmpMetrics rtmp = new RtmpMetrics(node);
      LiveMetrics live = new LiveMetrics(node, streams);
      rtmp.attach(live);
      Object publisher = new Object();
      streams.publish("live/a", publisher);
      rtmp.app("live").delivered(1_000_000, 2);
      rtmp.app("live").delivered("http-flv", 1_000_000, 2);
      rtmp.authFailure("publish", "bad_signature");
      assertThat(rtmp.streamLag("live/a")).isNotNull();
      live.sample();
      streams.unpublish(streams.get("live/a"), publisher);

      Map<String, String> exposed = families(node.scrape());
      Map<String, String> catalog = Arrays.stream(CascadeMeter.values())
          .collect(Collectors.toMap(CascadeMeter::prometheusName, m -> m.type().prometheusType()));
      exposed.forEach((family, type) -> {
        String base = family.endsWith("_max") ? null : family;
        if (base != null) {
          assertThat(catalog).as("undocumented meter " + family).containsKey(family);
          assertThat(type).as(family).isEqualTo(catalog.get(family));
        }
      });
      // The common ones all exist once a node runs (edge, cluster and per-stream meters are
      // checked against running nodes in the cluster ITs).
      assertThat(exposed.keySet()).contains(
          CascadeMeter.FANOUT_LAG.prometheusName(), CascadeMeter.INGEST_LAG.prometheusName(),
          CascadeMeter.CONNECTIONS.prometheusName(), CascadeMeter.FRAMES_DROPPED.prometheusName(),
          CascadeMeter.QUEUE_BYTES.prometheusName(), CascadeMeter.STREAM_FANOUT_LAG.prometheusName(),
          CascadeMeter.AUTH_FAILURES.prometheusName(), CascadeMeter.NETTY_DIRECT_MEMORY.prometheusName());
    }
  }

  @Test
  void appTagIsBoundedAndTagsMustMatchTheCatalog() {
    MetricsSettings settings = new MetricsSettings(true, false, 10, 2, Duration.ofMillis(250));
    try (NodeMetrics node = new NodeMetrics("edge", "n1", settings)) {
      assertThat(node.app("a")).isEqualTo("a");
      assertThat(node.app("b")).isEqualTo("b");
      assertThat(node.app("c")).isEqualTo(NodeMetrics.OTHER_APP);
      assertThat(node.app("a")).isEqualTo("a");
      assertThat(node.app("")).isEqualTo(NodeMetrics.OTHER_APP);
      assertThatThrownBy(() -> node.counter(CascadeMeter.PUBLISHES_STARTED, "stream", "x"))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> node.counter(CascadeMeter.FANOUT_LAG, "app", "x"))
          .isInstanceOf(IllegalArgumentException.class);
      Set<String> names = node.registry().getMeters().stream().map(Meter::getId).map(Meter.Id::getName)
          .collect(Collectors.toSet());
      assertThat(names).contains("jvm.memory.used", "jvm.threads.live", "process.cpu.usage", "cascade.netty.direct.memory");
    }
  }

  static Map<String, String> families(String scrape) {
    Map<String, String> out = new HashMap<>();
    Matcher m = TYPE_LINE.matcher(scrape);
    while (m.find()) {
      String name = m.group(1);
      String type = m.group(2);
      // The text format names counters' families without _total in TYPE lines.
      out.put(type.equals("counter") && !name.endsWith("_total") ? name + "_total" : name, type);
    }
    return out;
  }
}
