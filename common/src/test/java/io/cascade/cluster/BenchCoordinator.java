package io.cascade.cluster;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs one measurement of docs/SCALE.md: starts the JVMs of {@link MembershipBench}, measures idle
 * cluster traffic and connections from the kernel's per-socket counters ({@code ss -tinp}), then
 * publish-to-edge latency and events per publish, then kills an origin ({@code kill -9}) and times
 * how long the waiting edges take to see the new owner. Prints {@code RESULT} lines.
 *
 * <pre>
 * java -cp ... io.cascade.cluster.BenchCoordinator member|client ORIGINS EDGES JVMS KEYS [HEAP_MB_PER_EDGE_JVM]
 * </pre>
 */
public final class BenchCoordinator {
  private static final long RUN_LIMIT_NANOS = TimeUnit.MINUTES.toNanos(12);
  private static final Pattern SOCKET = Pattern.compile("pid=(\\d+),");
  private static final Pattern SENT = Pattern.compile("bytes_sent:(\\d+)");
  private static final Pattern RECEIVED = Pattern.compile("bytes_received:(\\d+)");
  private static final Pattern FIELD = Pattern.compile("(\\w+)=(\\S+)");

  private final long started = System.nanoTime();
  private final BlockingQueue<Map<String, String>> lines = new LinkedBlockingQueue<>();
  private final List<Child> children = new ArrayList<>();

  private record Child(String name, Process process, PrintWriter in) {
  }

  public static void main(String[] args) throws Exception {
    BenchCoordinator c = new BenchCoordinator();
    try {
      c.run(args[0], Integer.parseInt(args[1]), Integer.parseInt(args[2]), Integer.parseInt(args[3]),
          Integer.parseInt(args[4]), args.length > 5 ? Integer.parseInt(args[5]) : 1024);
    } finally {
      c.children.forEach(ch -> ch.process().destroyForcibly());
    }
    System.exit(0);
  }

  private void run(String mode, int origins, int edges, int jvms, int keys, int heapMb) throws Exception {
    String cluster = "bench-" + mode + "-" + ProcessHandle.current().pid();
    List<Integer> ports = new ArrayList<>();
    for (int i = 0; i < origins; i++) {
      ports.add(ClusterAddresses.port("127.0.0.1", 0));
    }
    String seeds = String.join(",", ports.stream().map(p -> "127.0.0.1:" + p).toList());
    Map<String, String> originMember = new HashMap<>();
    Map<String, Long> originPid = new HashMap<>();
    for (int i = 0; i < origins; i++) {
      children.add(spawn("origin-" + i, 512, "origin", cluster, Integer.toString(ports.get(i)), seeds));
    }
    for (int i = 0; i < origins; i++) {
      Map<String, String> ready = expect("ready", 120);
      originMember.put(ready.get("from"), ready.get("member"));
      originPid.put(ready.get("from"), Long.parseLong(ready.get("pid")));
    }
    long joinStart = System.nanoTime();
    int perJvm = (edges + jvms - 1) / jvms;
    List<Long> edgePids = new ArrayList<>();
    for (int j = 0; j < jvms; j++) {
      int first = j * perJvm;
      int count = Math.min(perJvm, edges - first);
      children.add(spawn("edges-" + j, heapMb, "edges", cluster, mode, Integer.toString(first),
          Integer.toString(count), Integer.toString(keys), seeds));
    }
    double heapPerEdge = 0;
    double threadsPerEdge = 0;
    for (int j = 0; j < jvms; j++) {
      Map<String, String> ready = expect("ready", 600);
      edgePids.add(Long.parseLong(ready.get("pid")));
      heapPerEdge += Double.parseDouble(ready.get("heapBytesPerEdge")) / jvms;
      threadsPerEdge += Double.parseDouble(ready.get("threadsPerEdge")) / jvms;
    }
    double joinSeconds = (System.nanoTime() - joinStart) / 1e9;
    result("mode=%s origins=%d edges=%d jvms=%d keys=%d all_edges_joined_s=%.1f heap_per_edge_kb=%.0f"
        + " threads_per_edge=%.1f", mode, origins, edges, jvms, keys, joinSeconds, heapPerEdge / 1024, threadsPerEdge);

    // Idle traffic and connections, from the kernel's per-socket byte counters.
    Thread.sleep(5000);
    Map<Long, long[]> a = sockets();
    long t0 = System.nanoTime();
    Thread.sleep(20000);
    Map<Long, long[]> b = sockets();
    double secs = (System.nanoTime() - t0) / 1e9;
    long edgeSent = 0;
    long edgeConns = 0;
    for (long pid : edgePids) {
      edgeSent += sent(b, pid) - sent(a, pid);
      edgeConns += b.getOrDefault(pid, new long[3])[2];
    }
    long originSent = 0;
    for (Map.Entry<String, Long> o : originPid.entrySet()) {
      long pid = o.getValue();
      originSent += sent(b, pid) - sent(a, pid);
      result("mode=%s %s established_tcp=%d sent_bytes_per_s=%.0f", mode, o.getKey(), b.getOrDefault(pid, new long[3])[2],
          (sent(b, pid) - sent(a, pid)) / secs);
    }
    result("mode=%s idle_window_s=%.0f edge_tcp_per_edge=%.2f edges_sent_bytes_per_s=%.0f origins_sent_bytes_per_s=%.0f"
        + " cluster_bytes_per_s_per_edge=%.0f", mode, secs, (double) edgeConns / edges, edgeSent / secs,
        originSent / secs, (edgeSent + originSent) / secs / edges);

    // Publishes: one key at a time from origin-0; every edge watching it should be told, no other.
    Child origin0 = children.get(0);
    Map<String, Long> publishedAt = new HashMap<>();
    for (int k = 0; k < keys; k++) {
      origin0.in().println("publish live/k" + k);
      Map<String, String> p = expect("published", 60);
      publishedAt.put(p.get("key"), Long.parseLong(p.get("t0")));
      Thread.sleep(200);
    }
    Thread.sleep(3000);
    List<Map<String, String>> seen = drain("seen");
    List<Long> latencies = new ArrayList<>();
    for (Map<String, String> s : seen) {
      latencies.add(Long.parseLong(s.get("t")) - publishedAt.get(s.get("key")));
    }
    latencies.sort(null);
    result("mode=%s publishes=%d events=%d events_per_publish=%.1f expected_per_publish=%.1f latency_ms_p50=%.1f"
        + " p99=%.1f max=%.1f", mode, keys, seen.size(), (double) seen.size() / keys, (double) edges / keys,
        pct(latencies, 50), pct(latencies, 99), pct(latencies, 100));
    for (Child ch : children) {
      ch.in().println("stats");
    }
    for (int i = 0; i < children.size(); i++) {
      Map<String, String> s = expect("stats", 60);
      result("mode=%s stats %s heap_mb=%.0f threads=%s", mode, s.get("from"),
          Long.parseLong(s.get("heapUsedBytes")) / 1048576.0, s.get("threads"));
    }

    if (origins > 1) {
      crash(mode, originMember.get("origin-1"), keys, edges);
    }
  }

  /** kill -9 of origin-0, which owns every key; origin-1 takes each key over as soon as it may. */
  private void crash(String mode, String survivor, int keys, int edges) throws Exception {
    Child origin0 = children.get(0);
    Child origin1 = children.get(1);
    long killedAt = System.nanoTime();
    origin0.process().destroyForcibly();
    for (int k = 0; k < keys; k++) {
      origin1.in().println("takeover live/k" + k);
    }
    Map<String, String> first = expect("tookover", 90);
    long firstTakeover = Long.parseLong(first.get("t")) - killedAt;
    List<Long> toNewOwner = new ArrayList<>();
    int removals = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (toNewOwner.size() < edges && System.nanoTime() < deadline) {
      Map<String, String> s = lines.poll(1, TimeUnit.SECONDS);
      if (s == null || !"seen".equals(s.get("kind"))) {
        continue;
      }
      if (survivor.equals(s.get("owner"))) {
        toNewOwner.add(Long.parseLong(s.get("t")) - killedAt);
      } else {
        removals++;
      }
    }
    toNewOwner.sort(null);
    result("mode=%s crash first_takeover_ms=%.0f edges_told_new_owner=%d/%d to_new_owner_ms_p50=%.0f max=%.0f"
        + " removal_events=%d", mode, firstTakeover / 1e6, toNewOwner.size(), edges, pct(toNewOwner, 50),
        pct(toNewOwner, 100), removals);
  }

  private static double pct(List<Long> sortedNanos, int p) {
    if (sortedNanos.isEmpty()) {
      return Double.NaN;
    }
    int i = Math.min(sortedNanos.size() - 1, (int) Math.ceil(p / 100.0 * sortedNanos.size()) - 1);
    return sortedNanos.get(Math.max(0, i)) / 1e6;
  }

  private static long sent(Map<Long, long[]> sockets, long pid) {
    long[] s = sockets.get(pid);
    return s == null ? 0 : s[0];
  }

  /** Per process: bytes sent, bytes received and established TCP sockets, summed over its sockets. */
  private static Map<Long, long[]> sockets() throws IOException, InterruptedException {
    Process ss = new ProcessBuilder("ss", "-tinpH", "state", "established").redirectErrorStream(true).start();
    String out = new String(ss.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    ss.waitFor(30, TimeUnit.SECONDS);
    Map<Long, long[]> byPid = new HashMap<>();
    long[] current = null;
    for (String line : out.split("\n")) {
      if (!line.startsWith("\t") && !line.startsWith(" ")) {
        Matcher m = SOCKET.matcher(line);
        current = m.find() ? byPid.computeIfAbsent(Long.parseLong(m.group(1)), k -> new long[3]) : null;
        if (current != null) {
          current[2]++;
        }
      } else if (current != null) {
        Matcher s = SENT.matcher(line);
        Matcher r = RECEIVED.matcher(line);
        current[0] += s.find() ? Long.parseLong(s.group(1)) : 0;
        current[1] += r.find() ? Long.parseLong(r.group(1)) : 0;
      }
    }
    return byPid;
  }

  private Child spawn(String name, int heapMb, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heapMb + "m", "-Xss512k", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
        MembershipBench.class.getName()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    Path log = MembershipBench.logDir().resolve(name + ".log");
    Writer logFile = Files.newBufferedWriter(log, StandardCharsets.UTF_8);
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
          Writer w = logFile) {
        for (String line; (line = r.readLine()) != null; ) {
          if (line.startsWith("BENCH ")) {
            Map<String, String> fields = new HashMap<>();
            String body = line.substring(6);
            fields.put("kind", body.split(" ", 2)[0]);
            fields.put("from", name);
            Matcher m = FIELD.matcher(body);
            while (m.find()) {
              fields.put(m.group(1), m.group(2));
            }
            lines.add(fields);
            if (body.startsWith("error")) {
              System.err.println(name + ": " + body);
            }
          }
          w.write(line);
          w.write('\n');
        }
      } catch (IOException e) {
        // The child is gone.
      }
    }, "bench-" + name);
    reader.setDaemon(true);
    reader.start();
    Child child = new Child(name, p, new PrintWriter(p.getOutputStream(), true, StandardCharsets.UTF_8));
    return child;
  }

  /** The next line of {@code kind}, keeping the lines of other kinds for later. */
  private Map<String, String> expect(String kind, int seconds) throws InterruptedException {
    long deadline = Math.min(System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds), started + RUN_LIMIT_NANOS);
    List<Map<String, String>> other = new ArrayList<>();
    try {
      while (System.nanoTime() < deadline) {
        Map<String, String> l = lines.poll(1, TimeUnit.SECONDS);
        if (l != null && kind.equals(l.get("kind"))) {
          return l;
        } else if (l != null && "error".equals(l.get("kind"))) {
          result("error from=%s edges_joined=%s of=%s detail=%s", l.get("from"), l.get("edges_joined"), l.get("of"),
              l.get("detail"));
          throw new IllegalStateException(l.get("from") + " failed (see target/scale-bench/)");
        } else if (l != null) {
          other.add(l);
        }
      }
      throw new IllegalStateException("no '" + kind + "' line within " + seconds + " s (see target/scale-bench/)");
    } finally {
      lines.addAll(other);
    }
  }

  private List<Map<String, String>> drain(String kind) {
    List<Map<String, String>> all = new ArrayList<>();
    lines.drainTo(all);
    List<Map<String, String>> match = new ArrayList<>();
    for (Map<String, String> l : all) {
      if (kind.equals(l.get("kind"))) {
        match.add(l);
      }
    }
    return match;
  }

  private static void result(String format, Object... args) {
    System.out.println("RESULT " + String.format(Locale.ROOT, format, args));
  }
}
