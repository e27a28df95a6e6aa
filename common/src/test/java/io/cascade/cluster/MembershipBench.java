package io.cascade.cluster;

import io.cascade.config.CascadeConfig;
import io.cascade.config.HostPort;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The measuring harness of docs/SCALE.md: K origins (data members, one JVM each) and N simulated
 * edges spread over J JVMs, several {@link ClusterNode}s per JVM, all on loopback, joined either as
 * lite members or as Hazelcast clients ({@code cluster.edgeMode}). A simulated edge is the real
 * cluster stack of an edge (Hazelcast instance, Vert.x, registry, parent directory) watching the
 * keys it would wait for, without RTMP. The run is bounded: at most {@code --seconds} in all.
 *
 * <p>Started by {@link BenchCoordinator}; this class is what each child JVM runs: it answers
 * commands on stdin and writes {@code BENCH ...} lines on stdout (logs go there too and are
 * skipped by the coordinator).
 *
 * <pre>
 * origin &lt;cluster&gt; &lt;port&gt; &lt;seeds&gt;       a data member on 127.0.0.1:port
 * edges &lt;cluster&gt; &lt;mode&gt; &lt;first&gt; &lt;count&gt; &lt;keys&gt; &lt;seeds&gt;
 *                                           edges first..first+count-1; edge i watches live/k(i mod keys)
 * </pre>
 * Commands on stdin: {@code publish <key>} and {@code takeover <key>} (origins), {@code stats}, {@code exit}.
 */
public final class MembershipBench {
  private static final PrintStream OUT = System.out;
  /** Edges started at once in one JVM: member joins queue at the master anyway. */
  private static final int START_PARALLELISM = 4;
  /** Longest one edge may take to join; a fleet that cannot form in this time is a result too. */
  private static final long JOIN_LIMIT_SECONDS = 180;

  private MembershipBench() {
  }

  public static void main(String[] args) throws Exception {
    List<HostPort> seeds = parseSeeds(args[args.length - 1]);
    switch (args[0]) {
      case "origin" -> origin(args[1], Integer.parseInt(args[2]), seeds);
      case "edges" -> edges(args[1], args[2], Integer.parseInt(args[3]), Integer.parseInt(args[4]),
          Integer.parseInt(args[5]), seeds);
      default -> throw new IllegalArgumentException("origin or edges, not " + args[0]);
    }
  }

  private static void origin(String cluster, int port, List<HostPort> seeds) throws Exception {
    ClusterNode node = ClusterTestSupport.await(ClusterNode.start(
        ClusterTestSupport.config(cluster, "origin-" + port, seeds, Map.of("cluster.port", port)),
        ClusterNode.Role.ORIGIN, ClusterTestSupport.smallVertx()));
    say("ready member=" + node.memberId() + " pid=" + ProcessHandle.current().pid());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      String[] cmd = line.trim().split(" ");
      switch (cmd[0]) {
        case "publish" -> {
          long t0 = System.nanoTime();
          StreamRegistry.Claim claim = ClusterTestSupport.await(node.registry().claim(record(node, cmd[1])));
          say("published key=" + cmd[1] + " t0=" + t0 + " granted=" + claim.granted());
        }
        case "takeover" -> {
          // As a broadcaster reconnecting at once to this origin would: claim until the dead owner is gone.
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
          StreamRegistry.Claim claim;
          do {
            claim = ClusterTestSupport.await(node.registry().claim(record(node, cmd[1])));
            if (!claim.granted()) {
              Thread.sleep(50);
            }
          } while (!claim.granted() && System.nanoTime() < deadline);
          say("tookover key=" + cmd[1] + " t=" + System.nanoTime() + " outcome=" + claim.outcome());
        }
        case "stats" -> say("stats " + jvmStats() + " members=" + node.memberCount());
        case "exit" -> {
          Runtime.getRuntime().halt(0);
        }
        default -> say("unknown " + line);
      }
    }
    Runtime.getRuntime().halt(0);
  }

  private static void edges(String cluster, String mode, int first, int count, int keys, List<HostPort> seeds)
      throws Exception {
    long[] before = heapAndThreads();
    List<ClusterNode> nodes = new ArrayList<>();
    Map<String, Boolean> counted = new ConcurrentHashMap<>();
    for (int i = first; i < first + count; i += START_PARALLELISM) {
      List<io.vertx.core.Future<ClusterNode>> batch = new ArrayList<>();
      for (int j = i; j < Math.min(first + count, i + START_PARALLELISM); j++) {
        CascadeConfig config = ClusterTestSupport.config(cluster, "edge-" + j, seeds,
            Map.of("cluster.edgeMode", mode));
        batch.add(ClusterNode.start(config, ClusterNode.Role.EDGE, ClusterTestSupport.smallVertx()));
      }
      for (io.vertx.core.Future<ClusterNode> f : batch) {
        try {
          nodes.add(f.toCompletionStage().toCompletableFuture().get(JOIN_LIMIT_SECONDS, TimeUnit.SECONDS));
        } catch (Exception e) {
          say("error edges_joined=" + nodes.size() + " of=" + count + " detail=" + e.toString().replace(' ', '_'));
          Runtime.getRuntime().halt(1);
        }
      }
    }
    CountDownLatch watching = new CountDownLatch(nodes.size());
    for (int n = 0; n < nodes.size(); n++) {
      int edge = first + n;
      String key = "live/k" + (edge % keys);
      nodes.get(n).vertx().runOnContext(v -> nodes.get(edge - first).registry().watch(key, record -> {
        long t = System.nanoTime();
        // The first delivery is the read after registering; every later one is an event.
        if (counted.putIfAbsent("e" + edge, Boolean.TRUE) == null) {
          watching.countDown();
          return;
        }
        say("seen edge=" + edge + " key=" + key + " t=" + t + " owner="
            + record.map(StreamRecord::ownerMember).orElse("none"));
      }));
    }
    if (!watching.await(120, TimeUnit.SECONDS)) {
      say("error watches not registered: " + watching.getCount());
    }
    long[] after = heapAndThreads();
    say("ready edges=" + nodes.size() + " pid=" + ProcessHandle.current().pid() + " heapBytesPerEdge="
        + (after[0] - before[0]) / nodes.size() + " threadsPerEdge=" + (double) (after[1] - before[1]) / nodes.size()
        + " " + jvmStats());
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    for (String line; (line = in.readLine()) != null; ) {
      if (line.startsWith("stats")) {
        say("stats " + jvmStats());
      } else if (line.startsWith("exit")) {
        break;
      }
    }
    Runtime.getRuntime().halt(0);
  }

  private static StreamRecord record(ClusterNode owner, String key) {
    long now = System.currentTimeMillis();
    return new StreamRecord(key, owner.memberId(), "origin", owner.advertisedHost(), 1935,
        UUID.randomUUID().toString(), now, now, "", "");
  }

  /** Heap in use after a full collection, and live threads. */
  private static long[] heapAndThreads() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return new long[] {ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed(),
        ManagementFactory.getThreadMXBean().getThreadCount()};
  }

  private static String jvmStats() {
    long[] ht = heapAndThreads();
    return "heapUsedBytes=" + ht[0] + " threads=" + ht[1];
  }

  private static List<HostPort> parseSeeds(String list) {
    List<HostPort> seeds = new ArrayList<>();
    for (String s : list.split(",")) {
      if (!s.isBlank() && !s.equals("-")) {
        seeds.add(HostPort.parse(s));
      }
    }
    return seeds;
  }

  static synchronized void say(String line) {
    OUT.println("BENCH " + line);
    OUT.flush();
  }

  static Path logDir() throws IOException {
    return Files.createDirectories(Path.of("target", "scale-bench"));
  }
}
