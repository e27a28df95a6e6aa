package io.cascade.origin;

import io.cascade.cluster.ClusterNode;
import io.cascade.node.NodeRunner;

/** {@code java -jar cascade-origin.jar [--config FILE]}. */
public final class OriginMain {
  private OriginMain() {
  }

  public static void main(String[] args) {
    NodeRunner.run(args, ClusterNode.Role.ORIGIN, OriginNode::start);
  }
}
