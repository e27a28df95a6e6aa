package io.cascade.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UpstreamBackoffTest {
  private static final Duration MIN = Duration.ofMillis(250);
  private static final Duration MAX = Duration.ofSeconds(5);

  @Test
  void doublesFromTheMinimumUpToTheCap() {
    UpstreamBackoff top = new UpstreamBackoff(MIN, MAX, () -> 1.0);
    long[] delays = new long[10];
    for (int i = 0; i < delays.length; i++) {
      delays[i] = top.nextDelayMillis();
    }
    assertThat(delays).containsExactly(250, 500, 1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000);
    assertThat(top.failures()).isEqualTo(10);
  }

  @Test
  void jitterStaysWithinTheUpperHalfOfEachStep() {
    UpstreamBackoff bottom = new UpstreamBackoff(MIN, MAX, () -> 0.0);
    assertThat(bottom.nextDelayMillis()).isEqualTo(125);
    assertThat(bottom.nextDelayMillis()).isEqualTo(250);
    UpstreamBackoff random = new UpstreamBackoff(MIN, MAX);
    for (int i = 1; i <= 1000; i++) {
      long base = Math.min(250L << Math.min(i - 1, 10), 5000);
      assertThat(random.nextDelayMillis()).isBetween(base / 2, base);
    }
  }

  @Test
  void resetStartsOver() {
    UpstreamBackoff b = new UpstreamBackoff(MIN, MAX, () -> 1.0);
    b.nextDelayMillis();
    b.nextDelayMillis();
    b.reset();
    assertThat(b.failures()).isZero();
    assertThat(b.nextDelayMillis()).isEqualTo(250);
  }

  @Test
  void manyFailuresNeitherOverflowNorExceedTheCap() {
    UpstreamBackoff b = new UpstreamBackoff(Duration.ofMillis(1), Duration.ofDays(365), () -> 1.0);
    long last = 0;
    for (int i = 0; i < 200; i++) {
      long d = b.nextDelayMillis();
      assertThat(d).isPositive().isGreaterThanOrEqualTo(last).isLessThanOrEqualTo(Duration.ofDays(365).toMillis());
      last = d;
    }
  }
}
