package io.cascade.bench;

import static io.cascade.bench.OriginMetrics.get;

import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.client.SyntheticPublisher;
import io.cascade.testing.Await;
import io.cascade.testing.TestFiles;
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
 * same machine minutes apart. {@code toggle} ({@link RecordingToggle}) keeps one origin and its
 * publishers and starts and stops every recording through the control API between windows, {@code
 * --toggle-pairs} times off and on: the same process with and without recording. Disk throughput
 * is the origin's own recording byte counter and its {@code /proc/PID/io} write bytes over the window; upload lag is the delta of the origin's
 * {@code cascade_recording_upload_lag_seconds} histogram from the window's start until every
 * upload handed over has finished. Recordings and the bucket are deleted after each origin stops
 * (26 MB/s fill a disk in an hour of runs) unless {@code --keep-files yes}. Loopback only; every
 * phase bounded. See docs/BENCHMARKS.md.
 *
 * <pre>
 * java -cp ... io.cascade.bench.RecordingBench [--streams 50] [--bitrate-kbps 4000] [--warmup-seconds 10]
 *     [--duration-seconds 30] [--modes off,disk,s3,s3tls,toggle] [--rounds 1] [--toggle-pairs 3]
 *     [--fsync segment|none] [--jfr MODE,...] [--keep-files no]
 *     [--before-jar OTHER.jar]   # each mode also on another build, just before this one's
 * </pre>
 */
public final class RecordingBench {
  private static final String BUCKET = "recordings";
  private static final String ACCESS_KEY = "recbench-access";
  private static final String SECRET_KEY = "recbench-secret-Jd82";
  private static final String STORE_PASSWORD = "recbench-store";
  /** Label of the rows of {@code --before-jar}. */
  static final String BEFORE = "/before";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(90);

  private final RecordingBenchOptions options;
  private final Path out;
  private final OriginMetrics scraper = new OriginMetrics();

  private RecordingBench(RecordingBenchOptions options, Path out) {
    this.options = options;
    this.out = out;
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
    List<RecordingWindow> runs = new ArrayList<>();
    for (int round = 1; round <= options.rounds(); round++) {
      for (String mode : options.modes()) {
        if (options.beforeJar() != null) {
          for (RecordingWindow before : runMode(mode, round, options.beforeJar(), BEFORE)) {
            runs.add(before);
            System.out.println(RecordingReport.line(before));
          }
        }
        for (RecordingWindow r : runMode(mode, round, options.jar(), "")) {
          runs.add(r);
          System.out.println(RecordingReport.line(r));
        }
      }
    }
    String report = RecordingReport.table(runs, String.format(Locale.ROOT, "machine: %d cores, %s; %d streams x %d"
        + " kbit/s video + 128 kbit/s audio, 30 fps, 2 s GOP; warm-up %d s, window %d s; fsync %s; toggle pairs %d;"
        + " origin JVM %s%n", Runtime.getRuntime().availableProcessors(), System.getProperty("os.version"),
        options.streams(), options.bitrateKbps(), options.warmupSeconds(), options.durationSeconds(), options.fsync(),
        options.togglePairs(), options.jvm()));
    System.out.println();
    System.out.print(report);
    Files.writeString(out.resolve("table.txt"), report);
    System.out.println("(logs and table under " + out + ")");
  }

  private List<RecordingWindow> runMode(String mode, int round, Path jar, String label) throws Exception {
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
    boolean toggle = mode.equals(RecordingToggle.MODE);
    if (toggle) {
      env.put("CASCADE_API_TOKEN", RecordingToggle.TOKEN); // no rules: the toggle starts and stops them
    } else if (!mode.equals("off")) {
      env.put("CASCADE_RECORDING_RULES", "bench/*");
    }
    if (!mode.equals("off")) {
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
    boolean nginx = mode.startsWith("nginx");
    Process origin = nginx ? NginxRecorder.start(dir, rtmp, mode.equals("nginx-record")) : pb.start();
    EventLoopGroup loops = new NioEventLoopGroup(2);
    List<RtmpClient> clients = new ArrayList<>();
    List<SyntheticPublisher> publishers = new ArrayList<>();
    try {
      Await.until(START_TIMEOUT, "the origin listening on RTMP port " + rtmp,
          () -> !origin.isAlive() || listening(rtmp));
      if (!origin.isAlive()) {
        throw new IllegalStateException("the origin exited, see " + dir.resolve("origin.log"));
      }
      SyntheticMedia.Profile profile = SyntheticMedia.Profile.of(options.bitrateKbps(), 30, 2, true);
      long windows = toggle ? 2L * options.togglePairs() : 1;
      Duration publishFor = Duration.ofSeconds(options.warmupSeconds()
          + windows * (options.durationSeconds() + RecordingToggle.SETTLE.toSeconds()) + 30L);
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
      long pid = origin.pid();
      if (toggle) {
        RecordingToggle phases = new RecordingToggle(httpPort, options.streams());
        phases.startAll(); // the recording paths are compiled during the warm-up too
        Thread.sleep(options.warmupSeconds() * 1000L);
        List<RecordingWindow> rows = new ArrayList<>();
        for (int pair = 1; pair <= options.togglePairs(); pair++) {
          int row = (round - 1) * options.togglePairs() + pair;
          // off, on; then on, off: a drift over the run weighs on both alike
          for (boolean on : pair % 2 == 1 ? new boolean[] {false, true} : new boolean[] {true, false}) {
            phases.set(on);
            Thread.sleep(RecordingToggle.SETTLE.toMillis());
            RecordingWindow.Snapshot a = RecordingWindow.Snapshot.take(scraper, pid, httpPort);
            Thread.sleep(options.durationSeconds() * 1000L);
            RecordingWindow.Snapshot b = RecordingWindow.Snapshot.take(scraper, pid, httpPort);
            RecordingWindow r = RecordingWindow.measure((on ? RecordingToggle.ON : RecordingToggle.OFF) + label, row, a, b, b.metrics(), -1,
                publishers);
            rows.add(r);
          }
        }
        long late = 0;
        for (SyntheticPublisher p : publishers) {
          late += p.stop().get(20, TimeUnit.SECONDS).lateFrames();
        }
        System.out.println("(toggle: " + late + " frames of the publishers late by more than 5 ms over the whole run)");
        return rows;
      }
      Thread.sleep(options.warmupSeconds() * 1000L);
      long[] nginxPids = nginx ? NginxRecorder.pids(origin) : null;
      RecordingWindow.Snapshot start = nginx ? RecordingWindow.Snapshot.ofProcesses(nginxPids, dir.resolve("recordings"))
          : RecordingWindow.Snapshot.take(scraper, pid, httpPort);
      Thread.sleep(options.durationSeconds() * 1000L);
      RecordingWindow.Snapshot end = nginx ? RecordingWindow.Snapshot.ofProcesses(nginxPids, dir.resolve("recordings"))
          : RecordingWindow.Snapshot.take(scraper, pid, httpPort);
      long late = 0;
      for (SyntheticPublisher p : publishers) {
        late += p.stop().get(20, TimeUnit.SECONDS).lateFrames();
      }
      // Uploads handed over during the window finish: their lag is counted whole.
      Map<String, Double> drained = end.metrics();
      if (s3) {
        Await.until(DRAIN_TIMEOUT, "uploads drained", () -> {
          try {
            Map<String, Double> m = scraper.scrape(httpPort);
            return get(m, "cascade_recording_upload_queued") + get(m, "cascade_recording_upload_active") == 0;
          } catch (IOException e) {
            return false; // a scrape that timed out on a loaded machine: asked again at the next poll
          }
        });
        drained = scraper.scrape(httpPort);
      }
      return List.of(RecordingWindow.measure(mode + label, round, start, end, drained, late, publishers));
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
      if (!options.keepFiles()) {
        // 26 MB/s of recordings fill a disk in an hour of runs: the figures, logs and profiles stay.
        for (String files : List.of("recordings", "bucket-store")) {
          if (Files.exists(dir.resolve(files))) {
            TestFiles.deleteTree(dir.resolve(files));
          }
        }
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
