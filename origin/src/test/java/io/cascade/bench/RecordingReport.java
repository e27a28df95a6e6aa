package io.cascade.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The text {@link RecordingBench} prints: a line per window, the table, and each mode pooled over its rounds. */
final class RecordingReport {
  private RecordingReport() {
  }

  /** The table of {@code runs} under {@code header}, each row with its ratio to its base, then the pooled lines. */
  static String table(List<RecordingWindow> runs, String header) {
    StringBuilder report = new StringBuilder(header);
    report.append(String.format(Locale.ROOT, "%-12s %-3s %5s %7s %7s %7s %7s %7s %7s %8s %8s %5s %6s %6s %8s %9s %8s %6s %s%n",
        "mode", "run", "load", "cores", "sys", "loops", "writer", "jit", "ratio", "recMB/s", "diskMB/s", "segs", "drop", "upl", "uplMB/s",
        "lagMean", "lagP95", "late", "failure"));
    for (RecordingWindow r : runs) {
      RecordingWindow base = runs.stream().filter(b -> b.round() == r.round() && b.mode().equals(baseMode(r.mode())))
          .findFirst().orElse(null);
      double ratio = base == null || base.cores() <= 0 ? Double.NaN : r.cores() / base.cores();
      report.append(String.format(Locale.ROOT,
          "%-12s %-3d %5.2f %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %8.2f %8.2f %5d %6d %6d %8.2f %9.3f %8s %6s %s%n",
          r.mode(), r.round(), r.loadAverage(), r.cores(), r.originSystemSeconds() / r.windowSeconds(),
          r.cores("loops"), r.cores("writer"), r.cores("jit"), ratio, r.recordedMBps(),
          r.diskWriteMBps(), r.segments(), r.droppedBytes(), r.uploadedFiles(), r.uploadedMBps(),
          r.uploadLagMeanSeconds(), Double.isNaN(r.uploadLagP95Seconds()) ? "-" : "<=" + r.uploadLagP95Seconds(),
          r.lateFrames() < 0 ? "-" : Long.toString(r.lateFrames()), r.failure() == null ? "" : r.failure()));
    }
    report.append(pooled(runs));
    return report.toString();
  }

  /** Each row is compared with the row of this mode of the same round: its build's off, or the toggle's off window. */
  static String baseMode(String mode) {
    if (mode.startsWith(RecordingToggle.MODE)) {
      return RecordingToggle.OFF;
    }
    if (mode.startsWith("nginx")) {
      return "nginx-off";
    }
    return mode.endsWith(RecordingBench.BEFORE) ? "off" + RecordingBench.BEFORE : "off";
  }

  /**
   * Per mode over every round: the sum of its cores against the sum of its base's, and the mean
   * difference per thread group, so that rounds that moved together are not read one by one.
   */
  private static String pooled(List<RecordingWindow> runs) {
    StringBuilder out = new StringBuilder();
    List<String> modes = runs.stream().map(RecordingWindow::mode).distinct().toList();
    for (String mode : modes) {
      String baseMode = baseMode(mode);
      if (mode.equals(baseMode)) {
        continue;
      }
      double cores = 0;
      double baseCores = 0;
      Map<String, Double> delta = new LinkedHashMap<>();
      int rounds = 0;
      for (RecordingWindow r : runs) {
        RecordingWindow base = runs.stream().filter(b -> b.round() == r.round() && b.mode().equals(baseMode)).findFirst()
            .orElse(null);
        if (!r.mode().equals(mode) || base == null) {
          continue;
        }
        rounds++;
        cores += r.cores();
        baseCores += base.cores();
        for (String group : List.of("loops", "writer", "jit", "other")) {
          delta.merge(group, r.cores(group) - base.cores(group), Double::sum);
        }
      }
      if (rounds == 0) {
        continue;
      }
      out.append(String.format(Locale.ROOT, "pooled %s over %d round(s): %.4f against %.4f cores, ratio %.3f;"
          + " mean difference %+.4f cores (", mode, rounds, cores / rounds, baseCores / rounds, cores / baseCores,
          (cores - baseCores) / rounds));
      int n = rounds;
      out.append(String.join(", ", delta.entrySet().stream()
          .map(e -> String.format(Locale.ROOT, "%s %+.4f", e.getKey(), e.getValue() / n)).toList()));
      out.append(")%n".formatted());
    }
    return out.toString();
  }

  static String line(RecordingWindow r) {
    return String.format(Locale.ROOT, "== %s round %d: load %.2f, origin %.3f cores (%.3f system; loops %.3f, writer"
        + " %.3f, jit %.3f), %.2f MB/s recorded, %d uploads, lag mean %.3f s%s", r.mode(), r.round(), r.loadAverage(),
        r.cores(), r.originSystemSeconds() / r.windowSeconds(), r.cores("loops"), r.cores("writer"), r.cores("jit"),
        r.recordedMBps(), r.uploadedFiles(), r.uploadLagMeanSeconds(),
        r.failure() == null ? "" : ", FAILED: " + r.failure());
  }
}
