package io.cascade.bench;

import java.util.Arrays;

/**
 * A fixed-bucket histogram of non-negative values (the bench records microseconds) with bounded
 * relative error, in the manner of HdrHistogram: values below 128 have a bucket each; above, every
 * power of two is split into 64 equal buckets, so a bucket is at most 1/64 (1.6 %) of its values
 * wide. Values above 2^40 land in the last bucket. About 18 KiB, no allocation when recording.
 *
 * <p>Not thread-safe: the bench keeps one per event loop and merges them at the end.
 */
final class LatencyHistogram {
  private static final int LINEAR = 128;
  private static final int SUB_BUCKETS = 64;
  private static final int MAX_BITS = 40;
  private static final long MAX_VALUE = (1L << MAX_BITS) - 1;
  private static final int BUCKETS = index(MAX_VALUE) + 1;

  private final long[] counts = new long[BUCKETS];
  private long total;
  private long min = Long.MAX_VALUE;
  private long max;
  private double sum;

  void record(long value) {
    long v = Math.min(Math.max(value, 0), MAX_VALUE);
    counts[index(v)]++;
    total++;
    sum += v;
    min = Math.min(min, v);
    max = Math.max(max, v);
  }

  void add(LatencyHistogram other) {
    for (int i = 0; i < BUCKETS; i++) {
      counts[i] += other.counts[i];
    }
    total += other.total;
    sum += other.sum;
    min = Math.min(min, other.min);
    max = Math.max(max, other.max);
  }

  long count() {
    return total;
  }

  long max() {
    return total == 0 ? 0 : max;
  }

  long min() {
    return total == 0 ? 0 : min;
  }

  double mean() {
    return total == 0 ? 0 : sum / total;
  }

  /**
   * The smallest bucket upper bound below which at least {@code percentile} % of the values lie,
   * capped at the exact maximum; 0 when empty.
   */
  long percentile(double percentile) {
    if (total == 0) {
      return 0;
    }
    long rank = Math.max(1, (long) Math.ceil(percentile / 100.0 * total));
    long seen = 0;
    for (int i = 0; i < BUCKETS; i++) {
      seen += counts[i];
      if (seen >= rank) {
        return Math.min(highestInBucket(i), max);
      }
    }
    return max;
  }

  static int index(long v) {
    if (v < LINEAR) {
      return (int) v;
    }
    int msb = 63 - Long.numberOfLeadingZeros(v);
    int shift = msb - 6;
    return LINEAR + (shift - 1) * SUB_BUCKETS + (int) ((v >>> shift) - SUB_BUCKETS);
  }

  static long highestInBucket(int index) {
    if (index < LINEAR) {
      return index;
    }
    int k = index - LINEAR;
    int shift = k / SUB_BUCKETS + 1;
    long sub = k % SUB_BUCKETS + SUB_BUCKETS;
    return ((sub + 1) << shift) - 1;
  }

  @Override
  public String toString() {
    return "LatencyHistogram{count=" + total + ", min=" + min() + ", max=" + max() + ", buckets="
        + Arrays.stream(counts).filter(c -> c > 0).count() + '}';
  }
}
