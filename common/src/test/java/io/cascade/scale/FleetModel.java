package io.cascade.scale;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * The fleet on paper (docs/SCALE.md): from an audience (players × bitrate over streams with Zipf
 * popularity, players spread at random over the leaf edges by the load balancer) and the per-node
 * costs measured on this machine, how many leaves, parents and origins it takes, what the origins
 * send with and without the parent tier, what each publish costs the registry, what a parent's
 * death sets off, and which limit gives out first. Analytic except for the parent assignment,
 * which draws a seeded rendezvous hash (uniform per stream) and takes the worst parent.
 *
 * <pre>
 * java -cp common/target/test-classes io.cascade.scale.FleetModel [name=value ...]
 * </pre>
 * Every input is a {@code name=value} argument; {@link #defaults()} lists them with where each
 * default comes from. Deterministic: the same arguments print the same table.
 */
public final class FleetModel {
  private final Map<String, Double> in;

  private FleetModel(Map<String, Double> in) {
    this.in = in;
  }

  /** Inputs and their defaults; the measured ones are the figures of docs/SCALE.md. */
  static Map<String, Double> defaults() {
    Map<String, Double> d = new LinkedHashMap<>();
    d.put("players", 1_000_000.0);
    d.put("bitrateMbps", 4.0);
    d.put("streams", 10_000.0);
    d.put("zipf", 1.0);
    // docs/BENCHMARKS.md run E2: 7,848 Mbit/s delivered through an edge on 1.22 cores (≈6.4 Gbit/s per core).
    d.put("gbpsPerCore", 6.4);
    d.put("coresPerNode", 4.0);
    d.put("nicGbps", 10.0);
    d.put("nicUtilization", 0.7);
    d.put("rehomeJitterMs", 300.0);
    d.put("gopSeconds", 2.0);
    // Measured by BenchCoordinator (docs/SCALE.md): idle cluster bytes/s a lite-member edge sends
    // per other member (4,704 B/s at 21 peers, 8,838 B/s at 41), and a client edge per origin
    // (608 B/s to 2 origins at 100 edges).
    d.put("memberBytesPerSecPerPeer", 220.0);
    d.put("clientBytesPerSecPerOrigin", 304.0);
    // Not measured: a viewer report is one JSON entry (node, players per stream), taken as 400 bytes.
    d.put("viewerReportBytes", 400.0);
    d.put("viewerReportSeconds", 2.0);
    d.put("seed", 14.0);
    return d;
  }

  public static void main(String[] args) {
    of(args).print();
  }

  private double get(String name) {
    return in.get(name);
  }

  /** Players per stream, most popular first, Zipf with the given exponent, summing to players. */
  double[] audience() {
    int streams = (int) get("streams");
    double[] w = new double[streams];
    double sum = 0;
    for (int i = 0; i < streams; i++) {
      w[i] = 1 / Math.pow(i + 1, get("zipf"));
      sum += w[i];
    }
    for (int i = 0; i < streams; i++) {
      w[i] = w[i] / sum * get("players");
    }
    return w;
  }

  /** Expected leaves carrying a stream of {@code n} players spread at random over {@code leaves}. */
  static double leavesCarrying(double n, int leaves) {
    return leaves * -Math.expm1(-n / leaves);
  }

  double nodeGbps() {
    return Math.min(get("coresPerNode") * get("gbpsPerCore"), get("nicGbps") * get("nicUtilization"));
  }

  void print() {
    table().forEach(System.out::println);
  }

  /** A model with the defaults overridden by {@code name=value} arguments. */
  static FleetModel of(String... args) {
    Map<String, Double> in = defaults();
    for (String a : args) {
      String[] kv = a.split("=", 2);
      if (kv.length != 2 || !in.containsKey(kv[0])) {
        throw new IllegalArgumentException("unknown input " + a + "; inputs: " + in.keySet());
      }
      in.put(kv[0], Double.parseDouble(kv[1]));
    }
    return new FleetModel(in);
  }

  /** The Markdown table {@link #main} prints, line by line (docs/SCALE.md holds the defaults' one). */
  List<String> table() {
    List<String[]> random = column(false);
    List<String[]> affinity = column(true);
    List<String> lines = new ArrayList<>();
    lines.add("| quantity | players spread at random over leaves | players of a stream kept on few leaves |");
    lines.add("|---|---|---|");
    for (int i = 0; i < random.size(); i++) {
      lines.add("| " + random.get(i)[0] + " | " + random.get(i)[1] + " | " + affinity.get(i)[1] + " |");
    }
    return lines;
  }

  /**
   * One placement of players on leaves: at random (what a plain load balancer does), or with
   * stream affinity (a stream's players fill as few leaves as capacity allows, e.g. a load
   * balancer hashing on the stream key with bounded load).
   */
  List<String[]> column(boolean affinity) {
    double b = get("bitrateMbps") / 1000;
    double cap = nodeGbps();
    double[] audience = audience();
    int leaves = (int) Math.ceil(get("players") * b / cap);
    double perLeaf = get("players") / leaves;
    double[] carried = new double[audience.length];
    double leafIngest = 0;
    for (int s = 0; s < audience.length; s++) {
      carried[s] = affinity ? Math.ceil(audience[s] / perLeaf) : leavesCarrying(audience[s], leaves);
      leafIngest += carried[s] * b;
    }
    int parents = parentsNeeded(carried, b, cap);
    double[] parentLoad = parentLoads(carried, b, parents, new Random((long) get("seed")));
    double worstParent = Arrays.stream(parentLoad).max().orElse(0);
    double ingest = audience.length * b;
    double originEgressFlat = leafIngest;
    // One relay per stream that some leaf carries: a stream expected on less than one leaf costs that fraction.
    double originEgressTiered = 0;
    for (double c : carried) {
      originEgressTiered += Math.min(1, c) * b;
    }

    List<String[]> rows = new ArrayList<>();
    row(rows, "audience", "%,.0f players x %.1f Mbit/s = %.2f Tbit/s, %,d streams (Zipf %.1f), top stream %,.0f players",
        get("players"), get("bitrateMbps"), get("players") * b / 1000, audience.length, get("zipf"), audience[0]);
    row(rows, "node egress capacity", "%.1f Gbit/s = min(%.0f cores x %.1f Gbit/s, %.0f Gbit/s NIC x %.0f %%)",
        cap, get("coresPerNode"), get("gbpsPerCore"), get("nicGbps"), get("nicUtilization") * 100);
    row(rows, "leaf edges", "%,d (%,.0f players each)", leaves, perLeaf);
    row(rows, "leaves carrying a stream", "mean %.1f, top stream %.0f; leaf ingest %.1f Gbit/s",
        Arrays.stream(carried).sum() / carried.length, carried[0], leafIngest);
    row(rows, "parent edges", "%d (worst %.2f Gbit/s; fits with one parent lost)", parents, worstParent);
    row(rows, "origin ingest", "%.1f Gbit/s (%d origins by ingest)", ingest, (int) Math.ceil(ingest / cap));
    row(rows, "origin egress, flat", "%.1f Gbit/s (%d origins by egress)", originEgressFlat,
        (int) Math.ceil(originEgressFlat / cap));
    row(rows, "origin egress, tiered", "%.1f Gbit/s, one relay per stream (%d origins)", originEgressTiered,
        (int) Math.ceil(originEgressTiered / cap));
    row(rows, "registry events per publish", "mean %.1f, top stream %.0f (of N = %,d edges)",
        Arrays.stream(carried).sum() / carried.length + 1, carried[0] + 1, leaves + parents);

    // The busiest parent dies: its streams rehash over the others; each leaf carrying one re-pulls
    // after a random delay. The busiest, not the mean: the storm to size for is the worst one.
    int[] assignment = assignment(audience.length, parents, new Random((long) get("seed")));
    int busiest = 0;
    for (int i = 1; i < parents; i++) {
      busiest = parentLoad[i] > parentLoad[busiest] ? i : busiest;
    }
    double lostStreams = 0;
    for (int a : assignment) {
      lostStreams += a == busiest ? 1 : 0;
    }
    double repulls = parentLoad[busiest] / b;
    double jitter = get("rehomeJitterMs") / 1000;
    double burstGbit = repulls * b * get("gopSeconds");
    row(rows, "busiest parent dies: re-pulls", "%,.0f leaf pulls of %,.0f streams in %.0f ms: %,.0f connects/s, %,.1f"
        + " per surviving parent", repulls, lostStreams, jitter * 1000, repulls / jitter, repulls / jitter / (parents - 1));
    row(rows, "busiest parent dies: GOP burst", "%.1f Gbit in %.0f ms = %.1f Gbit/s over %d parents (%.2f each, on"
        + " %.2f)", burstGbit, jitter * 1000, burstGbit / jitter, parents - 1, burstGbit / jitter / (parents - 1),
        (leafIngest - parentLoad[busiest]) / (parents - 1));
    double spare = (parents - 1) * cap - (leafIngest - parentLoad[busiest]);
    row(rows, "busiest parent dies: jitter the burst needs", spare <= 0 ? "none fits: the survivors have no spare capacity"
        : String.format(Locale.ROOT, "edge.rehomeJitter >= %,.0f ms (burst within the survivors' %.1f Gbit/s spare)",
            burstGbit / spare * 1000, spare));
    row(rows, "busiest parent dies: origin pulls", "%,.0f new pulls (%.2f Gbit/s moves between parents)", lostStreams,
        lostStreams * b);

    int n = leaves + parents;
    double memberPeer = get("memberBytesPerSecPerPeer");
    double clientOrigin = get("clientBytesPerSecPerOrigin");
    int origins = (int) Math.ceil(Math.max(ingest, originEgressTiered) / cap);
    int members = n + origins;
    row(rows, "all edges members", "%,d members, %,.0f TCP connections, %.1f MB/s cluster traffic (%.1f kB/s per edge)",
        members, (double) members * (members - 1) / 2, memberPeer * members * (members - 1) / 1e6,
        memberPeer * (members - 1) / 1e3);
    int core = parents + origins;
    row(rows, "leaves as clients", "%,d members, %,d connections per origin, %.1f MB/s cluster traffic", core,
        n, (clientOrigin * leaves * origins + memberPeer * core * (core - 1)) / 1e6);
    row(rows, "viewer reports", "%,.0f registry writes/s (each edge every %.0f s), %.1f MB/s", n / get("viewerReportSeconds"),
        get("viewerReportSeconds"), n / get("viewerReportSeconds") * get("viewerReportBytes") / 1e6);
    return rows;
  }

  /** Fewest parents whose worst load stays under capacity, also after the worst one is lost. */
  int parentsNeeded(double[] carried, double b, double cap) {
    for (int p = 2; p < 100_000; p++) {
      Random random = new Random((long) get("seed"));
      double[] load = parentLoads(carried, b, p, random);
      if (Arrays.stream(load).max().orElse(0) > cap) {
        continue;
      }
      double[] survivors = parentLoads(carried, b, p, new Random((long) get("seed")));
      int worst = 0;
      for (int i = 1; i < p; i++) {
        worst = survivors[i] > survivors[worst] ? i : worst;
      }
      double moved = survivors[worst];
      double max = 0;
      for (int i = 0; i < p; i++) {
        if (i != worst) {
          max = Math.max(max, survivors[i] + moved / (p - 1));
        }
      }
      if (max <= cap) {
        return p;
      }
    }
    throw new IllegalStateException("no parent count fits");
  }

  /** Egress of each parent: every stream on one parent (rendezvous hash, drawn uniformly), sent to the leaves carrying it. */
  static double[] parentLoads(double[] carried, double b, int parents, Random random) {
    double[] load = new double[parents];
    int[] assignment = assignment(carried.length, parents, random);
    for (int s = 0; s < carried.length; s++) {
      load[assignment[s]] += carried[s] * b;
    }
    return load;
  }

  /** The parent of each stream, drawn as {@link #parentLoads} draws it (same seed, same answer). */
  static int[] assignment(int streams, int parents, Random random) {
    int[] parentOf = new int[streams];
    for (int s = 0; s < streams; s++) {
      parentOf[s] = random.nextInt(parents);
    }
    return parentOf;
  }

  private static void row(List<String[]> rows, String what, String format, Object... args) {
    rows.add(new String[] {what, String.format(Locale.ROOT, format, args)});
  }


}
