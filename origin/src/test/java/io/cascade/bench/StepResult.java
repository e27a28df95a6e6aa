package io.cascade.bench;

import io.cascade.client.SyntheticMedia;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * One player count of a stepped run and whether it held: lag p99 within the bound, no failed
 * connect and no player closed by the server so far, and at least {@link #MIN_DELIVERED_SHARE} of
 * the expected payload delivered (a server that drops frames instead of queueing them would
 * otherwise pass on lag alone).
 */
record StepResult(int players, int playing, long failed, long closed, LatencyHistogram lag, double deliveredMbps,
    double expectedMbps, long playersWithGaps, long missingFrames, double ttffP50Ms, double ttffP99Ms,
    FanoutBench.Window window, ProcSampler.Sample baseline, boolean pass, String verdict) {

  static final double MIN_DELIVERED_SHARE = 0.95;

  static StepResult of(int target, int firstNew, List<BenchPlayer> all, FanoutBench.Window w, ProcSampler.Sample baseline,
      SyntheticMedia.Profile profile, double maxLagMs) {
    List<BenchPlayer> normal = all.stream().filter(p -> !p.slow).toList();
    long failed = all.stream().filter(p -> p.failure != null).count();
    long closed = all.stream().filter(p -> p.unexpectedClose != null).count();
    long slowPlaying = all.stream().filter(p -> p.slow && p.firstFrameNanos != 0).count();
    int playing = (int) Math.max(0, w.playingAtStart() - slowPlaying);
    double delivered = w.bytes()[0] * 8 / w.seconds() / 1e6;
    double expected = playing * profile.bitsPerSecond() / 1e6;
    double[] ttff = all.subList(firstNew, all.size()).stream().filter(p -> !p.slow).mapToLong(BenchPlayer::ttffNanos)
        .filter(n -> n >= 0).sorted().mapToDouble(n -> n / 1e6).toArray();
    double p99 = w.lag().percentile(99) / 1000.0;
    List<String> misses = new ArrayList<>();
    if (p99 > maxLagMs) {
      misses.add(String.format("lag p99 %.0f ms > %.0f", p99, maxLagMs));
    }
    if (failed > 0) {
      misses.add(failed + " failed connects");
    }
    if (closed > 0) {
      misses.add(closed + " closed by the server");
    }
    if (playing < normal.size()) {
      misses.add((normal.size() - playing) + " players without a frame");
    }
    if (delivered < MIN_DELIVERED_SHARE * expected) {
      misses.add(String.format("delivered %.0f of %.0f Mbit/s", delivered, expected));
    }
    return new StepResult(target, playing, failed, closed, w.lag(), delivered, expected,
        normal.stream().filter(BenchPlayer::hasGaps).count(), normal.stream().mapToLong(p -> p.missingFrames).sum(),
        rank(ttff, 50), rank(ttff, 99), w, baseline, misses.isEmpty(), misses.isEmpty() ? "ok" : String.join(", ", misses));
  }

  private static double rank(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  String line() {
    StringBuilder s = new StringBuilder(String.format(
        "step %5d players: lag p50 %.1f p99 %.1f ms, TTFF p50 %.1f p99 %.1f ms, %.1f/%.1f Mbit/s, gaps %d players, machine %.2f cores",
        players, lag.percentile(50) / 1000.0, lag.percentile(99) / 1000.0, ttffP50Ms, ttffP99Ms, deliveredMbps,
        expectedMbps, playersWithGaps, machineCores()));
    window.lagByProtocol().forEach((name, h) -> s.append(String.format(", %s lag p50 %.1f p99 %.1f ms", name,
        h.percentile(50) / 1000.0, h.percentile(99) / 1000.0)));
    for (String name : window.procStart().processes().keySet()) {
      s.append(String.format(", %s %.2f cores %d MiB", name, processCores(name), window.procEnd().rssKib(name) / 1024));
    }
    return s.append(" -> ").append(verdict).toString();
  }

  double machineCores() {
    return (window.procEnd().machineBusyTicks() - window.procStart().machineBusyTicks()) / ProcSampler.TICKS_PER_SECOND
        / window.seconds();
  }

  double processCores(String name) {
    return (window.procEnd().cpuTicks(name) - window.procStart().cpuTicks(name)) / ProcSampler.TICKS_PER_SECOND
        / window.seconds();
  }

  JsonObject json() {
    JsonObject procs = new JsonObject();
    for (String name : window.procStart().processes().keySet()) {
      procs.put(name, new JsonObject().put("cpuCores", processCores(name))
          .put("rssKib", window.procEnd().rssKib(name)).put("rssBaselineKib", baseline.rssKib(name)));
    }
    return new JsonObject().put("players", players).put("playing", playing).put("failed", failed).put("closed", closed)
        .put("lagP50Ms", lag.percentile(50) / 1000.0).put("lagP99Ms", lag.percentile(99) / 1000.0)
        .put("lagMaxMs", lag.max() / 1000.0).put("ttffP50Ms", finite(ttffP50Ms)).put("ttffP99Ms", finite(ttffP99Ms))
        .put("deliveredMbps", deliveredMbps).put("expectedMbps", expectedMbps).put("playersWithGaps", playersWithGaps)
        .put("missingFrames", missingFrames).put("machineCores", machineCores()).put("processes", procs)
        .put("pass", pass).put("verdict", verdict);
  }

  private static Double finite(double v) {
    return Double.isNaN(v) ? null : v;
  }
}
