package io.cascade.bench;

import ch.qos.logback.classic.Level;
import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.client.SyntheticPublisher;
import io.cascade.config.ConfigLoader;
import io.cascade.live.LiveStats;
import io.cascade.origin.OriginNode;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.LoggerFactory;

/**
 * Fan-out benchmark: one {@link SyntheticPublisher} and N players on one stream, on loopback,
 * against an in-process origin or any RTMP server given by {@code --url}. Players speak RTMP
 * ({@link RtmpPlayerLink}) or, with {@code --protocol http-flv}, HTTP-FLV ({@link FlvPlayerLink});
 * both feed the same {@link BenchPlayer} accounting.
 * Measures time to first frame, lag (receive wall time minus the send time stamped in each frame),
 * per-track sequence gaps, delivered throughput and failed connects; prints one screen and
 * optionally writes JSON. See {@code docs/BENCHMARKS.md} and {@link BenchOptions#USAGE}.
 *
 * <p>Timeline: the publisher starts; after a one-second warm-up players are started at the ramp
 * rate; the measured window of {@code --duration-seconds} begins half a second after every play
 * has been answered; then the publisher stops and every client closes. Each phase is bounded in
 * time.
 */
public final class FanoutBench {
  private static final Duration WARMUP = Duration.ofSeconds(1);
  private static final Duration TAIL = Duration.ofSeconds(2);
  private static final Duration SETUP_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(20);
  private static final long SLOW_TICK_MS = 100;
  private static final Duration SETTLE = Duration.ofMillis(500);
  private static final Duration LAG_GRACE = Duration.ofMillis(50);

  private final BenchOptions options;
  private final SyntheticMedia.Profile profile;
  private final LagBook lag = new LagBook();
  private final LagBook slowLag = new LagBook();
  private final LagBook joinLag = new LagBook();
  /** With {@code --protocol mixed}: the live lag of the normal players of each protocol, by option name. */
  private final Map<String, LagBook> lagByProtocol = new java.util.LinkedHashMap<>();
  private final List<BenchPlayer> players = new ArrayList<>();
  private final List<ScheduledFuture<?>> throttles = new ArrayList<>();
  private final List<CompletableFuture<Void>> plays = new ArrayList<>();
  /** The server's HTTP port for HTTP-FLV players; 0 for RTMP players. */
  private int httpPort;
  /** The HLS viewers' Vert.x; null unless {@code --protocol hls}. */
  private Vertx hlsVertx;

  private FanoutBench(BenchOptions options) {
    this.options = options;
    this.profile = SyntheticMedia.Profile.of(options.bitrateKbps(), options.fps(), options.gopSeconds(), options.audio());
    if (options.protocol() == BenchOptions.Protocol.MIXED) {
      lagByProtocol.put(BenchOptions.Protocol.RTMP.option, new LagBook());
      lagByProtocol.put(BenchOptions.Protocol.HTTP_FLV.option, new LagBook());
    }
  }

  public static void main(String[] args) throws Exception {
    if (List.of(args).contains("--help")) {
      System.out.print(BenchOptions.USAGE);
      return;
    }
    BenchOptions options;
    try {
      options = BenchOptions.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("FanoutBench: " + e.getMessage());
      System.err.print(BenchOptions.USAGE);
      throw e;
    }
    new FanoutBench(options).run();
  }

  private void run() throws Exception {
    if (!options.verbose()) {
      ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("cascade")).setLevel(Level.WARN);
    }
    Vertx vertx = null;
    OriginNode origin = null;
    RtmpUrl url = options.url();
    if (url == null) {
      vertx = Vertx.vertx();
      origin = startOrigin(vertx);
      url = new RtmpUrl("127.0.0.1", origin.rtmpPort(), "live", "bench-" + UUID.randomUUID().toString().substring(0, 8));
    }
    if (options.protocol() != BenchOptions.Protocol.RTMP) {
      httpPort = origin != null ? origin.httpPort() : options.httpPort();
    }
    RtmpUrl publishUrl = options.publishUrl() != null ? options.publishUrl() : url;
    for (RtmpUrl u : new RtmpUrl[] {url, publishUrl}) {
      if (!InetAddress.getByName(u.host()).isLoopbackAddress()) {
        throw new IllegalArgumentException("the bench runs on loopback only, not " + u.host());
      }
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(options.eventLoops(), NioIoHandler.newFactory());
    if (options.protocol() == BenchOptions.Protocol.HLS) {
      // HLS viewers' HTTP clients run on their own Vert.x, as many loops as the bench's own group.
      hlsVertx = Vertx.vertx(new io.vertx.core.VertxOptions().setEventLoopPoolSize(options.eventLoops()));
    }
    try {
      BenchResult result = measure(group, url, publishUrl, origin == null ? null : origin.streams().stats());
      System.out.print(result.text());
      if (options.json() != null) {
        Files.writeString(options.json(), result.json().encodePrettily());
        System.out.println("JSON report: " + options.json().toAbsolutePath());
      }
    } finally {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
      if (hlsVertx != null) {
        hlsVertx.close().await(30, TimeUnit.SECONDS);
      }
      if (origin != null) {
        origin.stop().await(30, TimeUnit.SECONDS);
      }
      if (vertx != null) {
        vertx.close().await(30, TimeUnit.SECONDS);
      }
    }
  }

  private BenchResult measure(EventLoopGroup group, RtmpUrl url, RtmpUrl publishUrl, LiveStats serverStats)
      throws Exception {
    RtmpClientOptions clientOptions = new RtmpClientOptions();
    RtmpClientOptions slowOptions = new RtmpClientOptions(clientOptions).receiveBufferSize(options.slowReceiveBuffer());
    ProcSampler procs = new ProcSampler(options.watch());
    double loadAverage = ProcSampler.loadAverage();
    CompletableFuture<Throwable> publisherClosed = new CompletableFuture<>();
    RtmpClient publisherClient = RtmpClient.create(group, clientOptions, new RtmpClientListener() {
      @Override
      public void onClose(Throwable cause) {
        publisherClosed.complete(cause);
      }
    });
    publisherClient.connect(publishUrl).thenCompose(info -> publisherClient.publish(publishUrl.stream()))
        .get(SETUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    // An upper bound: the publisher is stopped when the last window ends, and each step can take
    // its ramp, the wait for its last play, the settling time and its window.
    Duration perStep = SETUP_TIMEOUT.plus(SETTLE).plus(LAG_GRACE).plusSeconds(options.durationSeconds())
        .plusMillis((long) ((2 * options.gopSeconds() + 1) * 1000));
    Duration probing = Duration.ofMillis((long) (options.probePlayers() * 1000 / BenchOptions.PROBE_RATE))
        .plusMillis((long) ((2 * options.gopSeconds() + 1) * 1000));
    Duration publishFor = WARMUP.plusMillis((long) (options.rampSeconds() * 1000))
        .plus(perStep.multipliedBy(options.steps().size())).plus(probing).plus(TAIL);
    SyntheticPublisher publisher = SyntheticPublisher.start(publisherClient, profile, publishFor);
    PlayerLink primer = null;
    if (options.prime()) {
      LagBook ignored = new LagBook();
      primer = link(group, clientOptions, url, new BenchPlayer(-1, false, ignored, ignored));
      primer.play().get(SETUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    }
    Thread.sleep(WARMUP.toMillis());
    ProcSampler.Sample baseline = procs.sample();

    List<StepResult> steps = new ArrayList<>();
    double rampSeconds = 0;
    Window last = null;
    for (int target : options.steps()) {
      long rampStart = System.nanoTime();
      int first = players.size();
      for (int i = first; i < target; i++) {
        if (options.ramp() > 0) {
          long due = rampStart + (long) ((i - first) * 1e9 / options.ramp());
          long wait = due - System.nanoTime();
          if (wait > 0) {
            TimeUnit.NANOSECONDS.sleep(wait);
          }
        }
        startPlayer(group, options.isSlow(i) ? slowOptions : clientOptions, url, i);
      }
      rampSeconds += (System.nanoTime() - rampStart) / 1e9;
      // The window starts once every play has been answered and the join bursts are over.
      try {
        CompletableFuture.allOf(plays.toArray(CompletableFuture[]::new))
            .exceptionally(e -> null).get(SETUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        // Counted below: those players have no first frame.
      }
      awaitFirstFrames();
      Thread.sleep(SETTLE.toMillis());
      last = window(procs);
      StepResult step = StepResult.of(target, first, players, last, baseline, profile, options.maxLagMs());
      steps.add(step);
      if (options.stepping()) {
        System.out.println(step.line());
      }
      if (!step.pass()) {
        break;
      }
    }

    List<BenchPlayer> probes = probe(group, clientOptions, url);

    SyntheticPublisher.Result published = null;
    String publisherFailure = null;
    try {
      published = publisher.stop().get(SETUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      publisherFailure = describe(e.getCause()) + "; publishing client closed: " + publisherClosed.getNow(null);
    }
    synchronized (throttles) {
      throttles.forEach(t -> t.cancel(false));
    }
    List<CompletableFuture<Void>> closing = new ArrayList<>();
    for (BenchPlayer p : players) {
      p.closing = true;
      closing.add(p.link.close());
    }
    for (BenchPlayer p : probes) {
      p.closing = true;
      closing.add(p.link.close());
    }
    closing.add(publisherClient.close());
    if (primer != null) {
      closing.add(primer.close());
    }
    CompletableFuture.allOf(closing.toArray(CompletableFuture[]::new)).get(CLOSE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);

    return new BenchResult(options, profile, url, playTarget(url), players, last.lag, last.slowLag, joinLag.snapshot(), published,
        publisherFailure, rampSeconds, last.seconds, last.playingAtStart, last.bytes[0], last.bytes[1], last.cpuSeconds,
        serverStats, Runtime.getRuntime().availableProcessors(), baseline, last.procStart, last.procEnd, loadAverage, steps,
        probes, last.lagByProtocol);
  }

  /**
   * Joins the probe players one at a time at {@link BenchOptions#PROBE_RATE} while everyone else
   * keeps playing, and waits (bounded) for their first frames. They are not in {@link #players}.
   */
  private List<BenchPlayer> probe(EventLoopGroup group, RtmpClientOptions clientOptions, RtmpUrl url)
      throws InterruptedException {
    List<BenchPlayer> probes = new ArrayList<>();
    LagBook ignored = new LagBook();
    for (int i = 0; i < options.probePlayers(); i++) {
      Thread.sleep((long) (1000 / BenchOptions.PROBE_RATE));
      BenchPlayer p = new BenchPlayer(-1 - i, false, ignored, ignored);
      link(group, clientOptions, url, p);
      probes.add(p);
      p.link.play().whenComplete((v, e) -> {
        if (e != null) {
          p.failure = describe(e);
        }
      });
    }
    long deadline = System.nanoTime() + (long) ((2 * options.gopSeconds() + 1) * 1e9);
    while (System.nanoTime() < deadline
        && probes.stream().anyMatch(p -> p.failure == null && p.unexpectedClose == null && p.firstFrameNanos == 0)) {
      Thread.sleep(20);
    }
    return probes;
  }

  /**
   * Waits, bounded by two GOPs and a second, until every player whose play was answered has its
   * first frame: a server without a GOP cache (nginx-rtmp) starts a player at the next keyframe.
   */
  private void awaitFirstFrames() throws InterruptedException {
    long deadline = System.nanoTime() + (long) ((2 * options.gopSeconds() + 1) * 1e9);
    while (System.nanoTime() < deadline
        && players.stream().anyMatch(p -> p.failure == null && p.unexpectedClose == null && p.firstFrameNanos == 0)) {
      Thread.sleep(20);
    }
  }

  /** What one measured window saw. */
  record Window(double seconds, int playingAtStart, long[] bytes, double cpuSeconds, LatencyHistogram lag,
      LatencyHistogram slowLag, ProcSampler.Sample procStart, ProcSampler.Sample procEnd,
      Map<String, LatencyHistogram> lagByProtocol) {
  }

  private Window window(ProcSampler procs) throws InterruptedException {
    lag.swap();
    slowLag.swap();
    lagByProtocol.values().forEach(LagBook::swap);
    ProcSampler.Sample procStart = procs.sample();
    long windowStart = System.nanoTime();
    long cpuStart = processCpuNanos();
    long[] bytesStart = payloadBytes();
    int playingAtStart = (int) players.stream().filter(p -> p.firstFrameNanos != 0).count();
    TimeUnit.SECONDS.sleep(options.durationSeconds());
    long[] bytesEnd = payloadBytes();
    long cpuEnd = processCpuNanos();
    ProcSampler.Sample procEnd = procs.sample();
    double seconds = (System.nanoTime() - windowStart) / 1e9;
    Map<Thread, LatencyHistogram> windowLag = lag.swap();
    Map<Thread, LatencyHistogram> windowSlowLag = slowLag.swap();
    Map<String, Map<Thread, LatencyHistogram>> windowByProtocol = new java.util.LinkedHashMap<>();
    lagByProtocol.forEach((name, book) -> windowByProtocol.put(name, book.swap()));
    // A loop may still be recording into the old set for a moment.
    Thread.sleep(LAG_GRACE.toMillis());
    return new Window(seconds, playingAtStart, new long[] {bytesEnd[0] - bytesStart[0], bytesEnd[1] - bytesStart[1]},
        (cpuEnd - cpuStart) / 1e9, LagBook.merge(windowLag), LagBook.merge(windowSlowLag), procStart, procEnd,
        mergeEach(windowByProtocol));
  }

  private static Map<String, LatencyHistogram> mergeEach(Map<String, Map<Thread, LatencyHistogram>> sets) {
    Map<String, LatencyHistogram> merged = new java.util.LinkedHashMap<>();
    sets.forEach((name, set) -> merged.put(name, LagBook.merge(set)));
    return merged;
  }

  private void startPlayer(EventLoopGroup group, RtmpClientOptions clientOptions, RtmpUrl url, int i) {
    boolean slow = options.isSlow(i);
    BenchPlayer p = new BenchPlayer(i, slow, slow ? slowLag : lag, slow ? slowLag : joinLag);
    link(group, clientOptions, url, p);
    players.add(p);
    CompletableFuture<Void> play = p.link.play()
        .whenComplete((v, e) -> {
          if (e != null) {
            p.failure = describe(e);
          } else if (slow) {
            throttle(p);
          }
        });
    plays.add(play);
  }

  /**
   * Gives {@code p} its link, in the protocol of {@code --protocol} (mixed: by the parity of its
   * index); slow players get the slow receive buffer.
   */
  private PlayerLink link(EventLoopGroup group, RtmpClientOptions clientOptions, RtmpUrl url, BenchPlayer p) {
    int receiveBuffer = clientOptions.receiveBufferSize();
    BenchOptions.Protocol protocol = options.protocol();
    if (protocol == BenchOptions.Protocol.MIXED) {
      protocol = p.index % 2 == 0 ? BenchOptions.Protocol.RTMP : BenchOptions.Protocol.HTTP_FLV;
      if (!p.slow) {
        p.protocolLag = lagByProtocol.get(protocol.option);
      }
    }
    p.link = switch (protocol) {
      case RTMP -> new RtmpPlayerLink(group, clientOptions, url, p);
      case HTTP_FLV -> new FlvPlayerLink(group, url.host(), httpPort, FlvPlayerLink.path(url.app(), url.stream()),
          receiveBuffer, p);
      case HLS -> new HlsPlayerLink(hlsVertx, url.host(), httpPort, hlsPath(url), options.hlsHttp2(), p);
      case MIXED -> throw new IllegalStateException("mixed is resolved per player above");
    };
    return p.link;
  }

  /** Where the players play: the RTMP URL, or the HTTP-FLV one beside it. */
  private String playTarget(RtmpUrl url) {
    String flv = "http://" + url.host() + ":" + httpPort + FlvPlayerLink.path(url.app(), url.stream());
    return switch (options.protocol()) {
      case RTMP -> url.toString();
      case HTTP_FLV -> flv;
      case MIXED -> url + " and " + flv;
      case HLS -> "http://" + url.host() + ":" + httpPort + hlsPath(url) + (options.hlsHttp2() ? " (h2c)" : " (HTTP/1.1)");
    };
  }

  private String hlsPath(RtmpUrl url) {
    return options.hlsPath() != null ? options.hlsPath() : HlsPlayerLink.path(url.app(), url.stream());
  }

  /** Limits a slow player's reads to its share of the stream bitrate, ticking on the client's loop. */
  private void throttle(BenchPlayer p) {
    long bytesPerTick = profile.bitsPerSecond() / 8 * options.slowReadPercent() / 100 * SLOW_TICK_MS / 1000;
    EventLoop loop = p.link.eventLoop();
    loop.execute(() -> p.limitReads(bytesPerTick));
    ScheduledFuture<?> task = loop.scheduleAtFixedRate(p::refill, SLOW_TICK_MS, SLOW_TICK_MS, TimeUnit.MILLISECONDS);
    synchronized (throttles) {
      throttles.add(task);
    }
  }

  /** Payload bytes received so far by normal and by slow players. */
  private long[] payloadBytes() {
    long[] sums = new long[2];
    for (BenchPlayer p : players) {
      sums[p.slow ? 1 : 0] += p.payloadBytes;
    }
    return sums;
  }

  private static long processCpuNanos() {
    if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
      return os.getProcessCpuTime();
    }
    return 0;
  }

  private static String describe(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }

  private static OriginNode startOrigin(Vertx vertx) throws Exception {
    // An explicit port: with rtmp.port 0 the origin's second listener instance fails to bind.
    return OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), Map.of(
        "rtmp.host", "127.0.0.1", "rtmp.port", freePort(), "http.host", "127.0.0.1", "http.port", 0)).config())
        .await(SETUP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
