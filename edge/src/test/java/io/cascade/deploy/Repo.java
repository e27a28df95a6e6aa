package io.cascade.deploy;

import java.nio.file.Files;
import java.nio.file.Path;

/** Paths of the repository the tests run in, found from the working directory (a module or the root). */
final class Repo {
  private Repo() {
  }

  static Path root() {
    Path dir = Path.of("").toAbsolutePath();
    for (Path p = dir; p != null; p = p.getParent()) {
      if (Files.isRegularFile(p.resolve("helm/cascade/Chart.yaml")) && Files.isRegularFile(p.resolve("pom.xml"))) {
        return p;
      }
    }
    throw new IllegalStateException("no repository root (with helm/cascade/Chart.yaml) above " + dir);
  }

  static Path chart() {
    return root().resolve("helm/cascade");
  }
}
