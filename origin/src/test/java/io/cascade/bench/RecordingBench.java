package io.cascade.bench;

import static io.cascade.bench.OriginMetrics.get;
import static io.cascade.bench.OriginMetrics.p95;
import static io.cascade.bench.OriginMetrics.sum;

import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.client.SyntheticPublisher;
import io.cascade.testing.Await;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.jclouds.filesystem.FilesystemApiMetadata;

/**
 * What recording costs an origin (issue 15): the same load of N synthetic publishers, measured in
 * one run with recording off, recording to disk, and recording to disk with every file uploaded to
 * S3 (S3Proxy in this JVM over a filesystem blob store) over plain HTTP ({@code s3}: the SDK signs
 * every payload chunk) or HTTPS ({@code s3tls}: a self-signed certificate the origin is told to
 * trust; the SDK sends the payload unsigned, TLS protects it). {@code disk-nosync} records to disk
 * with {@code recording.fsync: none}, the others with {@code --fsync} ({@code segment} by default);
 * {@code disk-buffered} with {@code recording.directWrites: false} (through the page cache), the
 * others with direct writes. The table splits the origin's CPU into its event loops, the recording
 * writer thread and the JIT compilers ({@code /proc/PID/task}). Each mode gets a fresh origin in a child
 * JVM ({@code origin/target/cascade-origin.jar}); its CPU time comes from {@code /proc/PID/stat}
 * over a fixed window after a warm-up, so the ratio of two modes is the recording's cost on the
 * same machine minutes apart. Disk throughput is the origin's own recording byte counter and its
 * {@code /proc/PID/io} write bytes over the window; upload lag is the delta of the origin's
 * {@code cascade_recording_upload_lag_seconds} histogram from the window's start until every
 * upload handed over has finished. Loopback only; every phase bounded. See docs/BENCHMARKS.md.
 *
 * <pre>
 * java -cp ... io.cascade.bench.RecordingBench [--streams 50] [--bitrate-kbps 4000] [--warmup-seconds 10]
 *     [--duration-seconds 30] [--modes off,disk,s3,s3tls] [--rounds 1] [--fsync segment|none] [--jfr MODE,...]
 *     [--before-jar OTHER.jar]   # each mode also on another build, just before this one's
 * </pre>
 */
public final class RecordingBench {
  private static final String BUCKET = "recordings";
  private static final String ACCESS_KEY = "recbench-access";
  private static final String SECRET_KEY = "recbench-secret-Jd82";
  private static final String STORE_PASSWORD = "recbench-store";
  /** Label of the rows of {@code --before-jar}. */
  private static final String BEFORE = "/before";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(90);

  private final RecordingBenchOptions options;
  private final Path out;
  private final OriginMetrics scraper = new OriginMetrics();

  private RecordingBench(RecordingBenchOptions options, Path out) {
    this.options = options;
    this.out = out;
  }

  /** One mode's figures. */
  record Run(String mode, int round, double loadAverage, double windowSeconds, double originCpuSeconds,
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

  public static void main(String[] args) throws Exception {
    RecordingBenchOptions options = RecordingBenchOptions.parse(args);
    if (!Files.isRegularFile(options.jar())) {
      throw new IllegalArgumentException(options.jar() + " is missing: ./mvnw -o -pl origin -am package -DskipTests");
    }
    Path out = options.workDir().resolve(LocalDateTime.now().format(DateTimeFormatter.ofPattern("uuuuMMdd-HHmmss")))
        .toAbsolutePath();
    Files.createDirectories(out);
    new RecordingBench(options, out).run();
  }

  private void run() throws Exception {
    List<Run> runs = new ArrayList<>();
    for (int round = 1; round <= options.rounds(); round++) {
      for (String mode : options.modes()) {
        if (options.beforeJar() != null) {
          Run before = runMode(mode, round, options.beforeJar(), BEFORE);
          runs.add(before);
          System.out.println(line(before));
        }
        Run r = runMode(mode, round, options.jar(), "");
        runs.add(r);
        System.out.println(line(r));
      }
    }
    StringBuilder report = new StringBuilder();
    report.append(String.format(Locale.ROOT, "machine: %d cores, %s; %d streams x %d kbit/s video + 128 kbit/s audio,"
        + " 30 fps, 2 s GOP; warm-up %d s, window %d s; fsync %s; origin JVM %s%n",
        Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"), options.streams(),
        options.bitrateKbps(), options.warmupSeconds(), options.durationSeconds(), options.fsync(), options.jvm()));
    report.append(String.format(Locale.ROOT, "%-12s %-3s %5s %7s %7s %7s %7s %7s %7s %8s %8s %5s %6s %6s %8s %9s %8s %5s %s%n",
        "mode", "run", "load", "cores", "sys", "loops", "writer", "jit", "ratio", "recMB/s", "diskMB/s", "segs", "drop", "upl", "uplMB/s",
        "lagMean", "lagP95", "late", "failure"));
    for (Run r : runs) {
      // Each build's rows against its own "off" of the same round.
      String off = r.mode().endsWith(BEFORE) ? "off" + BEFORE : "off";
      Run base = runs.stream().filter(b -> b.round() == r.round() && b.mode().equals(off)).findFirst().orElse(null);
      double ratio = base == null || base.cores() <= 0 ? Double.NaN : r.cores() / base.cores();
      report.append(String.format(Locale.ROOT,
          "%-12s %-3d %5.2f %7.3f %7.3f %7.3f %7.3f %7.3f %7.3f %8.2f %8.2f %5d %6d %6d %8.2f %9.3f %8s %5d %s%n",
          r.mode(), r.round(), r.loadAverage(), r.cores(), r.originSystemSeconds() / r.windowSeconds(),
          r.cores("loops"), r.cores("writer"), r.cores("jit"), ratio, r.recordedMBps(),
          r.diskWriteMBps(), r.segments(), r.droppedBytes(), r.uploadedFiles(), r.uploadedMBps(),
          r.uploadLagMeanSeconds(), Double.isNaN(r.uploadLagP95Seconds()) ? "-" : "<=" + r.uploadLagP95Seconds(),
          r.lateFrames(), r.failure() == null ? "" : r.failure()));
    }
    System.out.println();
    System.out.print(report);
    Files.writeString(out.resolve("table.txt"), report);
    System.out.println("(logs and table under " + out + ")");
  }

  private static String line(Run r) {
    return String.format(Locale.ROOT, "== %s round %d: load %.2f, origin %.3f cores (%.3f system; loops %.3f, writer"
        + " %.3f, jit %.3f), %.2f MB/s recorded, %d uploads, lag mean %.3f s%s", r.mode(), r.round(), r.loadAverage(),
        r.cores(), r.originSystemSeconds() / r.windowSeconds(), r.cores("loops"), r.cores("writer"), r.cores("jit"),
        r.recordedMBps(), r.uploadedFiles(), r.uploadLagMeanSeconds(),
        r.failure() == null ? "" : ", FAILED: " + r.failure());
  }

  private Run runMode(String mode, int round, Path jar, String label) throws Exception {
    String name = mode + label.replace('/', '-') + "-" + round;
    Path dir = Files.createDirectories(out.resolve(name));
    S3Proxy proxy = null;
    BlobStoreContext blobs = null;
    Map<String, String> env = new LinkedHashMap<>();
    int rtmp = freePort();
    int httpPort = freePort();
    int cluster = freePort();
    env.put("CASCADE_NODE_ID", "recbench-" + name);
    env.put("CASCADE_RTMP_HOST", "127.0.0.1");
    env.put("CASCADE_RTMP_PORT", Integer.toString(rtmp));
    env.put("CASCADE_HTTP_HOST", "127.0.0.1");
    env.put("CASCADE_HTTP_PORT", Integer.toString(httpPort));
    env.put("CASCADE_CLUSTER_HOST", "127.0.0.1");
    env.put("CASCADE_CLUSTER_PORT", Integer.toString(cluster));
    env.put("CASCADE_CLUSTER_ADVERTISED_HOST", "127.0.0.1");
    env.put("CASCADE_CLUSTER_MEMBERS", "127.0.0.1:" + cluster);
    env.put("CASCADE_CLUSTER_NAME", "recbench-" + ProcessHandle.current().pid() + "-" + name);
    env.put("CASCADE_CLUSTER_SECRET", "recbench-" + ProcessHandle.current().pid());
    if (!mode.equals("off")) {
      env.put("CASCADE_RECORDING_RULES", "bench/*");
      env.put("CASCADE_RECORDING_ROOT", dir.resolve("recordings").toString());
      env.put("CASCADE_RECORDING_FSYNC", mode.equals("disk-nosync") ? "none" : options.fsync());
      env.put("CASCADE_RECORDING_DIRECT_WRITES", Boolean.toString(!mode.equals("disk-buffered")));
    }
    boolean s3 = mode.startsWith("s3");
    boolean tls = mode.equals("s3tls");
    List<String> trust = List.of();
    if (s3) {
      blobs = filesystemStore(Files.createDirectories(dir.resolve("bucket-store")));
      BlobStore store = blobs.getBlobStore();
      store.createContainerInLocation(null, BUCKET);
      int s3Port = freePort();
      URI endpoint = URI.create((tls ? "https" : "http") + "://127.0.0.1:" + s3Port);
      S3Proxy.Builder builder = S3Proxy.builder().blobStore(store)
          .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY);
      if (tls) {
        trust = selfSigned(dir);
        builder.secureEndpoint(endpoint).keyStore(dir.resolve("s3proxy.p12").toString(), STORE_PASSWORD);
      } else {
        builder.endpoint(endpoint);
      }
      proxy = builder.build();
      proxy.start();
      S3Proxy started = proxy;
      Await.until(START_TIMEOUT, "S3Proxy started", () -> started.getState().equals("STARTED"));
      env.put("CASCADE_RECORDING_S3_ENABLED", "true");
      env.put("CASCADE_RECORDING_S3_ENDPOINT", endpoint.toString());
      env.put("CASCADE_RECORDING_S3_BUCKET", BUCKET);
      env.put("CASCADE_RECORDING_S3_PATH_STYLE", "true");
      env.put("CASCADE_RECORDING_S3_PREFIX", "bench/");
      env.put("AWS_ACCESS_KEY_ID", ACCESS_KEY);
      env.put("AWS_SECRET_ACCESS_KEY", SECRET_KEY);
      env.put("AWS_REGION", "us-east-1");
    }
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(options.jvm().trim().split("\\s+")));
    command.add("-Dio.netty.leakDetectionLevel=disabled");
    command.addAll(trust);
    if (options.jfr().contains(mode)) {
      command.add("-XX:StartFlightRecording=filename=" + dir.resolve("origin.jfr") + ",settings=profile,dumponexit=true");
    }
    command.addAll(List.of("-jar", jar.toAbsolutePath().toString()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("origin.log").toFile());
    pb.environment().putAll(env);
    Process origin = pb.start();
    EventLoopGroup loops = new NioEventLoopGroup(2);
    List<RtmpClient> clients = new ArrayList<>();
    List<SyntheticPublisher> publishers = new ArrayList<>();
    String failure = null;
    try {
      Await.until(START_TIMEOUT, "the origin listening on RTMP port " + rtmp,
          () -> !origin.isAlive() || listening(rtmp));
      if (!origin.isAlive()) {
        throw new IllegalStateException("the origin exited, see " + dir.resolve("origin.log"));
      }
      SyntheticMedia.Profile profile = SyntheticMedia.Profile.of(options.bitrateKbps(), 30, 2, true);
      Duration publishFor = Duration.ofSeconds(options.warmupSeconds() + options.durationSeconds() + 30L);
      List<CompletableFuture<?>> ready = new ArrayList<>();
      for (int i = 0; i < options.streams(); i++) {
        RtmpUrl url = RtmpUrl.parse("rtmp://127.0.0.1:" + rtmp + "/bench/s" + i);
        RtmpClient c = RtmpClient.create(loops, new RtmpClientOptions(), new RtmpClientListener() { });
        clients.add(c);
        ready.add(c.connect(url).thenCompose(info -> c.publish(url.stream())).toCompletableFuture());
      }
      CompletableFuture.allOf(ready.toArray(CompletableFuture[]::new)).get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      for (RtmpClient c : clients) {
        publishers.add(SyntheticPublisher.start(c, profile, publishFor));
      }
      Thread.sleep(options.warmupSeconds() * 1000L);
      long pid = origin.pid();
      Map<String, Double> m0 = scraper.scrape(httpPort);
      long[] cpu0 = ProcSampler.cpuTicks(pid);
      Map<String, Long> threads0 = ProcSampler.threadTicks(pid, RecordingBench::threadGroup);
      long io0 = writeBytes(pid);
      long[] machine0 = ProcSampler.machineTicks();
      long t0 = System.nanoTime();
      double load = ProcSampler.loadAverage();
      Thread.sleep(options.durationSeconds() * 1000L);
      long[] cpu1 = ProcSampler.cpuTicks(pid);
      Map<String, Long> threads = new HashMap<>(ProcSampler.threadTicks(pid, RecordingBench::threadGroup));
      threads0.forEach((group, ticks) -> threads.merge(group, -ticks, Long::sum));
      long io1 = writeBytes(pid);
      long[] machine1 = ProcSampler.machineTicks();
      double seconds = (System.nanoTime() - t0) / 1e9;
      Map<String, Double> m1 = scraper.scrape(httpPort);
      long frames = publishers.stream().mapToLong(p -> p.videoFramesSent() + p.audioFramesSent()).sum();
      long late = 0;
      for (SyntheticPublisher p : publishers) {
        late += p.stop().get(20, TimeUnit.SECONDS).lateFrames();
      }
      // Uploads handed over during the window finish: their lag is counted whole.
      Map<String, Double> m2 = m1;
      if (s3) {
        Await.until(DRAIN_TIMEOUT, "uploads drained", () -> {
          try {
            Map<String, Double> m = scraper.scrape(httpPort);
            return get(m, "cascade_recording_upload_queued") + get(m, "cascade_recording_upload_active") == 0;
          } catch (IOException e) {
            return false; // a scrape that timed out on a loaded machine: asked again at the next poll
          }
        });
        m2 = scraper.scrape(httpPort);
      }
      double lagCount = get(m2, "cascade_recording_upload_lag_seconds_count")
          - get(m0, "cascade_recording_upload_lag_seconds_count");
      double lagSum = get(m2, "cascade_recording_upload_lag_seconds_sum") - get(m0, "cascade_recording_upload_lag_seconds_sum");
      long errors = (long) (sum(m1, "cascade_recording_errors_total") - sum(m0, "cascade_recording_errors_total"));
      long uploadFailures = (long) (sum(m2, "cascade_recording_upload_failures_total")
          - sum(m0, "cascade_recording_upload_failures_total"));
      long dropped = (long) (get(m1, "cascade_recording_dropped_bytes_total") - get(m0, "cascade_recording_dropped_bytes_total"));
      if (errors > 0 || uploadFailures > 0 || dropped > 0) {
        failure = "errors " + errors + ", upload failures " + uploadFailures + ", dropped bytes " + dropped;
      }
      return new Run(mode + label, round, load, seconds, (cpu1[0] + cpu1[1] - cpu0[0] - cpu0[1]) / ProcSampler.TICKS_PER_SECOND,
          (cpu1[1] - cpu0[1]) / ProcSampler.TICKS_PER_SECOND,
          (machine1[0] - machine0[0]) / (double) Math.max(1, machine1[1] - machine0[1])
              * Runtime.getRuntime().availableProcessors(),
          (get(m1, "cascade_recording_bytes_total") - get(m0, "cascade_recording_bytes_total")) / seconds / 1e6,
          (io1 - io0) / seconds / 1e6,
          (long) (get(m1, "cascade_recording_segments_total") - get(m0, "cascade_recording_segments_total")),
          dropped, errors, (long) (get(m2, "cascade_recording_upload_files_total") - get(m0, "cascade_recording_upload_files_total")),
          (get(m2, "cascade_recording_upload_bytes_total") - get(m0, "cascade_recording_upload_bytes_total")) / seconds / 1e6,
          uploadFailures, lagCount > 0 ? lagSum / lagCount : Double.NaN, p95(m0, m2), late, frames, failure,
          threads);
    } finally {
      for (SyntheticPublisher p : publishers) {
        p.stop();
      }
      for (RtmpClient c : clients) {
        c.close();
      }
      origin.destroy(); // SIGTERM: the origin ends its recordings and dumps the JFR recording
      if (!origin.waitFor(30, TimeUnit.SECONDS)) {
        origin.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      loops.shutdownGracefully(0, 2, TimeUnit.SECONDS).await(10, TimeUnit.SECONDS);
      if (proxy != null) {
        proxy.stop();
      }
      if (blobs != null) {
        blobs.close();
      }
    }
  }

  /**
   * A key pair for S3Proxy's HTTPS endpoint (127.0.0.1, two days) in {@code dir/s3proxy.p12}, and
   * the origin JVM's options that make it trust that certificate alone.
   */
  private static List<String> selfSigned(Path dir) throws IOException, InterruptedException {
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    Path keys = dir.resolve("s3proxy.p12");
    Path cert = dir.resolve("s3proxy.der");
    Path trust = dir.resolve("trust.p12");
    keytool(List.of(keytool, "-genkeypair", "-alias", "s3proxy", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=127.0.0.1", "-ext", "SAN=IP:127.0.0.1", "-validity", "2", "-keystore", keys.toString(),
        "-storetype", "PKCS12", "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD));
    keytool(List.of(keytool, "-exportcert", "-alias", "s3proxy", "-keystore", keys.toString(), "-storepass",
        STORE_PASSWORD, "-file", cert.toString()));
    keytool(List.of(keytool, "-importcert", "-noprompt", "-alias", "s3proxy", "-file", cert.toString(), "-keystore",
        trust.toString(), "-storetype", "PKCS12", "-storepass", STORE_PASSWORD));
    return List.of("-Djavax.net.ssl.trustStore=" + trust, "-Djavax.net.ssl.trustStorePassword=" + STORE_PASSWORD,
        "-Djavax.net.ssl.trustStoreType=PKCS12");
  }

  private static void keytool(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("keytool failed: " + command.get(1) + ": " + output);
    }
  }

  private static BlobStoreContext filesystemStore(Path base) {
    java.util.Properties p = new java.util.Properties();
    p.setProperty("jclouds.filesystem.basedir", base.toString());
    return ContextBuilder.newBuilder(new FilesystemApiMetadata()).overrides(p).credentials("local", "local")
        .build(BlobStoreContext.class);
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

  private static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
