package io.cascade.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class UpstreamRetryTest {
  private final UpstreamRetry retry =
      new UpstreamRetry(new UpstreamBackoff(Duration.ofMillis(100), Duration.ofSeconds(1), () -> 1.0));

  @Test
  void failuresAgainstOneSessionBackOffFurtherEachTime() {
    retry.attempt("s1");
    assertThat(retry.failed("s1")).isEqualTo(Duration.ofMillis(100));
    retry.attempt("s1");
    assertThat(retry.failed("s1")).isEqualTo(Duration.ofMillis(200));
    retry.attempt("s1");
    assertThat(retry.failed("s1")).isEqualTo(Duration.ofMillis(400));
    assertThat(retry.isFailing("s1")).isTrue();
    assertThat(retry.isFailing("s2")).isFalse();
    assertThat(retry.failures()).isEqualTo(3);
  }

  @Test
  void aNewSessionStartsFromTheShortestDelay() {
    retry.failed("s1");
    retry.failed("s1");
    retry.attempt("s2");
    assertThat(retry.failures()).isZero();
    assertThat(retry.isFailing("s1")).isFalse();
    assertThat(retry.failed("s2")).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void onlyDeliveredMediaResetsTheBackoff() {
    retry.failed("s1");
    retry.attempt("s1");
    // Played and dropped at once: attempting the same session again keeps the count.
    assertThat(retry.failed("s1")).isEqualTo(Duration.ofMillis(200));
    retry.succeeded();
    assertThat(retry.failures()).isZero();
    assertThat(retry.isFailing("s1")).isFalse();
    assertThat(retry.failed("s1")).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void aRegistryErrorCountsWithoutASession() {
    assertThat(retry.failed(null)).isEqualTo(Duration.ofMillis(100));
    assertThat(retry.isFailing("s1")).isFalse();
    retry.attempt("s1");
    assertThat(retry.failures()).isZero();
  }
}
