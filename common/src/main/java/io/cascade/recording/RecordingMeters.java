package io.cascade.recording;

import io.cascade.metrics.CascadeMeter;
import io.cascade.metrics.NodeMetrics;
import io.micrometer.core.instrument.Counter;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/** The node's {@code cascade.recording.*} meters; error reasons are a fixed set. */
final class RecordingMeters {
  static final String DIRECTORY = "directory";
  static final String WRITE = "write";
  static final String DELETE = "delete";
  static final String CONTINUED = "continued";
  static final String READ_FAILED = "read_failed";
  static final String WRITE_FAILED = "write_failed";
  static final String SALVAGE_TOLD = "salvage_told";
  static final String SALVAGE_LISTED = "salvage_listed";
  static final String SALVAGE_MERGED = "salvage_merged";
  static final String SALVAGE_UNLISTED = "salvage_unlisted";
  static final String SALVAGED = "salvaged";
  static final String DISCARDED = "discarded";
  static final String FAILED = "failed";
  static final String QUEUED = "queued";
  static final String OVER_LIMIT = "over_limit";

  private final Counter bytes;
  private final Counter segments;
  private final Counter dropped;
  private final Counter deletions;
  private final Map<String, Counter> errors;
  private final Map<String, Counter> handovers;
  private final Map<String, Counter> salvages;
  private final Map<String, Counter> requeued;

  RecordingMeters(NodeMetrics node, LongSupplier diskBytes, LongSupplier active) {
    bytes = node.counter(CascadeMeter.RECORDING_BYTES);
    segments = node.counter(CascadeMeter.RECORDING_SEGMENTS);
    dropped = node.counter(CascadeMeter.RECORDING_DROPPED);
    deletions = node.counter(CascadeMeter.RECORDING_QUOTA_DELETIONS);
    errors = List.of(DIRECTORY, WRITE, DELETE).stream()
        .collect(Collectors.toUnmodifiableMap(r -> r, r -> node.counter(CascadeMeter.RECORDING_ERRORS, "reason", r)));
    handovers = List.of(CONTINUED, READ_FAILED, WRITE_FAILED, SALVAGE_TOLD, SALVAGE_LISTED, SALVAGE_MERGED,
        SALVAGE_UNLISTED).stream()
        .collect(Collectors.toUnmodifiableMap(r -> r, r -> node.counter(CascadeMeter.RECORDING_HANDOVERS, "result", r)));
    salvages = List.of(SALVAGED, DISCARDED, FAILED).stream().collect(Collectors.toUnmodifiableMap(r -> r,
        r -> node.counter(CascadeMeter.RECORDING_SALVAGED, "result", r)));
    requeued = List.of(QUEUED, OVER_LIMIT).stream().collect(Collectors.toUnmodifiableMap(r -> r,
        r -> node.counter(CascadeMeter.RECORDING_REQUEUED, "result", r)));
    node.gauge(CascadeMeter.RECORDING_DISK, diskBytes, LongSupplier::getAsLong);
    node.gauge(CascadeMeter.RECORDING_ACTIVE, active, LongSupplier::getAsLong);
  }

  void written(long n) {
    bytes.increment(n);
  }

  void segment() {
    segments.increment();
  }

  void dropped(long n) {
    dropped.increment(n);
  }

  void deleted() {
    deletions.increment();
  }

  void error(String reason) {
    errors.get(reason).increment();
  }

  /** Thread-safe: also called from the cluster's callbacks. */
  void handover(String result) {
    handovers.get(result).increment();
  }

  /** A segment an earlier run left unfinished was salvaged, discarded (nothing whole) or not (the disk failed). */
  void salvaged(String result) {
    salvages.get(result).increment();
  }

  /** {@code files} of a recording an earlier run left not stored were queued for upload again, or not (over the limit). */
  void requeued(String result, int files) {
    requeued.get(result).increment(files);
  }

  double requeued(String result) {
    return requeued.get(result).count();
  }

  double salvages(String result) {
    return salvages.get(result).count();
  }

  double handovers(String result) {
    return handovers.get(result).count();
  }

  double errors(String reason) {
    return errors.get(reason).count();
  }

  double segments() {
    return segments.count();
  }

  double deletions() {
    return deletions.count();
  }

  double droppedBytes() {
    return dropped.count();
  }
}
