package io.cascade.observability;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shipped dashboards are what {@link Dashboards} generates, and each is well-formed for
 * Grafana: uid and title, a data-source template variable, every panel and target reading the data
 * source from that variable (no hard-coded UIDs), unique panel ids, a grid that fits.
 */
class DashboardsTest {
  static final Path DIR = Path.of("..", "grafana", "dashboards");

  @Test
  void shippedFilesAreTheGeneratorsOutput() throws IOException {
    Map<String, JsonObject> generated = Dashboards.all();
    try (Stream<Path> files = Files.list(DIR)) {
      assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")))
          .as("dashboards in grafana/dashboards").containsExactlyInAnyOrderElementsOf(generated.keySet());
    }
    for (Map.Entry<String, JsonObject> e : generated.entrySet()) {
      assertThat(Files.readString(DIR.resolve(e.getKey())))
          .as("grafana/dashboards/%s is stale: regenerate with Dashboards.main", e.getKey())
          .isEqualTo(Dashboards.render(e.getValue()));
    }
  }

  @Test
  void everyDashboardIsWellFormedForGrafana() throws IOException {
    Set<String> uids = new HashSet<>();
    try (Stream<Path> files = Files.list(DIR)) {
      for (Path file : files.toList()) {
        JsonObject d = new JsonObject(Files.readString(file));
        String name = file.getFileName().toString();
        assertThat(d.getString("uid")).as(name + " uid").isNotBlank().hasSizeLessThanOrEqualTo(40);
        assertThat(uids.add(d.getString("uid"))).as(name + " uid unique").isTrue();
        assertThat(d.getString("title")).as(name + " title").startsWith("Cascade / ");
        assertThat(d.getInteger("schemaVersion")).as(name + " schemaVersion").isGreaterThanOrEqualTo(36);
        JsonArray vars = d.getJsonObject("templating").getJsonArray("list");
        JsonObject ds = vars.stream().map(JsonObject.class::cast).filter(v -> "datasource".equals(v.getString("type")))
            .findFirst().orElseThrow(() -> new AssertionError(name + " has no data-source variable"));
        assertThat(ds.getString("name")).isEqualTo("datasource");
        assertThat(ds.getString("query")).isEqualTo("prometheus");
        assertNoHardCodedDatasource(name, d);
        Set<Integer> ids = new HashSet<>();
        JsonArray panels = d.getJsonArray("panels");
        assertThat(panels).as(name + " panels").isNotEmpty();
        for (Object o : panels) {
          JsonObject p = (JsonObject) o;
          assertThat(ids.add(p.getInteger("id"))).as(name + " panel id " + p.getInteger("id")).isTrue();
          JsonObject pos = p.getJsonObject("gridPos");
          assertThat(pos.getInteger("x") + pos.getInteger("w")).as(name + " " + p.getString("title")).isLessThanOrEqualTo(24);
          if ("row".equals(p.getString("type"))) {
            continue; // a row header has no query
          }
          assertThat(p.getJsonArray("targets")).as(name + " " + p.getString("title") + " targets").isNotEmpty();
          for (Object t : p.getJsonArray("targets")) {
            assertThat(((JsonObject) t).getString("expr")).as(name + " " + p.getString("title")).isNotBlank();
            assertThat(((JsonObject) t).getString("refId")).isNotBlank();
          }
        }
      }
    }
    assertThat(uids).as("one uid per generated dashboard").hasSize(Dashboards.all().size());
  }

  /** Every {@code datasource} object anywhere in the dashboard points at the variable. */
  private static void assertNoHardCodedDatasource(String name, Object node) {
    if (node instanceof JsonObject o) {
      for (String key : o.fieldNames()) {
        Object v = o.getValue(key);
        if (key.equals("datasource") && v instanceof JsonObject ds) {
          assertThat(ds.getString("uid")).as(name + ": datasource uid").isEqualTo(Dashboards.DS);
        } else {
          assertNoHardCodedDatasource(name, v);
        }
      }
    } else if (node instanceof JsonArray a) {
      a.forEach(v -> assertNoHardCodedDatasource(name, v));
    }
  }
}
