package io.cascade.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LatencyHistogramTest {

  @Test
  void bucketsAreContiguousAndTight() {
    long previousHigh = -1;
    for (int i = 0; i < LatencyHistogram.index((1L << 40) - 1); i++) {
      long high = LatencyHistogram.highestInBucket(i);
      long low = previousHigh + 1;
      assertThat(LatencyHistogram.index(low)).as("low end of bucket %d", i).isEqualTo(i);
      assertThat(LatencyHistogram.index(high)).as("high end of bucket %d", i).isEqualTo(i);
      assertThat((double) (high - low)).as("width of bucket %d", i).isLessThanOrEqualTo(Math.max(0, low / 64.0));
      previousHigh = high;
    }
  }

  @Test
  void percentilesMatchSortedValuesWithinBucketPrecision() {
    Random random = new Random(7);
    long[] values = new long[100_000];
    LatencyHistogram h = new LatencyHistogram();
    for (int i = 0; i < values.length; i++) {
      values[i] = (long) Math.abs(random.nextGaussian() * 20_000) + random.nextInt(500);
      h.record(values[i]);
    }
    java.util.Arrays.sort(values);
    for (double p : new double[] {50, 90, 99, 99.9}) {
      long exact = values[(int) Math.ceil(p / 100 * values.length) - 1];
      assertThat((double) h.percentile(p)).as("p%s", p).isBetween((double) exact, exact * (1 + 1 / 64.0) + 1);
    }
    assertThat(h.percentile(100)).isEqualTo(values[values.length - 1]);
    assertThat(h.max()).isEqualTo(values[values.length - 1]);
    assertThat(h.min()).isEqualTo(values[0]);
    assertThat(h.count()).isEqualTo(values.length);
  }

  @Test
  void mergesAndClampsOutliers() {
    LatencyHistogram a = new LatencyHistogram();
    LatencyHistogram b = new LatencyHistogram();
    a.record(-5);
    a.record(10);
    b.record(Long.MAX_VALUE);
    a.add(b);
    assertThat(a.count()).isEqualTo(3);
    assertThat(a.min()).isZero();
    assertThat(a.max()).isEqualTo((1L << 40) - 1);
    assertThat(a.percentile(50)).isEqualTo(10);
    assertThat(new LatencyHistogram().percentile(99)).isZero();
  }
}
