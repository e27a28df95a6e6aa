package io.cascade.cluster;

import io.cascade.cluster.ClusterProcess.Role;
import io.cascade.testing.Await;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Cascade cluster of separate JVMs on loopback: N origins (Hazelcast data members) and M edges
 * (lite members), each with its own free RTMP, HTTP and Hazelcast port, all sharing a cluster name
 * unique to this cluster (so concurrent runs never merge) and a random cluster secret.
 *
 * <p>{@link #close()} always ends every node it started, even after a failure, and then fails when
 * any node logged a Netty leak. A shutdown hook kills whatever a crashed test JVM leaves behind.
 */
public final class Cluster implements AutoCloseable {
  public static final String ORIGIN_JAR_PROPERTY = "cascade.origin.jar";
  public static final String EDGE_JAR_PROPERTY = "cascade.edge.jar";
  public static final String LOG_DIR_PROPERTY = "cascade.cluster.logs";
  /** Covers JVM start, Hazelcast join and the HTTP server on a loaded 2-core machine. */
  public static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private static final Logger log = LoggerFactory.getLogger(Cluster.class);
  private static final Set<ClusterProcess> LIVE = ConcurrentHashMap.newKeySet();
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(ClusterProcess::kill), "cluster-reaper"));
  }

  private final String label;
  private final String name;
  private final String secret;
  private final Map<String, String> environment;
  private final Map<Role, Map<String, String>> roleEnvironment;
  private final Map<String, Integer> groupIds;
  private final Map<Integer, Map<String, String>> perEdgeEnvironment;
  private final Map<Integer, Map<String, String>> perOriginEnvironment;
  private final Path logDir;
  private final List<Integer> originClusterPorts;
  private final List<ClusterProcess> origins = new CopyOnWriteArrayList<>();
  private final List<ClusterProcess> edges = new CopyOnWriteArrayList<>();
  private int edgesCreated;

  private Cluster(Builder b) {
    this.label = b.label;
    this.name = "cascade-it-" + b.label + "-" + UUID.randomUUID().toString().substring(0, 8);
    this.secret = UUID.randomUUID().toString();
    this.environment = Map.copyOf(b.environment);
    this.roleEnvironment = Map.of(Role.ORIGIN, Map.copyOf(b.originEnvironment), Role.EDGE, Map.copyOf(b.edgeEnvironment));
    this.groupIds = Map.copyOf(b.groupIds);
    this.perEdgeEnvironment = Map.copyOf(b.perEdgeEnvironment);
    this.perOriginEnvironment = Map.copyOf(b.perOriginEnvironment);
    String dir = System.getProperty(LOG_DIR_PROPERTY);
    this.logDir = dir == null || dir.isBlank() ? Path.of("target", "cluster-logs") : Path.of(dir);
    this.originClusterPorts = new ArrayList<>();
  }

  public static Builder builder(String label) {
    return new Builder(label);
  }

  /** Settings and size of a cluster to start. */
  public static final class Builder {
    private final String label;
    private int origins = 1;
    private int edges;
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final Map<String, String> originEnvironment = new LinkedHashMap<>();
    private final Map<String, String> edgeEnvironment = new LinkedHashMap<>();
    private final Map<String, Integer> groupIds = new HashMap<>();
    private final Map<Integer, Map<String, String>> perEdgeEnvironment = new HashMap<>();
    private final Map<Integer, Map<String, String>> perOriginEnvironment = new HashMap<>();

    private Builder(String label) {
      if (!label.matches("[a-z0-9-]{1,24}")) {
        throw new IllegalArgumentException("label must be short lowercase words: " + label);
      }
      this.label = label;
    }

    public Builder origins(int n) {
      this.origins = n;
      return this;
    }

    public Builder edges(int n) {
      this.edges = n;
      return this;
    }

    /** A {@code CASCADE_*} variable for every node. */
    public Builder env(String key, String value) {
      environment.put(key, value);
      return this;
    }

    /** A {@code CASCADE_*} variable for the {@code index}th edge only (from 0), e.g. its tier. */
    public Builder edgeEnv(int index, String key, String value) {
      perEdgeEnvironment.computeIfAbsent(index, i -> new LinkedHashMap<>()).put(key, value);
      return this;
    }

    /** A {@code CASCADE_*} variable for the {@code index}th origin only (from 0), e.g. its own disk. */
    public Builder originEnv(int index, String key, String value) {
      perOriginEnvironment.computeIfAbsent(index, i -> new LinkedHashMap<>()).put(key, value);
      return this;
    }

    public Builder originEnv(String key, String value) {
      originEnvironment.put(key, value);
      return this;
    }

    public Builder edgeEnv(String key, String value) {
      edgeEnvironment.put(key, value);
      return this;
    }

    /**
     * Runs the {@code index}th node of {@code role} (from 0) with group id {@code gid}, so that
     * iptables' owner match can tell its packets apart (see {@link LoopbackPartition}).
     */
    public Builder groupId(Role role, int index, int gid) {
      groupIds.put(role + "/" + index, gid);
      return this;
    }

    /** Starts every node and waits until all are ready. */
    public Cluster start() {
      Cluster cluster = new Cluster(this);
      try {
        cluster.launch(origins, edges);
      } catch (RuntimeException | Error e) {
        cluster.close();
        throw e;
      }
      return cluster;
    }
  }

  private void launch(int originCount, int edgeCount) {
    long started = System.nanoTime();
    // When two halves of a split cluster hold as many data members each, Hazelcast merges the half
    // whose master's address sorts higher as text into the other. Ports sorted as text, origins
    // first, make origin-a's half the merge target, so a test takes the same path on every run.
    List<Integer> clusterPorts = new ArrayList<>();
    for (int i = 0; i < originCount + edgeCount; i++) {
      clusterPorts.add(freePort());
    }
    clusterPorts.sort(Comparator.comparing(String::valueOf));
    originClusterPorts.addAll(clusterPorts.subList(0, originCount));
    List<ClusterProcess> all = new ArrayList<>();
    for (int i = 0; i < originCount; i++) {
      ClusterProcess p = create(Role.ORIGIN, i, "origin-" + (char) ('a' + i), originClusterPorts.get(i));
      origins.add(p);
      all.add(p);
    }
    for (int i = 0; i < edgeCount; i++) {
      all.add(newEdge(clusterPorts.get(originCount + i)));
    }
    all.forEach(this::startTracked);
    all.forEach(p -> p.awaitReady(READY_TIMEOUT));
    awaitMembers(all, members(all));
    log.info("cluster ready name={} origins={} edges={} startMs={}", name, originCount, edgeCount,
        (System.nanoTime() - started) / 1_000_000);
  }

  private ClusterProcess newEdge(int clusterPort) {
    int index = edgesCreated++;
    ClusterProcess p = create(Role.EDGE, index, "edge-" + (index + 1), clusterPort);
    edges.add(p);
    return p;
  }

  /** Starts one more edge (a lite member joining) and waits until it is ready. */
  public ClusterProcess addEdge() {
    ClusterProcess p = newEdge(freePort());
    startTracked(p);
    p.awaitReady(READY_TIMEOUT);
    awaitMembers(List.of(p), members(running()));
    return p;
  }

  /** Starts more edges at once and waits until all are ready. */
  public List<ClusterProcess> addEdges(int n) {
    List<ClusterProcess> added = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      added.add(newEdge(freePort()));
    }
    added.forEach(this::startTracked);
    added.forEach(p -> p.awaitReady(READY_TIMEOUT));
    awaitMembers(added, members(running()));
    return added;
  }

  /** How many of {@code nodes} are Hazelcast members (a client edge is none). */
  private static int members(List<ClusterProcess> nodes) {
    return (int) nodes.stream().filter(ClusterProcess::isClusterMember).count();
  }

  /**
   * Waits until each of {@code nodes} has logged a membership of {@code size}
   * ({@code event=cluster.… members=N}): ready nodes that have not all met yet would make the
   * first assertions race the join.
   */
  public void awaitMembers(List<ClusterProcess> nodes, int size) {
    for (ClusterProcess p : nodes) {
      Await.until(READY_TIMEOUT, p.node() + " sees a cluster of " + size, () -> p.clusterMembers() == size,
          () -> "last seen: " + p.clusterMembers() + "\n" + p.logTail(40));
    }
  }

  private void startTracked(ClusterProcess p) {
    LIVE.add(p);
    p.start();
  }

  private ClusterProcess create(Role role, int index, String shortName, int clusterPort) {
    String node = label + "-" + shortName;
    int rtmp = freePort();
    int http = freePort();
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CASCADE_NODE_ID", node);
    env.put("CASCADE_RTMP_HOST", "127.0.0.1");
    env.put("CASCADE_RTMP_PORT", Integer.toString(rtmp));
    env.put("CASCADE_HTTP_HOST", "127.0.0.1");
    env.put("CASCADE_HTTP_PORT", Integer.toString(http));
    env.put("CASCADE_CLUSTER_NAME", name);
    env.put("CASCADE_CLUSTER_SECRET", secret);
    env.put("CASCADE_CLUSTER_HOST", "127.0.0.1");
    env.put("CASCADE_CLUSTER_PORT", Integer.toString(clusterPort));
    env.put("CASCADE_CLUSTER_ADVERTISED_HOST", "127.0.0.1");
    // Nodes stop on SIGTERM after a drain; a short one keeps the harness's stops quick.
    env.put("CASCADE_NODE_DRAIN_GRACE", "2s");
    env.put("CASCADE_CLUSTER_MEMBERS", originClusterPorts.stream().map(p -> "127.0.0.1:" + p)
        .collect(Collectors.joining(",")));
    env.putAll(environment);
    env.putAll(roleEnvironment.get(role));
    if (role == Role.EDGE) {
      env.putAll(perEdgeEnvironment.getOrDefault(index, Map.of()));
    } else {
      env.putAll(perOriginEnvironment.getOrDefault(index, Map.of()));
    }
    Path jar = jar(role == Role.ORIGIN ? ORIGIN_JAR_PROPERTY : EDGE_JAR_PROPERTY);
    return new ClusterProcess(node, role, jar, env, logDir.resolve(node + ".log"), rtmp, http, clusterPort,
        groupIds.get(role + "/" + index));
  }

  private static Path jar(String property) {
    String value = System.getProperty(property);
    if (value == null || value.isBlank()) {
      throw new AssertionError("system property " + property + " is not set; run the cluster tests through"
          + " Maven (./mvnw verify), whose failsafe configuration points it at the built jar");
    }
    Path jar = Path.of(value);
    if (!Files.isRegularFile(jar)) {
      throw new AssertionError(property + "=" + value + " does not exist; the module's package phase builds it");
    }
    return jar;
  }

  /**
   * A port free on loopback now, taken from below Linux's ephemeral range (32768..60999). Ports
   * from the ephemeral range were seen taken between the pick and the node's bind by the many
   * outgoing connections these tests open (the kernel picks their local ports from that range).
   */
  static int freePort() {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 1000; attempt++) {
      int port = random.nextInt(20_000, 32_000);
      if (HANDED_OUT.contains(port)) {
        continue;
      }
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        if (HANDED_OUT.add(port)) {
          return port;
        }
      } catch (IOException e) {
        // In use: try another.
      }
    }
    throw new UncheckedIOException(new IOException("no free loopback port in 20000..31999"));
  }

  public String name() {
    return name;
  }

  public String secret() {
    return secret;
  }

  public ClusterProcess origin(int i) {
    return origins.get(i);
  }

  public ClusterProcess edge(int i) {
    return edges.get(i);
  }

  public List<ClusterProcess> origins() {
    return List.copyOf(origins);
  }

  public List<ClusterProcess> edges() {
    return List.copyOf(edges);
  }

  /** Every node started, dead or alive. */
  public List<ClusterProcess> nodes() {
    List<ClusterProcess> all = new ArrayList<>(origins);
    all.addAll(edges);
    return all;
  }

  /** Nodes whose JVM runs and is not frozen: the ones whose API answers. */
  public List<ClusterProcess> running() {
    return nodes().stream().filter(p -> p.isAlive() && !p.isFrozen()).toList();
  }

  /**
   * Stops every node (SIGTERM, in parallel; SIGKILL for frozen ones and after the grace), then
   * fails when any node's log holds a Netty leak report.
   */
  @Override
  public void close() {
    List<Thread> stoppers = new ArrayList<>();
    for (ClusterProcess p : nodes()) {
      Thread t = new Thread(() -> {
        try {
          p.stop();
        } finally {
          LIVE.remove(p);
        }
      }, "stop-" + p.node());
      t.start();
      stoppers.add(t);
    }
    for (Thread t : stoppers) {
      try {
        t.join(Duration.ofSeconds(40).toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    nodes().forEach(ClusterProcess::kill);
    assertNoLeaks();
  }

  /** Fails when any node's log holds a Netty {@code LEAK:} report. */
  public void assertNoLeaks() {
    StringBuilder leaks = new StringBuilder();
    for (ClusterProcess p : nodes()) {
      List<String> lines = p.leakLines();
      if (!lines.isEmpty()) {
        leaks.append(p.node()).append(" (").append(p.logFile()).append("):\n  ")
            .append(String.join("\n  ", lines)).append('\n');
      }
    }
    if (leaks.length() > 0) {
      throw new AssertionError("Netty reported leaked buffers in cluster " + name + ":\n" + leaks);
    }
  }
}
