package io.cascade;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.CascadeConfig;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No two io.cascade packages of common's main code depend on each other, directly or through
 * others: a cycle means one of them holds something that belongs elsewhere. Reads the compiled
 * classes' constant pools (every class a class names appears there, in a class entry or a
 * descriptor), so no dependency on an architecture library.
 */
class PackageCyclesTest {
  private static final Pattern CASCADE_CLASS = Pattern.compile("io/cascade/[A-Za-z0-9_/$]+");

  /** The live core deals in media frames: no wire format, no transport, no role. */
  @Test
  void theLiveCoreKnowsNoWireFormat() throws Exception {
    Set<String> used = packageGraph(classesDir()).getOrDefault("io.cascade.live", Set.of());
    assertThat(used).as("packages io.cascade.live uses").isNotEmpty()
        .noneMatch(p -> p.startsWith("io.cascade.rtmp") || p.startsWith("io.cascade.flv")
            || p.startsWith("io.cascade.server") || p.startsWith("io.cascade.http")
            || p.startsWith("io.cascade.media") || p.startsWith("io.cascade.client"));
  }

  @Test
  void mainPackagesHaveNoCycles() throws Exception {
    Map<String, Set<String>> uses = packageGraph(classesDir());
    assertThat(uses).as("packages found").containsKeys("io.cascade.metrics", "io.cascade.http", "io.cascade.live");

    List<Set<String>> cycles = new ArrayList<>();
    for (Set<String> component : new Tarjan(uses).components()) {
      if (component.size() > 1) {
        cycles.add(component);
      }
    }
    assertThat(cycles).as("package cycles (each set's packages reach each other); edges: %s",
        describe(uses, cycles)).isEmpty();
  }

  private static Path classesDir() throws URISyntaxException {
    return Path.of(CascadeConfig.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  /** Package → the other io.cascade packages its classes name. */
  private static Map<String, Set<String>> packageGraph(Path root) throws IOException {
    Map<String, Set<String>> uses = new TreeMap<>();
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".class")).toList()) {
        String from = packageOf(root.relativize(file).toString().replace('\\', '/'));
        Set<String> targets = uses.computeIfAbsent(from, k -> new TreeSet<>());
        for (String utf8 : constantPoolStrings(file)) {
          Matcher m = CASCADE_CLASS.matcher(utf8);
          while (m.find()) {
            String to = packageOf(m.group());
            if (!to.equals(from)) {
              targets.add(to);
            }
          }
        }
      }
    }
    return uses;
  }

  private static String packageOf(String internalName) {
    return internalName.substring(0, internalName.lastIndexOf('/')).replace('/', '.');
  }

  /** The UTF-8 entries of a class file's constant pool (JVMS 4.4). */
  private static List<String> constantPoolStrings(Path classFile) throws IOException {
    List<String> strings = new ArrayList<>();
    try (InputStream raw = Files.newInputStream(classFile); DataInputStream in = new DataInputStream(raw)) {
      in.readInt();
      in.readUnsignedShort();
      in.readUnsignedShort();
      int count = in.readUnsignedShort();
      for (int i = 1; i < count; i++) {
        int tag = in.readUnsignedByte();
        switch (tag) {
          case 1 -> strings.add(in.readUTF());
          case 7, 8, 16, 19, 20 -> in.skipBytes(2);
          case 15 -> in.skipBytes(3);
          case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipBytes(4);
          case 5, 6 -> {
            in.skipBytes(8);
            i++;
          }
          default -> throw new IOException("unknown constant pool tag " + tag + " in " + classFile);
        }
      }
    }
    return strings;
  }

  private static String describe(Map<String, Set<String>> uses, List<Set<String>> cycles) {
    StringBuilder out = new StringBuilder();
    for (Set<String> cycle : cycles) {
      for (String p : cycle) {
        Set<String> inCycle = new TreeSet<>(uses.getOrDefault(p, Set.of()));
        inCycle.retainAll(cycle);
        out.append('\n').append(p).append(" -> ").append(inCycle);
      }
    }
    return out.toString();
  }

  /** Strongly connected components of the package graph (Tarjan's algorithm). */
  private static final class Tarjan {
    private final Map<String, Set<String>> graph;
    private final Map<String, Integer> index = new HashMap<>();
    private final Map<String, Integer> low = new HashMap<>();
    private final Deque<String> stack = new ArrayDeque<>();
    private final Set<String> onStack = new TreeSet<>();
    private final List<Set<String>> components = new ArrayList<>();

    Tarjan(Map<String, Set<String>> graph) {
      this.graph = graph;
    }

    List<Set<String>> components() {
      for (String node : graph.keySet()) {
        if (!index.containsKey(node)) {
          visit(node);
        }
      }
      return components;
    }

    private void visit(String node) {
      index.put(node, index.size());
      low.put(node, index.get(node));
      stack.push(node);
      onStack.add(node);
      for (String next : graph.getOrDefault(node, Set.of())) {
        if (!index.containsKey(next)) {
          visit(next);
          low.put(node, Math.min(low.get(node), low.get(next)));
        } else if (onStack.contains(next)) {
          low.put(node, Math.min(low.get(node), index.get(next)));
        }
      }
      if (low.get(node).equals(index.get(node))) {
        Set<String> component = new TreeSet<>();
        String member;
        do {
          member = stack.pop();
          onStack.remove(member);
          component.add(member);
        } while (!member.equals(node));
        components.add(component);
      }
    }
  }
}
