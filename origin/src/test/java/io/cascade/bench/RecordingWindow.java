package io.cascade.bench;

import static io.cascade.bench.OriginMetrics.get;
import static io.cascade.bench.OriginMetrics.p95;
import static io.cascade.bench.OriginMetrics.sum;

import io.cascade.client.SyntheticPublisher;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One row of {@link RecordingBench}: what the origin spent over a window (its CPU, split by thread
 * group), recorded, wrote and uploaded, from two {@link Snapshot}s of its counters.
 */
record RecordingWindow(String mode, int round, double loadAverage, double windowSeconds, double originCpuSeconds,
    double originSystemSeconds, double machineBusyCores, double recordedMBps, double diskWriteMBps,
    long segments, long droppedBytes, long errors, long uploadedFiles, double uploadedMBps, long uploadFailures,
    double uploadLagMeanSeconds, double uploadLagP95Seconds, long lateFrames, long framesSent, String failure,
    Map<String, Long> threadTicks) {
  double cores() {
    return originCpuSeconds / windowSeconds;
  }

  /** Cores spent by the origin's threads of one {@link #threadGroup}. */
  double cores(String group) {
    return threadTicks.getOrDefault(group, 0L) / ProcSampler.TICKS_PER_SECOND / windowSeconds;
  }

  /** Where the origin's CPU goes: event loops, the recording writer, the JIT compilers, the rest. */
  static String threadGroup(String name) {
    if (name.startsWith("vert.x-eventloo")) {
      return "loops";
    }
    if (name.startsWith("cascade-recordi")) {
      return "writer";
    }
    if (name.startsWith("C1 CompilerThre") || name.startsWith("C2 CompilerThre")) {
      return "jit";
    }
    return "other";
  }

  /** The origin's counters at one moment; two of them make a window. */
  record Snapshot(Map<String, Double> metrics, long[] cpu, Map<String, Long> threads, long writeBytes,
      long[] machine, long nanos, double load) {
    /**
     * nginx-rtmp's processes {@code pids}: CPU and write bytes summed, no thread groups; the bytes
     * under {@code recordings} stand for the recording byte counter it does not have.
     */
    static Snapshot ofProcesses(long[] pids, Path recordings) {
      long[] cpu = new long[2];
      long written = 0;
      for (long pid : pids) {
        long[] c = ProcSampler.cpuTicks(pid);
        cpu[0] += c[0];
        cpu[1] += c[1];
        written += RecordingWindow.writeBytes(pid);
      }
      Map<String, Double> metrics = Map.of("cascade_recording_bytes_total", (double) NginxRecorder.bytesUnder(recordings));
      return new Snapshot(metrics, cpu, Map.of(), written, ProcSampler.machineTicks(), System.nanoTime(),
          ProcSampler.loadAverage());
    }

    static Snapshot take(OriginMetrics scraper, long pid, int httpPort) throws IOException, InterruptedException {
      Map<String, Double> metrics = scraper.scrape(httpPort);
      return new Snapshot(metrics, ProcSampler.cpuTicks(pid), ProcSampler.threadTicks(pid, RecordingWindow::threadGroup),
          RecordingWindow.writeBytes(pid), ProcSampler.machineTicks(), System.nanoTime(), ProcSampler.loadAverage());
    }
  }

  /**
   * One row from the window {@code a}..{@code b}; uploads up to {@code drained} (the end of the
   * window, or later once the uploads it handed over finished); {@code late} frames or -1 when not
   * known per window.
   */
  static RecordingWindow measure(String mode, int round, Snapshot a, Snapshot b, Map<String, Double> drained, long late,
      List<SyntheticPublisher> publishers) {
    Map<String, Double> m0 = a.metrics();
    Map<String, Double> m1 = b.metrics();
    double seconds = (b.nanos() - a.nanos()) / 1e9;
    Map<String, Long> threads = new HashMap<>(b.threads());
    a.threads().forEach((group, ticks) -> threads.merge(group, -ticks, Long::sum));
    long frames = publishers.stream().mapToLong(p -> p.videoFramesSent() + p.audioFramesSent()).sum();
    double lagCount = get(drained, "cascade_recording_upload_lag_seconds_count")
        - get(m0, "cascade_recording_upload_lag_seconds_count");
    double lagSum = get(drained, "cascade_recording_upload_lag_seconds_sum")
        - get(m0, "cascade_recording_upload_lag_seconds_sum");
    long errors = (long) (sum(m1, "cascade_recording_errors_total") - sum(m0, "cascade_recording_errors_total"));
    long uploadFailures = (long) (sum(drained, "cascade_recording_upload_failures_total")
        - sum(m0, "cascade_recording_upload_failures_total"));
    long dropped = (long) (get(m1, "cascade_recording_dropped_bytes_total")
        - get(m0, "cascade_recording_dropped_bytes_total"));
    String failure = errors > 0 || uploadFailures > 0 || dropped > 0
        ? "errors " + errors + ", upload failures " + uploadFailures + ", dropped bytes " + dropped : null;
    return new RecordingWindow(mode, round, a.load(), seconds,
        (b.cpu()[0] + b.cpu()[1] - a.cpu()[0] - a.cpu()[1]) / ProcSampler.TICKS_PER_SECOND,
        (b.cpu()[1] - a.cpu()[1]) / ProcSampler.TICKS_PER_SECOND,
        (b.machine()[0] - a.machine()[0]) / (double) Math.max(1, b.machine()[1] - a.machine()[1])
            * Runtime.getRuntime().availableProcessors(),
        (get(m1, "cascade_recording_bytes_total") - get(m0, "cascade_recording_bytes_total")) / seconds / 1e6,
        (b.writeBytes() - a.writeBytes()) / seconds / 1e6,
        (long) (get(m1, "cascade_recording_segments_total") - get(m0, "cascade_recording_segments_total")),
        dropped, errors,
        (long) (get(drained, "cascade_recording_upload_files_total") - get(m0, "cascade_recording_upload_files_total")),
        (get(drained, "cascade_recording_upload_bytes_total") - get(m0, "cascade_recording_upload_bytes_total"))
            / seconds / 1e6,
        uploadFailures, lagCount > 0 ? lagSum / lagCount : Double.NaN, p95(m0, drained), late, frames, failure,
        threads);
  }

  /** write_bytes of /proc/PID/io: what the process caused to be written to storage (0 if unreadable). */
  private static long writeBytes(long pid) {
    try {
      for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "io"))) {
        if (l.startsWith("write_bytes:")) {
          return Long.parseLong(l.substring(12).trim());
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return 0;
  }
}
