package io.cascade.bench;

import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.client.SyntheticPublisher;
import io.cascade.live.LiveStats;
import io.vertx.core.json.JsonObject;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/** The figures of one bench run, as one screen of text and as JSON. */
record BenchResult(
    BenchOptions options,
    SyntheticMedia.Profile profile,
    RtmpUrl url,
    String playTarget,
    List<BenchPlayer> players,
    LatencyHistogram lag,
    LatencyHistogram slowLag,
    LatencyHistogram joinLag,
    SyntheticPublisher.Result published,
    String publisherFailure,
    double rampSeconds,
    double windowSeconds,
    int playingAtWindowStart,
    long windowBytes,
    long windowBytesSlow,
    double cpuSeconds,
    LiveStats serverStats,
    int cores,
    ProcSampler.Sample baseline,
    ProcSampler.Sample procStart,
    ProcSampler.Sample procEnd,
    double loadAverage,
    List<StepResult> steps,
    List<BenchPlayer> probes,
    Map<String, LatencyHistogram> lagByProtocol) {

  private static final double[] PERCENTILES = {50, 90, 99};

  private List<BenchPlayer> normal() {
    return players.stream().filter(p -> !p.slow).toList();
  }

  /**
   * The seconds (UTC) in which viewers skipped, busiest first (at most 12; each viewer's first
   * {@link BenchPlayer#SKIP_TIMES} skips): one stall of the bench or the server shows as one or two
   * seconds that nearly every viewer shares, a viewer that cannot keep up as a trickle.
   */
  private static String skipSeconds(List<BenchPlayer> ps) {
    TreeMap<Long, Integer> bySecond = new TreeMap<>();
    for (BenchPlayer p : ps) {
      for (int i = 0; i < Math.min(p.hlsSkipEvents, BenchPlayer.SKIP_TIMES); i++) {
        bySecond.merge(p.hlsSkipSeconds[i], 1, Integer::sum);
      }
    }
    if (bySecond.isEmpty()) {
      return "";
    }
    return bySecond.entrySet().stream()
        .sorted(Map.Entry.<Long, Integer>comparingByValue().reversed())
        .limit(12)
        .map(e -> Instant.ofEpochSecond(e.getKey()).toString().substring(11, 19) + " x" + e.getValue())
        .collect(Collectors.joining(", ", bySecond.size() + " seconds with skips, busiest: ", ""));
  }

  private long count(List<BenchPlayer> ps, Predicate<BenchPlayer> test) {
    return ps.stream().filter(test).count();
  }

  private long sum(List<BenchPlayer> ps, ToLongFunction<BenchPlayer> f) {
    return ps.stream().mapToLong(f).sum();
  }

  /** Sorted non-negative values of the normal players, in milliseconds. */
  private double[] millis(ToLongFunction<BenchPlayer> nanos) {
    return normal().stream().mapToLong(nanos).filter(n -> n >= 0).sorted().mapToDouble(n -> n / 1e6).toArray();
  }

  /** Nearest-rank percentile of sorted values. */
  private static double rank(double[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    int i = (int) Math.ceil(p / 100 * sorted.length) - 1;
    return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
  }

  private Map<String, Long> reasons(Function<BenchPlayer, Object> reason) {
    return players.stream().map(reason).filter(Objects::nonNull).map(String::valueOf)
        .collect(Collectors.groupingBy(r -> r, TreeMap::new, Collectors.counting()));
  }

  private double deliveredMbps(long bytes) {
    return bytes * 8 / windowSeconds / 1e6;
  }

  String text() {
    List<BenchPlayer> normal = normal();
    double[] connect = millis(BenchPlayer::connectNanos);
    double[] ttff = millis(BenchPlayer::ttffNanos);
    long failed = count(players, p -> p.failure != null);
    long dropped = count(players, p -> p.unexpectedClose != null);
    long normalPlaying = count(normal, p -> p.firstFrameNanos != 0);
    double streamMbps = profile.bitsPerSecond() / 1e6;
    StringBuilder s = new StringBuilder();
    s.append("\n=== Cascade fan-out bench ===\n");
    s.append(String.format("target      %s%s%n", url, options.url() == null ? "  (in-process origin)" : ""));
    if (options.protocol() != BenchOptions.Protocol.RTMP) {
      s.append(String.format("players     %s over %s (the publisher uses RTMP)%n", playTarget, options.protocol().option));
    }
    s.append(String.format("stream      %d kbit/s video%s, %d fps, GOP %d frames; %.3f Mbit/s payload%n",
        profile.videoKbps(), profile.audio() ? " + " + profile.audioKbps() + " kbit/s AAC" : "", profile.fps(),
        profile.gopFrames(), streamMbps));
    String slowNote = options.slowPlayers() == 0 ? ""
        : String.format(" (%d slow, reading at most %d %%)", options.slowPlayers(), options.slowReadPercent());
    s.append(String.format("players     %d%s, ramp %.1f s, window %.1f s, %d bench loops, %d cores%n",
        players.size(), slowNote, rampSeconds, windowSeconds, options.eventLoops(), cores));
    s.append(String.format("connects    ok %d, failed %d, closed during run %d%n", players.size() - failed, failed, dropped));
    reasons(p -> p.failure).forEach((r, n) -> s.append(String.format("            failed %dx: %s%n", n, r)));
    reasons(p -> p.unexpectedClose).forEach((r, n) -> s.append(String.format("            closed %dx: %s%n", n, r)));
    s.append(String.format("connect ms  p50 %.1f  p99 %.1f  max %.1f%n", rank(connect, 50), rank(connect, 99), rank(connect, 100)));
    s.append(String.format("TTFF ms     p50 %.1f  p90 %.1f  p99 %.1f  max %.1f  (%d normal players; play() -> first frame)%n",
        rank(ttff, 50), rank(ttff, 90), rank(ttff, 99), rank(ttff, 100), ttff.length));
    if (!probes.isEmpty()) {
      double[] probe = probeTtff();
      s.append(String.format("probe TTFF  p50 %.1f  p90 %.1f  p99 %.1f  max %.1f  (%d of %d players joining one by one at %.0f/s after the window; failed %d)%n",
          rank(probe, 50), rank(probe, 90), rank(probe, 99), rank(probe, 100), probe.length, probes.size(),
          BenchOptions.PROBE_RATE, count(probes, p -> p.failure != null)));
    }
    s.append(lagLine("lag ms     ", lag));
    lagByProtocol.forEach((name, h) -> s.append(lagLine(String.format("%-11s", name), h)));
    s.append(lagLine("join lag ms", joinLag).replace("frames)", "frames from the GOP cache at join)"));
    if (options.slowPlayers() > 0) {
      s.append(lagLine("slow lag ms", slowLag));
    }
    s.append(String.format("gaps        players with gaps %d/%d, missing frames %d, reordered %d, first frame not key %d, ts regressions %d%n",
        count(normal, BenchPlayer::hasGaps), normal.size(), sum(normal, p -> p.missingFrames), sum(normal, p -> p.reordered),
        count(normal, p -> p.firstFrameNotKeyframe), sum(normal, p -> p.timestampRegressions)));
    if (options.slowPlayers() > 0) {
      List<BenchPlayer> slow = players.stream().filter(p -> p.slow).toList();
      s.append(String.format("slow gaps   players with gaps %d/%d, missing frames %d, disconnected %d%n",
          count(slow, BenchPlayer::hasGaps), slow.size(), sum(slow, p -> p.missingFrames),
          count(slow, p -> p.unexpectedClose != null)));
    }
    if (options.protocol() == BenchOptions.Protocol.HLS) {
      s.append(String.format("hls         parts/segments %d, skipped %d (players skipping %d/%d), playlists %d, playlist bytes %d%n",
          sum(normal, p -> p.hlsMedia), sum(normal, p -> p.hlsMissing), count(normal, p -> p.hlsMissing > 0), normal.size(),
          sum(normal, p -> p.hlsPlaylists), sum(normal, p -> p.hlsOverheadBytes)));
      String skips = skipSeconds(normal);
      if (!skips.isEmpty()) {
        s.append("hls skips   ").append(skips).append(String.format("%n"));
      }
    }
    s.append(String.format("delivered   %.1f Mbit/s to players (%.1f expected: %d playing x %.3f)%s%n",
        deliveredMbps(windowBytes), normalPlayingAtStart() * streamMbps, normalPlayingAtStart(), streamMbps,
        options.slowPlayers() == 0 ? "" : String.format("; slow players %.1f Mbit/s", deliveredMbps(windowBytesSlow))));
    s.append(String.format("cpu         %.2f cores busy in the window (whole JVM: bench%s)%n", cpuSeconds / windowSeconds,
        serverStats != null ? " + origin" : ""));
    if (published != null) {
      s.append(String.format("publisher   %d video + %d audio frames, late (>%d ms) %d, max lateness %.1f ms%n",
          published.videoFrames(), published.audioFrames(), SyntheticPublisher.LATE_MICROS / 1000, published.lateFrames(),
          published.maxLateMicros() / 1000.0));
    } else {
      s.append(String.format("publisher   FAILED: %s%n", publisherFailure));
    }
    if (serverStats != null) {
      s.append(String.format("origin      frames dropped for slow players %d, skipped waiting for a keyframe %d, slow disconnects %d%n",
          serverStats.framesDroppedSlow(), serverStats.framesDroppedWaitingKeyframe(), serverStats.slowDisconnects()));
    }
    s.append(String.format("frames      %d received by normal players: %d live, %d from the GOP cache at join%n",
        sum(normal, p -> p.frames), sum(normal, p -> p.frames - p.joinFrames), sum(normal, p -> p.joinFrames)));
    procText(s);
    if (options.stepping()) {
      s.append(String.format("steps       largest passing player count: %s (lag p99 <= %.0f ms, no failed or closed player, >= %.0f %% delivered)%n",
          largestPassing() < 0 ? "none" : Integer.toString(largestPassing()), options.maxLagMs(),
          StepResult.MIN_DELIVERED_SHARE * 100));
      steps.forEach(st -> s.append("            ").append(st.line()).append('\n'));
    }
    if (normalPlaying < normal.size()) {
      s.append(String.format("WARNING     %d of %d normal players never received a frame%n", normal.size() - normalPlaying, normal.size()));
    }
    return s.toString();
  }

  private double[] probeTtff() {
    return probes.stream().mapToLong(BenchPlayer::ttffNanos).filter(n -> n >= 0).sorted().mapToDouble(n -> n / 1e6)
        .toArray();
  }

  /** Payload delivered to every player in the window, in Gbit. */
  private double deliveredGbit() {
    return (windowBytes + windowBytesSlow) * 8 / 1e9;
  }

  private double machineCpuSeconds() {
    return (procEnd.machineBusyTicks() - procStart.machineBusyTicks()) / ProcSampler.TICKS_PER_SECOND;
  }

  private double processCpuSeconds(String name) {
    return (procEnd.cpuTicks(name) - procStart.cpuTicks(name)) / ProcSampler.TICKS_PER_SECOND;
  }

  private double systemShare(String name) {
    long total = procEnd.cpuTicks(name) - procStart.cpuTicks(name);
    return total == 0 ? 0 : (procEnd.systemTicks(name) - procStart.systemTicks(name)) / (double) total;
  }

  /** RSS growth per player from before the first player to the end of the last window, KiB. */
  private double rssPerPlayerKib(String name) {
    return players.isEmpty() ? 0 : (procEnd.rssKib(name) - baseline.rssKib(name)) / (double) players.size();
  }

  int largestPassing() {
    int best = -1;
    for (StepResult st : steps) {
      if (st.pass()) {
        best = st.players();
      }
    }
    return best;
  }

  private void procText(StringBuilder s) {
    double gbit = deliveredGbit();
    s.append(String.format("machine     %.2f cores busy (every process; load average %.2f before the run), %.3f CPU-s per delivered Gbit%n",
        machineCpuSeconds() / windowSeconds, loadAverage, machineCpuSeconds() / gbit));
    for (String name : procStart.processes().keySet()) {
      s.append(String.format("process     %-8s %.2f cores (%.0f %% kernel), %.3f CPU-s per delivered Gbit; RSS %.1f MiB before the players, %.1f MiB at the end (%+.1f KiB per player)%n",
          name, processCpuSeconds(name) / windowSeconds, 100 * systemShare(name), processCpuSeconds(name) / gbit,
          baseline.rssKib(name) / 1024.0,
          procEnd.rssKib(name) / 1024.0, rssPerPlayerKib(name)));
    }
  }

  private JsonObject procJson() {
    double gbit = deliveredGbit();
    JsonObject processes = new JsonObject();
    for (String name : procStart.processes().keySet()) {
      processes.put(name, new JsonObject().put("cores", processCpuSeconds(name) / windowSeconds)
          .put("cpuSecondsPerGbit", processCpuSeconds(name) / gbit).put("kernelShare", systemShare(name))
          .put("rssBaselineKib", baseline.rssKib(name)).put("rssEndKib", procEnd.rssKib(name))
          .put("rssPerPlayerKib", rssPerPlayerKib(name)));
    }
    return new JsonObject().put("loadAverage", loadAverage).put("machineCores", machineCpuSeconds() / windowSeconds)
        .put("machineCpuSecondsPerGbit", machineCpuSeconds() / gbit).put("processes", processes);
  }

  private long normalPlayingAtStart() {
    return Math.max(0, playingAtWindowStart - count(players, p -> p.slow && p.firstFrameNanos != 0));
  }

  private static String lagLine(String label, LatencyHistogram h) {
    return String.format("%s p50 %.1f  p90 %.1f  p99 %.1f  max %.1f  mean %.1f  (%d frames)%n", label,
        h.percentile(50) / 1000.0, h.percentile(90) / 1000.0, h.percentile(99) / 1000.0, h.max() / 1000.0,
        h.mean() / 1000.0, h.count());
  }

  JsonObject json() {
    List<BenchPlayer> normal = normal();
    double[] ttff = millis(BenchPlayer::ttffNanos);
    double[] connect = millis(BenchPlayer::connectNanos);
    JsonObject o = new JsonObject()
        .put("target", url.toString())
        .put("protocol", options.protocol().option)
        .put("playTarget", playTarget)
        .put("inProcessOrigin", options.url() == null)
        .put("players", players.size())
        .put("slowPlayers", options.slowPlayers())
        .put("videoKbps", profile.videoKbps())
        .put("audio", profile.audio())
        .put("fps", profile.fps())
        .put("gopFrames", profile.gopFrames())
        .put("streamMbps", profile.bitsPerSecond() / 1e6)
        .put("rampSeconds", rampSeconds)
        .put("windowSeconds", windowSeconds)
        .put("eventLoops", options.eventLoops())
        .put("cores", cores)
        .put("failedConnects", count(players, p -> p.failure != null))
        .put("closedDuringRun", count(players, p -> p.unexpectedClose != null))
        .put("connectMs", percentiles(connect))
        .put("ttffMs", percentiles(ttff))
        .put("probeTtffMs", probes.isEmpty() ? null : percentiles(probeTtff()))
        .put("probeFailed", count(probes, p -> p.failure != null))
        .put("lagMs", histogram(lag))
        .put("lagByProtocolMs", lagByProtocol.isEmpty() ? null : byProtocol())
        .put("joinLagMs", histogram(joinLag))
        .put("playersWithGaps", count(normal, BenchPlayer::hasGaps))
        .put("missingFrames", sum(normal, p -> p.missingFrames))
        .put("reorderedFrames", sum(normal, p -> p.reordered))
        .put("firstFrameNotKeyframe", count(normal, p -> p.firstFrameNotKeyframe))
        .put("timestampRegressions", sum(normal, p -> p.timestampRegressions))
        .put("deliveredMbps", deliveredMbps(windowBytes))
        .put("expectedMbps", normalPlayingAtStart() * profile.bitsPerSecond() / 1e6)
        .put("cpuCores", cpuSeconds / windowSeconds)
        .put("cpu", procJson());
    if (options.protocol() == BenchOptions.Protocol.HLS) {
      o.put("hls", new JsonObject().put("http2", options.hlsHttp2()).put("media", sum(normal, p -> p.hlsMedia))
          .put("missingMedia", sum(normal, p -> p.hlsMissing)).put("playersMissingMedia", count(normal, p -> p.hlsMissing > 0))
          .put("playlists", sum(normal, p -> p.hlsPlaylists)).put("playlistBytes", sum(normal, p -> p.hlsOverheadBytes)));
    }
    if (options.stepping()) {
      o.put("steps", new io.vertx.core.json.JsonArray(steps.stream().map(StepResult::json).toList()))
          .put("maxLagMs", options.maxLagMs()).put("largestPassing", largestPassing());
    }
    if (options.slowPlayers() > 0) {
      List<BenchPlayer> slow = players.stream().filter(p -> p.slow).toList();
      o.put("slowReadPercent", options.slowReadPercent())
          .put("slowLagMs", histogram(slowLag))
          .put("slowDeliveredMbps", deliveredMbps(windowBytesSlow))
          .put("slowPlayersWithGaps", count(slow, BenchPlayer::hasGaps))
          .put("slowMissingFrames", sum(slow, p -> p.missingFrames))
          .put("slowDisconnected", count(slow, p -> p.unexpectedClose != null));
    }
    if (published != null) {
      o.put("publisher", new JsonObject().put("videoFrames", published.videoFrames()).put("audioFrames", published.audioFrames())
          .put("lateFrames", published.lateFrames()).put("maxLateMs", published.maxLateMicros() / 1000.0));
    }
    if (serverStats != null) {
      o.put("origin", new JsonObject().put("framesDroppedSlow", serverStats.framesDroppedSlow())
          .put("framesDroppedWaitingKeyframe", serverStats.framesDroppedWaitingKeyframe())
          .put("slowDisconnects", serverStats.slowDisconnects()));
    }
    return o;
  }

  private static JsonObject percentiles(double[] sorted) {
    JsonObject o = new JsonObject();
    Arrays.stream(PERCENTILES).forEach(p -> o.put("p" + (int) p, finite(rank(sorted, p))));
    return o.put("max", finite(rank(sorted, 100))).put("count", sorted.length);
  }

  /** JSON has no NaN: an empty sample is null. */
  private static Double finite(double v) {
    return Double.isNaN(v) ? null : v;
  }

  private static JsonObject histogram(LatencyHistogram h) {
    JsonObject o = new JsonObject();
    Arrays.stream(PERCENTILES).forEach(p -> o.put("p" + (int) p, h.percentile(p) / 1000.0));
    return o.put("max", h.max() / 1000.0).put("mean", h.mean() / 1000.0).put("frames", h.count());
  }

  private JsonObject byProtocol() {
    JsonObject o = new JsonObject();
    lagByProtocol.forEach((name, h) -> o.put(name, histogram(h)));
    return o;
  }
}
