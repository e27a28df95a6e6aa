package io.cascade.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A network partition between two groups of nodes on loopback, made with iptables.
 *
 * <p>Every node talks Hazelcast on 127.0.0.1, and a member's outgoing connections come from
 * ephemeral ports, so addresses and source ports cannot tell a cluster connection between the two
 * sides from one between a side and anybody else. The nodes of each side therefore run under their
 * own group id ({@link Cluster.Builder#groupId}); a packet a side's process sends to the other
 * side's Hazelcast port marks its connection (owner match + CONNMARK), and every packet of a marked
 * connection is dropped, in both directions: established connections go silent and new ones
 * never complete, exactly as when a switch between two racks fails. RTMP and HTTP are untouched.
 *
 * <p>Rules are removed by {@link #heal()}/{@link #close()}, and by a shutdown hook should the test
 * JVM exit while they are in place.
 */
final class LoopbackPartition implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(LoopbackPartition.class);

  /** One side: the group id its nodes run under and the Hazelcast ports they listen on. */
  record Side(int groupId, List<Integer> clusterPorts) {}

  private final int mark = 0x4300_0000 | ThreadLocalRandom.current().nextInt(1 << 16);
  private final List<List<String>> rules = new ArrayList<>();
  private final Thread reaper = new Thread(this::heal, "partition-reaper");
  private boolean applied;

  LoopbackPartition(Side a, Side b) {
    addMarks(a, b);
    addMarks(b, a);
    rules.add(List.of("OUTPUT", "-o", "lo", "-m", "connmark", "--mark", hex(mark), "-j", "DROP"));
  }

  private void addMarks(Side from, Side to) {
    for (int port : to.clusterPorts()) {
      rules.add(List.of("OUTPUT", "-o", "lo", "-p", "tcp", "-m", "owner", "--gid-owner", Integer.toString(from.groupId()),
          "--dport", Integer.toString(port), "-j", "CONNMARK", "--set-mark", hex(mark)));
    }
  }

  /**
   * Why partitions cannot be made here (not root, no iptables, no setpriv, no owner or connmark
   * support in the kernel), or empty when they can.
   */
  static Optional<String> unavailableReason() {
    Result id = run(List.of("id", "-u"));
    if (id.exit != 0 || !id.output.trim().equals("0")) {
      return Optional.of("not root (id -u: " + id.output.trim() + "): iptables needs CAP_NET_ADMIN");
    }
    Result setpriv = run(List.of("setpriv", "--version"));
    if (setpriv.exit != 0) {
      return Optional.of("setpriv (util-linux) missing: " + setpriv.output.trim());
    }
    Result list = run(List.of("iptables", "-w", "-n", "-L", "OUTPUT"));
    if (list.exit != 0) {
      return Optional.of("iptables unusable (install the Debian package iptables): " + list.output.trim());
    }
    List<String> probe = List.of("OUTPUT", "-o", "lo", "-p", "tcp", "-m", "owner", "--gid-owner", "65533", "--dport",
        "9", "-j", "CONNMARK", "--set-mark", "0x1");
    Result add = iptables("-A", probe);
    if (add.exit != 0) {
      return Optional.of("iptables owner/CONNMARK rules refused: " + add.output.trim());
    }
    iptables("-D", probe);
    return Optional.empty();
  }

  /** Cuts the two sides apart. */
  synchronized void apply() {
    Runtime.getRuntime().addShutdownHook(reaper);
    for (List<String> rule : rules) {
      Result r = iptables("-A", rule);
      if (r.exit != 0) {
        heal();
        throw new AssertionError("iptables -A " + String.join(" ", rule) + " failed: " + r.output);
      }
      applied = true;
    }
    log.info("partition applied mark={} rules={}", hex(mark), rules.size());
  }

  /** Removes every rule this partition added; safe to call again. */
  synchronized void heal() {
    if (!applied) {
      return;
    }
    for (List<String> rule : rules) {
      // Deleting a rule that was never added fails harmlessly.
      iptables("-D", rule);
    }
    applied = false;
    try {
      Runtime.getRuntime().removeShutdownHook(reaper);
    } catch (IllegalStateException e) {
      // Already shutting down: the hook is what is running.
    }
    log.info("partition healed mark={}", hex(mark));
  }

  @Override
  public void close() {
    heal();
  }

  private static String hex(int value) {
    return "0x" + Integer.toHexString(value);
  }

  private record Result(int exit, String output) {}

  private static Result iptables(String action, List<String> rule) {
    List<String> command = new ArrayList<>(List.of("iptables", "-w", "5", action));
    command.addAll(rule);
    return run(command);
  }

  private static Result run(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return new Result(-1, String.join(" ", command) + ": timed out");
      }
      return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      return new Result(-1, String.join(" ", command) + ": " + e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Result(-1, "interrupted");
    }
  }
}
