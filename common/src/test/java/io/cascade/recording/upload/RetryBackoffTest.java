package io.cascade.recording.upload;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RetryBackoffTest {

  @Test
  void doublesFromTheMinimumUpToTheMaximum() {
    RetryBackoff top = new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8), () -> 1.0);
    assertThat(top.delayAfter(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(top.delayAfter(2)).isEqualTo(Duration.ofSeconds(2));
    assertThat(top.delayAfter(3)).isEqualTo(Duration.ofSeconds(4));
    assertThat(top.delayAfter(4)).isEqualTo(Duration.ofSeconds(8));
    assertThat(top.delayAfter(5)).isEqualTo(Duration.ofSeconds(8));
    assertThat(top.delayAfter(100)).isEqualTo(Duration.ofSeconds(8));
  }

  @Test
  void jitterDrawsFromTheUpperHalf() {
    RetryBackoff bottom = new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8), () -> 0.0);
    RetryBackoff middle = new RetryBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8), () -> 0.5);
    assertThat(bottom.delayAfter(1)).isEqualTo(Duration.ofMillis(500));
    assertThat(bottom.delayAfter(4)).isEqualTo(Duration.ofSeconds(4));
    assertThat(middle.delayAfter(3)).isEqualTo(Duration.ofSeconds(3));
  }

  @Test
  void aMaximumNotAPowerOfTwoAboveTheMinimumIsStillTheCap() {
    RetryBackoff b = new RetryBackoff(Duration.ofMillis(300), Duration.ofSeconds(1), () -> 1.0);
    assertThat(b.delayAfter(2)).isEqualTo(Duration.ofMillis(600));
    assertThat(b.delayAfter(3)).isEqualTo(Duration.ofSeconds(1));
    RetryBackoff huge = new RetryBackoff(Duration.ofDays(1), Duration.ofDays(365), () -> 1.0);
    assertThat(huge.delayAfter(1000)).isEqualTo(Duration.ofDays(365));
  }
}
