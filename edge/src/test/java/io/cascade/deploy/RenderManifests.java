package io.cascade.deploy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Renders the plain manifests k8s/cascade.yaml from the chart with k8s/values.yaml; run by
 * k8s/render.sh. {@code HelmChartTest} renders again and fails when the file differs.
 */
public final class RenderManifests {
  static final String RELEASE = "cascade";
  static final String NAMESPACE = "cascade";
  static final String HEADER = """
      # Generated from the Helm chart helm/cascade with k8s/values.yaml by k8s/render.sh: do not edit,
      # change the chart or k8s/values.yaml and render again. Namespace cascade; the cluster secret
      # is the Secret cascade-secret (key cluster-secret), created beforehand (README).
      """;

  private RenderManifests() {
  }

  static Path output(Path root) {
    return root.resolve("k8s/cascade.yaml");
  }

  static String render(Path root) {
    String rendered = new ChartRenderer(root.resolve("helm/cascade"))
        .template(root.resolve("k8s/values.yaml"), RELEASE, NAMESPACE);
    return HEADER + rendered.strip() + "\n";
  }

  public static void main(String[] args) throws IOException {
    Path root = Repo.root();
    Path out = output(root);
    Files.writeString(out, render(root));
    System.out.println("wrote " + out);
  }
}
