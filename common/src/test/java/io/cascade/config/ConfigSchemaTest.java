package io.cascade.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.config.ValueType.DurationType;
import io.cascade.config.ValueType.EnumType;
import io.cascade.config.ValueType.IntType;
import io.cascade.config.ValueType.ListType;
import io.cascade.config.ValueType.LongType;
import io.cascade.config.ValueType.SizeType;
import io.cascade.config.ValueType.StringType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

class ConfigSchemaTest {

  @Test
  void envNamesSplitPathSegmentsAndCamelCase() {
    assertThat(Setting.envName("rtmp.port")).isEqualTo("CASCADE_RTMP_PORT");
    assertThat(Setting.envName("rtmp.chunkSize")).isEqualTo("CASCADE_RTMP_CHUNK_SIZE");
    assertThat(Setting.envName("live.gopCache.maxBytes"))
        .isEqualTo("CASCADE_LIVE_GOP_CACHE_MAX_BYTES");
    assertThat(Setting.envName("cluster.members")).isEqualTo("CASCADE_CLUSTER_MEMBERS");
    assertThat(ConfigSchema.byEnvName("CASCADE_RTMP_WRITE_BUFFER_HIGH_WATER_MARK"))
        .map(Setting::path)
        .hasValue("rtmp.writeBufferHighWaterMark");
  }

  @Test
  void defaultsSurviveAFormatAndParseRoundTrip() {
    for (Setting<?> s : ConfigSchema.settings()) {
      Object value = s.defaultValue();
      assertThat(s.type().parse(s.format(value))).as(s.path()).isEqualTo(value);
    }
  }

  /** HTTPS uses the RTMPS certificate settings: without them it does not start. */
  @Test
  void httpsNeedsTheCertificateAndKeyFiles() {
    assertThatThrownBy(() -> load(Map.of("https.enabled", "true", "rtmps.keyFile", "key.pem")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("rtmps.certFile").hasMessageContaining("https.enabled");
    assertThatThrownBy(() -> load(Map.of("https.enabled", "true", "rtmps.certFile", "cert.pem")))
        .isInstanceOf(ConfigException.class).hasMessageContaining("rtmps.keyFile");
    assertThat(load(Map.of("https.enabled", "true", "rtmps.certFile", "cert.pem", "rtmps.keyFile", "key.pem"))
        .get(ConfigSchema.HTTPS_PORT)).isEqualTo(8443);
  }

  /** Changing one setting changes its own value and no other. */
  @Test
  void eachSettingHoldsItsOwnValue() {
    Map<String, Object> defaults = flatten(load(Map.of()));
    assertThat(defaults.keySet())
        .containsExactlyInAnyOrderElementsOf(
            ConfigSchema.settings().stream().map(Setting::path).toList());

    for (Setting<?> s : ConfigSchema.settings()) {
      Map<String, Object> changed = flatten(loadWithAnyOtherValue(s, defaults.get(s.path())));
      List<String> differing =
          defaults.keySet().stream()
              .filter(path -> !Objects.equals(defaults.get(path), changed.get(path)))
              .filter(path -> !path.equals("node.id") || s.path().equals("node.id"))
              .filter(path -> !COMPANIONS.getOrDefault(s.path(), Map.of()).containsKey(path))
              .toList();
      assertThat(differing).as(s.path()).containsExactly(s.path());
    }
  }

  @Test
  void docsTableMatchesSchema() throws IOException {
    Path doc = findDoc();
    List<String> lines = Files.readAllLines(doc);
    int start = lines.indexOf("## Settings");
    assertThat(start).as("'## Settings' heading in " + doc).isNotNegative();
    Map<String, String> rows = new LinkedHashMap<>();
    for (String line : lines.subList(start, lines.size())) {
      if (line.startsWith("| `")) {
        rows.put(line.substring(3, line.indexOf('`', 3)), line);
      }
    }

    List<String> problems = new ArrayList<>();
    for (Setting<?> s : ConfigSchema.settings()) {
      String expected = ConfigSchema.markdownRow(s);
      String actual = rows.remove(s.path());
      if (actual == null) {
        problems.add("missing: " + expected);
      } else if (!actual.equals(expected)) {
        problems.add("differs: doc has\n  " + actual + "\nschema gives\n  " + expected);
      }
    }
    rows.keySet().forEach(path -> problems.add("not in the schema: " + path));
    if (problems.isEmpty() && !Files.readString(doc).contains(ConfigSchema.markdownTable())) {
      problems.add("the table's rows are not in schema order");
    }
    assertThat(problems)
        .as("paste ConfigSchema.markdownTable() into %s:%n%s", doc, ConfigSchema.markdownTable())
        .isEmpty();
  }

  private static Path findDoc() {
    Path dir = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
    for (; dir != null; dir = dir.getParent()) {
      Path doc = dir.resolve("docs/CONFIGURATION.md");
      if (Files.exists(doc)) {
        return doc;
      }
    }
    throw new AssertionError("docs/CONFIGURATION.md not found above the working directory");
  }

  private static CascadeConfig load(Map<String, Object> overrides) {
    return ConfigLoader.load(null, Map.of(), overrides).config();
  }

  /** Settings that some values of another setting require, set alongside it and not compared. */
  private static final Map<String, Map<String, Object>> COMPANIONS =
      Map.of(
          "cluster.discovery", Map.of("cluster.kubernetes.serviceDns", "cascade.svc"),
          "rtmps.enabled", Map.of("rtmps.certFile", "cert.pem", "rtmps.keyFile", "key.pem"),
          "https.enabled", Map.of("rtmps.certFile", "cert.pem", "rtmps.keyFile", "key.pem"),
          "recording.s3.enabled", Map.of("recording.s3.bucket", "recordings"));

  /** Tries each candidate until one loads; some are refused by a check against another key. */
  private static CascadeConfig loadWithAnyOtherValue(Setting<?> s, Object current) {
    for (String text : otherValues(s.type())) {
      Object value;
      try {
        value = s.type().parse(text);
      } catch (IllegalArgumentException e) {
        continue; // not an item of this list type
      }
      if (Objects.equals(normalize(value), current)) {
        continue;
      }
      Map<String, Object> overrides = new LinkedHashMap<>(COMPANIONS.getOrDefault(s.path(), Map.of()));
      overrides.put(s.path(), text);
      try {
        return load(overrides);
      } catch (ConfigException e) {
        // refused by a cross-field check; try the next candidate
      }
    }
    throw new AssertionError("no other valid value for " + s.path());
  }

  private static List<String> otherValues(ValueType<?> type) {
    if (type instanceof IntType t) {
      return List.of(Integer.toString(t.min()), Integer.toString(t.max()));
    } else if (type instanceof LongType t) {
      return List.of(Long.toString(t.min()), Long.toString(t.max()));
    } else if (type instanceof SizeType t) {
      return List.of(t.format(t.min()), t.format(t.max()));
    } else if (type instanceof DurationType t) {
      // The middle candidate passes checks such as "at least twice" that both bounds can fail.
      return List.of(
          t.format(t.min()), t.format(t.max()), t.format(t.min().plusSeconds(1)));
    } else if (type instanceof EnumType<?> t) {
      return Stream.of(t.enumClass().getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT)).toList();
    } else if (type instanceof StringType) {
      return List.of("changed-by-test");
    } else if (type instanceof ListType) {
      return List.of("10.9.8.7:5701", "10.9.8.0/24");
    } else if (type instanceof ValueType.BooleanType) {
      return List.of("true", "false");
    }
    throw new AssertionError("no test values for " + type);
  }

  /** Every value by path. */
  private static Map<String, Object> flatten(CascadeConfig config) {
    Map<String, Object> values = new LinkedHashMap<>();
    for (Setting<?> s : ConfigSchema.settings()) {
      values.put(s.path(), normalize(config.get(s)));
    }
    return values;
  }

  private static Object normalize(Object value) {
    return value instanceof Integer i ? Long.valueOf(i) : value;
  }
}
