package io.cascade.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code helm template} and {@code helm lint} of the chart through helm-java's bundled native Helm:
 * no helm binary, no cluster, no network.
 */
final class ChartRenderer {
  static final String RELEASE = "cascade";
  static final String NAMESPACE = "streaming";
  /** Kubernetes version the chart is rendered for (Chart.yaml asks for 1.23 or newer). */
  static final String KUBE_VERSION = "1.30.0";

  private final Path chart;

  ChartRenderer(Path chart) {
    this.chart = chart;
  }

  /** The rendered manifests with the chart's defaults, then {@code valuesFile} when not null. */
  String template(Path valuesFile, String release, String namespace) {
    TemplateCommand command = new Helm(chart).template().withName(release).withNamespace(namespace)
        .withKubeVersion(KUBE_VERSION);
    if (valuesFile != null) {
      command = command.withValuesFile(valuesFile);
    }
    return command.call();
  }

  String template(Path valuesFile) {
    return template(valuesFile, RELEASE, NAMESPACE);
  }

  /**
   * {@code helm lint --strict}. helm-java's lint takes no values file, so a scenario is linted as a
   * copy of the chart whose values.yaml is the defaults with the scenario merged over them.
   */
  LintResult lint(Path valuesFile) {
    if (valuesFile == null) {
      return new Helm(chart).lint().strict().call();
    }
    Path copy = null;
    try {
      copy = Files.createTempDirectory("cascade-chart-");
      Path target = copy.resolve(chart.getFileName());
      copyTree(chart, target);
      Map<String, Object> values = load(chart.resolve("values.yaml"));
      merge(values, load(valuesFile));
      DumperOptions options = new DumperOptions();
      options.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
      Files.writeString(target.resolve("values.yaml"), new Yaml(options).dump(values));
      return new Helm(target).lint().strict().call();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (copy != null) {
        deleteTree(copy);
      }
    }
  }

  private static Map<String, Object> load(Path file) throws IOException {
    Object loaded = new Yaml().load(Files.readString(file));
    return loaded == null ? new LinkedHashMap<>() : castMap(loaded);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> castMap(Object o) {
    return (Map<String, Object>) o;
  }

  /** Helm's rule: maps merge key by key, anything else is replaced. */
  private static void merge(Map<String, Object> base, Map<String, Object> over) {
    over.forEach((key, value) -> {
      Object old = base.get(key);
      if (old instanceof Map && value instanceof Map) {
        merge(castMap(old), castMap(value));
      } else {
        base.put(key, value);
      }
    });
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : (Iterable<Path>) paths::iterator) {
        Path dest = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(p, dest);
        }
      }
    }
  }

  private static void deleteTree(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // A temporary directory; nothing depends on it being gone.
    }
  }
}
