package io.cascade.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Directory trees in tests and benches: their size, and removing them. */
public final class TestFiles {
  private TestFiles() {
  }

  /** Bytes of the regular files under {@code root}, at any depth. */
  public static long bytesUnder(Path root) throws IOException {
    try (Stream<Path> files = Files.walk(root)) {
      long total = 0;
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        total += Files.size(f);
      }
      return total;
    }
  }

  /** Deletes {@code root} and everything under it, deepest first. */
  public static void deleteTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
