package io.cascade.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.cluster.ViewerDirectory.NodeViewers;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamTreeTest {
  private static final String KEY = "live/a";

  private static NodeViewers origin(String node, int served, int relays) {
    return new NodeViewers(node, "origin", null, served == 0 ? Map.of() : Map.of(KEY, served),
        relays == 0 ? Map.of() : Map.of(KEY, relays), Map.of(), Map.of(KEY, 2_000_000L), 0);
  }

  private static NodeViewers edge(String node, String tier, int served, int relays, String upstream) {
    return new NodeViewers(node, "edge", tier, served == 0 ? Map.of() : Map.of(KEY, served),
        relays == 0 ? Map.of() : Map.of(KEY, relays), upstream == null ? Map.of() : Map.of(KEY, upstream), Map.of(), 0);
  }

  @Test
  void originParentsAndLeavesNestByTheUpstreamEachEdgeReports() {
    List<NodeViewers> reports = List.of(
        origin("origin-a", 3, 2),
        edge("parent-1", "parent", 2, 2, "origin-a"),
        edge("parent-2", "parent", 0, 0, "origin-a"),
        edge("leaf-2", "leaf", 4, 0, "parent-1"),
        edge("leaf-1", "leaf", 3, 0, "parent-1"),
        edge("leaf-3", "leaf", 0, 0, null),
        new NodeViewers("other", "edge", "leaf", Map.of("live/b", 5), Map.of(), Map.of("live/b", "origin-a"), Map.of(), 0));

    StreamTree.Tree tree = StreamTree.of(KEY, "origin-a", reports);

    JsonObject root = tree.root();
    assertThat(root.getString("node")).isEqualTo("origin-a");
    assertThat(root.getString("role")).isEqualTo("origin");
    assertThat(root.containsKey("tier")).isFalse();
    assertThat(root.getInteger("players")).as("served minus relays").isEqualTo(1);
    assertThat(root.getInteger("relays")).isEqualTo(2);
    JsonArray parents = root.getJsonArray("children");
    assertThat(nodes(parents)).containsExactly("parent-1", "parent-2");
    JsonObject p1 = parents.getJsonObject(0);
    assertThat(p1.getString("tier")).isEqualTo("parent");
    assertThat(p1.getInteger("players")).isZero();
    assertThat(p1.getInteger("relays")).isEqualTo(2);
    JsonArray leaves = p1.getJsonArray("children");
    assertThat(nodes(leaves)).containsExactly("leaf-1", "leaf-2");
    assertThat(leaves.getJsonObject(0).getInteger("players")).isEqualTo(3);
    assertThat(leaves.getJsonObject(1).getInteger("players")).isEqualTo(4);
    assertThat(leaves.getJsonObject(1).getString("tier")).isEqualTo("leaf");
    assertThat(leaves.getJsonObject(1).getJsonArray("children")).isEmpty();
    assertThat(parents.getJsonObject(1).getJsonArray("children")).as("a parent pulling for nobody yet").isEmpty();
    assertThat(tree.detached()).as("leaf-3 neither plays nor pulls live/a; other serves another stream").isEmpty();
  }

  @Test
  void anEdgeWhoseUpstreamIsNotInTheTreeIsDetachedWithItsOwnPullers() {
    List<NodeViewers> reports = List.of(
        origin("origin-b", 1, 1),
        edge("parent-1", "parent", 1, 1, "origin-a"),
        edge("leaf-1", "leaf", 2, 0, "parent-1"),
        edge("leaf-2", "leaf", 5, 0, null),
        edge("leaf-3", "leaf", 1, 0, "origin-b"));

    StreamTree.Tree tree = StreamTree.of(KEY, "origin-b", reports);

    assertThat(nodes(tree.root().getJsonArray("children"))).containsExactly("leaf-3");
    JsonArray detached = tree.detached();
    assertThat(nodes(detached)).containsExactly("leaf-2", "parent-1");
    assertThat(detached.getJsonObject(0).getValue("upstream")).as("reconnecting, no upstream").isNull();
    assertThat(detached.getJsonObject(1).getString("upstream")).as("still on the former owner").isEqualTo("origin-a");
    assertThat(nodes(detached.getJsonObject(1).getJsonArray("children"))).containsExactly("leaf-1");
  }

  @Test
  void theOwnerIsTheRootEvenBeforeItReportsAndACycleCannotHangTheAssembly() {
    List<NodeViewers> reports = List.of(
        edge("leaf-1", "leaf", 2, 0, "origin-a"),
        edge("x", "parent", 1, 1, "y"),
        edge("y", "parent", 1, 1, "x"));

    StreamTree.Tree tree = StreamTree.of(KEY, "origin-a", reports);

    assertThat(tree.root().getString("role")).isEqualTo("origin");
    assertThat(tree.root().getInteger("players")).isZero();
    assertThat(nodes(tree.root().getJsonArray("children"))).containsExactly("leaf-1");
    assertThat(nodes(tree.detached())).containsExactly("x");
    assertThat(nodes(tree.detached().getJsonObject(0).getJsonArray("children"))).containsExactly("y");
  }

  private static List<String> nodes(JsonArray array) {
    return array.stream().map(o -> ((JsonObject) o).getString("node")).toList();
  }
}
