package io.cascade.recording.upload;

import io.cascade.metrics.CascadeMeter;
import io.cascade.metrics.NodeMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.EnumMap;
import java.util.Map;
import java.util.function.IntSupplier;

/**
 * The {@code cascade.recording.upload.*} meters. Every failure reason is registered at 0 up front
 * so that rate() and alerts see it before the first failure.
 */
final class UploadMetrics {
  private final Counter bytes;
  private final Counter files;
  private final Counter retries;
  private final Map<UploadFailure, Counter> failures = new EnumMap<>(UploadFailure.class);
  private final Timer lag;

  UploadMetrics(NodeMetrics node, IntSupplier queued, IntSupplier active) {
    bytes = node.counter(CascadeMeter.RECORDING_UPLOAD_BYTES);
    files = node.counter(CascadeMeter.RECORDING_UPLOAD_FILES);
    retries = node.counter(CascadeMeter.RECORDING_UPLOAD_RETRIES);
    for (UploadFailure reason : UploadFailure.values()) {
      failures.put(reason, node.counter(CascadeMeter.RECORDING_UPLOAD_FAILURES, "reason", reason.tag()));
    }
    lag = node.timer(CascadeMeter.RECORDING_UPLOAD_LAG, CascadeMeter.UPLOAD_BUCKETS);
    node.gauge(CascadeMeter.RECORDING_UPLOAD_QUEUED, queued, IntSupplier::getAsInt);
    node.gauge(CascadeMeter.RECORDING_UPLOAD_ACTIVE, active, IntSupplier::getAsInt);
  }

  /** The store confirmed {@code n} bytes (a PUT or a part). */
  void confirmed(long n) {
    bytes.increment(n);
  }

  void retried() {
    retries.increment();
  }

  void stored(Duration lagTime) {
    files.increment();
    lag.record(lagTime);
  }

  void failed(UploadFailure reason) {
    failures.get(reason).increment();
  }
}
