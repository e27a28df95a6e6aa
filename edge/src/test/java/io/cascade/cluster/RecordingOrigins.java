package io.cascade.cluster;

import io.cascade.testing.LocalS3;
import java.nio.file.Path;

/**
 * The set-up of the recording failover ITs: two origins that record {@code live/*} in 4 s
 * segments to their own roots and upload to one S3Proxy bucket under {@code vod/}, a publisher
 * that leaves counted gone after 2 s.
 */
final class RecordingOrigins {
  static final String BUCKET = "recordings";
  static final String ACCESS_KEY = "cascade-it-access";
  /** The recorder's part: what a kill loses at most, and the precision of a program date time. */
  static final long PART_MS = 1_000;
  static final long SEGMENT_MS = 4_000;

  private RecordingOrigins() {
  }

  /** Two origins named {@code name}, recording to {@code rootA} and {@code rootB}, uploading to {@code s3}. */
  static Cluster.Builder builder(String name, LocalS3 s3, String secretKey, Path rootA, Path rootB) {
    return Cluster.builder(name).origins(2)
        .originEnv("CASCADE_RECORDING_RULES", "live/*;segment=" + SEGMENT_MS / 1000 + "s")
        .originEnv("CASCADE_LIVE_REPUBLISH_WAIT_TIMEOUT", "2s")
        .originEnv("CASCADE_RECORDING_S3_ENABLED", "true")
        .originEnv("CASCADE_RECORDING_S3_ENDPOINT", "http://127.0.0.1:" + s3.port())
        .originEnv("CASCADE_RECORDING_S3_BUCKET", BUCKET)
        .originEnv("CASCADE_RECORDING_S3_PREFIX", "vod/")
        .originEnv("CASCADE_RECORDING_S3_PATH_STYLE", "true")
        .originEnv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .originEnv("AWS_SECRET_ACCESS_KEY", secretKey)
        .originEnv(0, "CASCADE_RECORDING_ROOT", rootA.toString())
        .originEnv(1, "CASCADE_RECORDING_ROOT", rootB.toString());
  }
}
