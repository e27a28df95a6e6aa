package io.cascade.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads CPU time and resident memory of named processes from {@code /proc/PID/stat} and
 * {@code /proc/PID/status}, and the whole machine's busy CPU time from {@code /proc/stat}, so the
 * bench can put the server's own cost (nginx-rtmp, a Cascade jar) beside what it delivered. Times
 * are in clock ticks of {@link #TICKS_PER_SECOND} (USER_HZ, 100 on every Linux this runs on).
 * A process's time includes its threads, not its children: for nginx-rtmp name its worker.
 */
final class ProcSampler {
  static final double TICKS_PER_SECOND = 100;

  /** One reading: per watched process CPU ticks (utime + stime), VmRSS in KiB and stime ticks; machine busy and total ticks. */
  record Sample(Map<String, long[]> processes, long machineBusyTicks, long machineTotalTicks, long nanoTime) {
    long cpuTicks(String name) {
      return processes.get(name)[0];
    }

    long rssKib(String name) {
      return processes.get(name)[1];
    }

    long systemTicks(String name) {
      return processes.get(name)[2];
    }
  }

  private final Map<String, List<Long>> watched;

  /** {@code watched}: a name per process; a name may stand for several pids whose figures add up. */
  ProcSampler(Map<String, List<Long>> watched) {
    this.watched = watched;
  }

  /** Parses {@code name=pid[+pid...]} options; {@code self} is this JVM. */
  static Map<String, List<Long>> parseWatch(List<String> specs) {
    Map<String, List<Long>> out = new LinkedHashMap<>();
    for (String spec : specs) {
      int eq = spec.indexOf('=');
      if (eq <= 0 || eq == spec.length() - 1) {
        throw new IllegalArgumentException("--watch needs name=pid[+pid...]: " + spec);
      }
      List<Long> pids = new ArrayList<>();
      for (String p : spec.substring(eq + 1).split("\\+")) {
        try {
          pids.add(p.equals("self") ? ProcessHandle.current().pid() : Long.parseLong(p));
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("--watch needs numeric pids: " + spec);
        }
      }
      out.put(spec.substring(0, eq), List.copyOf(pids));
    }
    return out;
  }

  Map<String, List<Long>> watched() {
    return watched;
  }

  boolean available() {
    return Files.isReadable(Path.of("/proc/stat"));
  }

  Sample sample() {
    Map<String, long[]> processes = new LinkedHashMap<>();
    watched.forEach((name, pids) -> {
      long[] sum = new long[3];
      for (long pid : pids) {
        long[] t = cpuTicks(pid);
        sum[0] += t[0] + t[1];
        sum[1] += rssKib(pid);
        sum[2] += t[1];
      }
      processes.put(name, sum);
    });
    long[] machine = machineTicks();
    return new Sample(processes, machine[0], machine[1], System.nanoTime());
  }

  /** utime and stime of one process (fields 14 and 15; the command name may hold spaces, so count after ')'). */
  static long[] cpuTicks(long pid) {
    String stat = read(Path.of("/proc", Long.toString(pid), "stat"));
    if (stat == null) {
      return new long[2];
    }
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
    // f[0] is field 3 (state): utime is field 14, stime field 15.
    return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
  }

  /**
   * utime + stime of one process's threads, summed by {@code group} of each thread's name (field 2,
   * at most 15 characters); a thread that ends between listing and reading is skipped.
   */
  static Map<String, Long> threadTicks(long pid, java.util.function.Function<String, String> group) {
    Map<String, Long> ticks = new java.util.TreeMap<>();
    java.io.File[] tasks = Path.of("/proc", Long.toString(pid), "task").toFile().listFiles();
    if (tasks == null) {
      return ticks;
    }
    for (java.io.File task : tasks) {
      String stat = read(task.toPath().resolve("stat"));
      if (stat == null || stat.indexOf('(') < 0) {
        continue;
      }
      String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" +");
      ticks.merge(group.apply(name), Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum);
    }
    return ticks;
  }

  static long rssKib(long pid) {
    String status = read(Path.of("/proc", Long.toString(pid), "status"));
    if (status == null) {
      return 0;
    }
    for (String line : status.split("\n")) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.substring(6).trim().split(" +")[0]);
      }
    }
    return 0;
  }

  /**
   * Busy and total ticks of all CPUs: busy is user + nice + system + irq + softirq + steal (guest
   * time is already inside user); idle and iowait are not busy.
   */
  static long[] machineTicks() {
    String stat = read(Path.of("/proc/stat"));
    if (stat == null) {
      return new long[2];
    }
    String[] f = stat.substring(0, stat.indexOf('\n')).trim().split(" +");
    long user = Long.parseLong(f[1]);
    long nice = Long.parseLong(f[2]);
    long system = Long.parseLong(f[3]);
    long idle = Long.parseLong(f[4]);
    long iowait = Long.parseLong(f[5]);
    long irq = Long.parseLong(f[6]);
    long softirq = Long.parseLong(f[7]);
    long steal = f.length > 8 ? Long.parseLong(f[8]) : 0;
    long busy = user + nice + system + irq + softirq + steal;
    return new long[] {busy, busy + idle + iowait};
  }

  /** The 1-minute load average, or NaN. */
  static double loadAverage() {
    String s = read(Path.of("/proc/loadavg"));
    return s == null ? Double.NaN : Double.parseDouble(s.split(" ")[0]);
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.nio.file.NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
