package io.cascade.cluster;

import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** Small shared pieces of the cluster tests: stream names and the clients' event loops. */
final class Streams {
  static final String APP = "live";

  private Streams() {
  }

  /** A stream name no other test (or earlier run against a reused node) has used. */
  static String unique(String label) {
    return label + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** The registry key of {@code stream} in {@link #APP}. */
  static String key(String stream) {
    return APP + "/" + stream;
  }

  /** Two threads carry every test client of a class, so a thousand players cost the test JVM little CPU. */
  static EventLoopGroup clientLoops() {
    return new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  }

  static void shutdown(EventLoopGroup group) {
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }
}
