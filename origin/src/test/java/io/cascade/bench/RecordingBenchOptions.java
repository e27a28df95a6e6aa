package io.cascade.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The command line of {@link RecordingBench}; every value bounded. */
record RecordingBenchOptions(int streams, int bitrateKbps, int warmupSeconds, int durationSeconds, List<String> modes,
    int rounds, int togglePairs, String fsync, List<String> jfr, Path jar, Path beforeJar, String jvm, Path workDir,
    boolean keepFiles) {
  static RecordingBenchOptions parse(String[] args) {
    int streams = 50;
    int bitrate = 4000;
    int warmup = 10;
    int duration = 30;
    List<String> modes = List.of("off", "disk", "s3");
    int rounds = 1;
    int pairs = 3;
    boolean keep = false;
    String fsync = "segment";
    List<String> jfr = List.of();
    Path jar = Path.of("origin/target/cascade-origin.jar");
    Path beforeJar = null;
    String jvm = "-Xms512m -Xmx512m -XX:+AlwaysPreTouch -XX:MaxDirectMemorySize=512m";
    Path work = Path.of("origin/target/recbench");
    for (int i = 0; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + args[i]);
      }
      String v = args[i + 1];
      switch (args[i]) {
        case "--streams" -> streams = bounded("--streams", v, 1, 500);
        case "--bitrate-kbps" -> bitrate = bounded("--bitrate-kbps", v, 100, 50_000);
        case "--warmup-seconds" -> warmup = bounded("--warmup-seconds", v, 2, 600);
        case "--duration-seconds" -> duration = bounded("--duration-seconds", v, 5, 600);
        case "--modes" -> modes = modes(v);
        case "--rounds" -> rounds = bounded("--rounds", v, 1, 5);
        case "--toggle-pairs" -> pairs = bounded("--toggle-pairs", v, 1, 10);
        case "--keep-files" -> keep = switch (v) {
          case "yes" -> true;
          case "no" -> false;
          default -> throw new IllegalArgumentException("--keep-files needs yes or no: " + v);
        };
        case "--fsync" -> fsync = switch (v) {
          case "segment", "none" -> v;
          default -> throw new IllegalArgumentException("--fsync needs segment or none: " + v);
        };
        case "--jfr" -> jfr = modes(v);
        case "--jar" -> jar = Path.of(v);
        case "--before-jar" -> beforeJar = Path.of(v);
        case "--origin-jvm" -> jvm = v;
        case "--work" -> work = Path.of(v);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (--streams, --bitrate-kbps, --warmup-seconds, --duration-seconds, --modes, --rounds, --toggle-pairs,"
            + " --fsync, --jfr, --jar, --before-jar, --origin-jvm, --work, --keep-files)");
      }
    }
    return new RecordingBenchOptions(streams, bitrate, warmup, duration, modes, rounds, pairs, fsync, jfr, jar, beforeJar,
        jvm, work, keep);
  }

  private static List<String> modes(String v) {
    List<String> list = new ArrayList<>();
    for (String m : v.split(",")) {
      if (!List.of("off", "disk", "disk-buffered", "disk-nosync", "s3", "s3tls", RecordingToggle.MODE, "nginx-off",
          "nginx-record").contains(m)) {
        throw new IllegalArgumentException("modes are off, disk, disk-buffered, disk-nosync, s3, s3tls, toggle,"
            + " nginx-off and nginx-record: " + v);
      }
      list.add(m);
    }
    return List.copyOf(list);
  }

  private static int bounded(String name, String v, int min, int max) {
    int n = Integer.parseInt(v);
    if (n < min || n > max) {
      throw new IllegalArgumentException(name + " must be in " + min + ".." + max + ": " + v);
    }
    return n;
  }
}
