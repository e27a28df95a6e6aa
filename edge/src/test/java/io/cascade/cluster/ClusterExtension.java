package io.cascade.cluster;

import io.netty.channel.EventLoopGroup;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The node processes and the client event loops of one test class: started before its first test
 * (each node ready within {@link Cluster#READY_TIMEOUT}), stopped after its last, the clients'
 * loops first. Register it as a static field with {@code @RegisterExtension}.
 */
final class ClusterExtension implements BeforeAllCallback, AfterAllCallback {
  private final Cluster.Builder builder;
  private Cluster cluster;
  private EventLoopGroup loops;

  ClusterExtension(Cluster.Builder builder) {
    this.builder = builder;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    loops = Streams.clientLoops();
    cluster = builder.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (loops != null) {
      Streams.shutdown(loops);
    }
    if (cluster != null) {
      cluster.close();
    }
  }

  Cluster cluster() {
    return cluster;
  }

  /** Event loops for the test's publishers and players. */
  EventLoopGroup loops() {
    return loops;
  }
}
