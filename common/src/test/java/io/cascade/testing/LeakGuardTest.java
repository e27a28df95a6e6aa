package io.cascade.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The guard can fail: a buffer dropped unreleased is reported by the next collect. */
class LeakGuardTest {
  @Test
  void aDroppedBufferIsReported() {
    LeakGuard.install();
    LeakGuard.collect();
    leak();
    List<String> found = LeakGuard.collect();
    assertThat(found).as("leak reports (this test runs under paranoid leak detection)").isNotEmpty();
    assertThat(found.get(0)).contains("ByteBuf");
  }

  /** Allocates and drops a buffer in its own frame, so nothing on the caller's stack holds it. */
  private static void leak() {
    ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(16);
    b.writeInt(42);
  }
}
