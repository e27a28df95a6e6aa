package io.cascade.cluster;

import io.cascade.client.RtmpUrl;
import io.cascade.config.ConfigSchema;
import io.cascade.config.Setting;
import io.cascade.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Cascade node (origin or edge) as a separate JVM started from its built jar, the way an
 * operator runs it: {@code java -jar cascade-<role>.jar} configured only by {@code CASCADE_*}
 * environment variables. Output goes to {@code <logs>/<node>.log} (replaced on each run), which
 * the harness scans for Netty leak reports and membership events.
 *
 * <p>Signals go to the JVM's own pid: {@link #kill()} is SIGKILL (a crash), {@link #stop()} SIGTERM
 * (an orderly shutdown), {@link #freeze()}/{@link #thaw()} SIGSTOP/SIGCONT (a long GC pause or a
 * hung VM: the sockets stay open but nothing answers).
 */
public final class ClusterProcess implements HttpNode {
  public enum Role {
    ORIGIN, EDGE
  }

  private static final Logger log = LoggerFactory.getLogger(ClusterProcess.class);
  private static final Duration STOP_GRACE = Duration.ofSeconds(15);
  private static final String LEAK_MARKER = "LEAK:";
  private static final Pattern MEMBERS = Pattern.compile(" members=(\\d+)");

  private final String node;
  private final Role role;
  private final Path jar;
  private final Map<String, String> environment;
  private final Path logFile;
  private final int rtmpPort;
  private final int httpPort;
  private final int clusterPort;
  /** When set, the JVM runs with this real/effective group id, so firewall rules can tell its sockets apart. */
  private final Integer groupId;
  private Process process;
  private volatile boolean frozen;

  ClusterProcess(String node, Role role, Path jar, Map<String, String> environment, Path logFile, int rtmpPort,
      int httpPort, int clusterPort, Integer groupId) {
    this.node = node;
    this.role = role;
    this.jar = jar;
    this.environment = Map.copyOf(environment);
    this.logFile = logFile;
    this.rtmpPort = rtmpPort;
    this.httpPort = httpPort;
    this.clusterPort = clusterPort;
    this.groupId = groupId;
  }

  /** Launches the JVM; returns at once (see {@link #awaitReady}). */
  synchronized ClusterProcess start() {
    if (process != null) {
      throw new IllegalStateException(node + " already started");
    }
    return launch(StandardOpenOption.TRUNCATE_EXISTING);
  }

  /**
   * Launches the node again after its JVM exited (a restart by its supervisor, with the same ports,
   * environment and disk); its log goes on in the same file. Returns at once (see {@link #awaitReady}).
   */
  public synchronized ClusterProcess restart() {
    if (process == null || process.isAlive()) {
      throw new IllegalStateException(node + " is not stopped");
    }
    return launch(StandardOpenOption.APPEND);
  }

  private ClusterProcess launch(StandardOpenOption logMode) {
    List<String> command = new ArrayList<>();
    if (groupId != null) {
      // setpriv execs java in place, so the pid (and the signals) stay the JVM's.
      command.addAll(List.of("setpriv", "--regid", groupId.toString(), "--clear-groups"));
    }
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // Serial GC: a 256 MiB heap needs no parallel collector, and seven JVMs share two cores.
    command.addAll(List.of("-Dio.netty.leakDetectionLevel=paranoid", "-Xmx256m", "-XX:+UseSerialGC",
        "-jar", jar.toString()));
    ProcessBuilder builder = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
        .redirectInput(ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()));
    // Only what the test sets: a developer's own CASCADE_* variables must not leak into the nodes.
    builder.environment().keySet().removeIf(k -> k.startsWith("CASCADE_"));
    builder.environment().putAll(environment);
    try {
      Files.createDirectories(logFile.getParent());
      Files.writeString(logFile, "=== harness: start " + node + " (" + role + ") at " + Instant.now() + " env="
          + redacted(environment) + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, logMode,
          StandardOpenOption.WRITE);
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + node + ": " + command, e);
    }
    log.info("node started node={} role={} pid={} rtmp={} http={} cluster={} log={}", node, role, process.pid(),
        rtmpPort, httpPort, clusterPort, logFile);
    return this;
  }

  private static Map<String, String> redacted(Map<String, String> env) {
    Map<String, String> copy = new TreeMap<>(env);
    copy.replaceAll((k, v) -> ConfigSchema.byEnvName(k).map(Setting::secret).orElse(false) || k.contains("SECRET")
        ? "<redacted>" : v);
    return copy;
  }

  /**
   * Waits until {@code /health/ready} answers 200.
   *
   * @throws AssertionError when the JVM exits first or {@code timeout} passes, with the log's tail
   */
  public void awaitReady(Duration timeout) {
    Await.until(timeout, node + " ready", () -> {
      if (!isAlive()) {
        throw new AssertionError(node + " exited with " + process.exitValue() + " before it was ready\n" + logTail(60));
      }
      return status("/health/ready") == 200;
    }, () -> logTail(60));
  }

  @Override
  public String node() {
    return node;
  }

  /**
   * Whether the node is a Hazelcast member: all but a leaf edge with
   * {@code CASCADE_CLUSTER_EDGE_MODE=client}, which is a client of the origins.
   */
  public boolean isClusterMember() {
    return role != Role.EDGE || !"client".equals(environment.get("CASCADE_CLUSTER_EDGE_MODE"))
        || "parent".equals(environment.get("CASCADE_EDGE_TIER"));
  }

  public Role role() {
    return role;
  }

  public long pid() {
    return process.pid();
  }

  public int rtmpPort() {
    return rtmpPort;
  }

  public int httpPort() {
    return httpPort;
  }

  public int clusterPort() {
    return clusterPort;
  }

  public Integer groupId() {
    return groupId;
  }

  public Path logFile() {
    return logFile;
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** {@code rtmp://127.0.0.1:<rtmpPort>/<app>/<stream>} for RtmpClient. */
  public RtmpUrl rtmpUrl(String app, String stream) {
    return new RtmpUrl("127.0.0.1", rtmpPort, app, stream);
  }

  /** The same as a string, for ffmpeg and ffprobe. */
  public String rtmpUri(String app, String stream) {
    return "rtmp://127.0.0.1:" + rtmpPort + "/" + app + "/" + stream;
  }

  /** SIGKILL, as a crash or an OOM kill would; waits until the process is gone. */
  public void kill() {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroyForcibly();
    frozen = false;
    awaitExit(Duration.ofSeconds(10));
    log.info("node killed node={} pid={}", node, process.pid());
  }

  /** SIGTERM and a bounded wait for an orderly exit; SIGKILL when it does not come. */
  public void stop() {
    if (process == null || !process.isAlive()) {
      return;
    }
    if (frozen) {
      kill();
      return;
    }
    process.destroy();
    if (!awaitExit(STOP_GRACE)) {
      log.warn("node did not stop on SIGTERM within {}; killing node={}", STOP_GRACE, node);
      kill();
    }
  }

  /** SIGTERM without waiting: the node drains (see {@link #awaitExitCode}). */
  public void terminate() {
    signal("TERM");
  }

  /** Waits for the process to end; its exit code, or null when it is still running after {@code timeout}. */
  public Integer awaitExitCode(Duration timeout) {
    return awaitExit(timeout) ? process.exitValue() : null;
  }

  /** SIGSTOP: the JVM stops dead, sockets open, as in a long stop-the-world pause. */
  public void freeze() {
    signal("STOP");
    frozen = true;
  }

  /** SIGCONT after {@link #freeze()}. */
  public void thaw() {
    signal("CONT");
    frozen = false;
  }

  public boolean isFrozen() {
    return frozen;
  }

  private void signal(String name) {
    try {
      Process p = new ProcessBuilder("kill", "-" + name, Long.toString(pid())).redirectErrorStream(true).start();
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new AssertionError("kill -" + name + " " + pid() + " failed: "
            + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
    log.info("node signalled node={} pid={} signal=SIG{}", node, pid(), name);
  }

  private boolean awaitExit(Duration timeout) {
    try {
      return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }




  /** Lines of the log that contain {@code text}. */
  public List<String> logLines(String text) {
    try (Stream<String> lines = Files.lines(logFile, StandardCharsets.UTF_8)) {
      return lines.filter(l -> l.contains(text)).toList();
    } catch (IOException e) {
      return List.of();
    } catch (UncheckedIOException e) {
      // A half-written multi-byte character at the end of a live log.
      return List.of();
    }
  }

  /**
   * Cluster size in the node's latest membership line ({@code event=cluster.joined|member_added|
   * member_removed … members=N}), or -1 before the first.
   */
  public int clusterMembers() {
    List<String> lines = logLines("event=cluster.");
    for (int i = lines.size() - 1; i >= 0; i--) {
      Matcher m = MEMBERS.matcher(lines.get(i));
      if (m.find()) {
        return Integer.parseInt(m.group(1));
      }
    }
    return -1;
  }

  /** Netty leak reports this node logged. */
  public List<String> leakLines() {
    return logLines(LEAK_MARKER);
  }

  /** The last {@code n} lines of the log, for failure messages. */
  public String logTail(int n) {
    try {
      List<String> all = Files.readAllLines(logFile, StandardCharsets.ISO_8859_1);
      return "--- " + logFile + " (last " + n + " lines)\n"
          + String.join("\n", all.subList(Math.max(0, all.size() - n), all.size()));
    } catch (IOException e) {
      return "--- " + logFile + " unreadable: " + e;
    }
  }

  @Override
  public String toString() {
    return node + "(" + role + ", pid " + (process == null ? "-" : process.pid()) + ", rtmp " + rtmpPort + ", http "
        + httpPort + ", cluster " + clusterPort + ")";
  }
}
