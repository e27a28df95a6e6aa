package io.cascade.origin;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real file system faults for recording tests: a size-limited tmpfs (a disk that fills up) and a
 * read-only bind mount (a directory that stops being writable). Needs root (or CAP_SYS_ADMIN);
 * {@link #run} says why when it cannot, so a test can log the reason and take another way.
 */
final class Mounts {
  private static final long TIMEOUT_SECONDS = 20;

  private Mounts() {
  }

  /** Null when {@code command} succeeded, else its exit code and output (why it could not). */
  static String run(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return String.join(" ", command) + ": no answer in " + TIMEOUT_SECONDS + " s";
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.exitValue() == 0 ? null : String.join(" ", command) + ": exit " + p.exitValue() + " " + out;
    } catch (IOException e) {
      return String.join(" ", command) + ": " + e;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  /** Mounts a tmpfs of {@code mebibytes} at {@code dir}; null on success, else why not. */
  static String tmpfs(Path dir, int mebibytes) {
    return run("mount", "-t", "tmpfs", "-o", "size=" + mebibytes + "m", "tmpfs", dir.toString());
  }

  /** Makes {@code dir} read-only by a bind mount over itself; null on success, else why not. */
  static String readOnly(Path dir) {
    String failed = run("mount", "--bind", dir.toString(), dir.toString());
    if (failed != null) {
      return failed;
    }
    failed = run("mount", "-o", "remount,ro,bind", dir.toString());
    if (failed != null) {
      unmount(dir);
    }
    return failed;
  }

  /** Unmounts {@code dir}, lazily if it is busy; returns what failed, empty when nothing did. */
  static List<String> unmount(Path dir) {
    List<String> problems = new ArrayList<>();
    String failed = run("umount", dir.toString());
    if (failed != null) {
      problems.add(failed);
      String lazy = run("umount", "-l", dir.toString());
      if (lazy != null) {
        problems.add(lazy);
      }
    }
    return problems;
  }
}
