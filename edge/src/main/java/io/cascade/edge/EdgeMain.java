package io.cascade.edge;

import io.cascade.cluster.ClusterNode;
import io.cascade.node.NodeRunner;

/** {@code java -jar cascade-edge.jar [--config FILE]}. */
public final class EdgeMain {
  private EdgeMain() {
  }

  public static void main(String[] args) {
    NodeRunner.run(args, ClusterNode.Role.EDGE, EdgeNode::start);
  }
}
