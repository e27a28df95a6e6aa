package io.cascade.recording;

import static io.cascade.config.ConfigSchema.RECORDING_DIRECT_WRITES;
import static io.cascade.config.ConfigSchema.RECORDING_FSYNC;
import static io.cascade.config.ConfigSchema.RECORDING_MAX_BYTES;
import static io.cascade.config.ConfigSchema.RECORDING_MAX_DURATION;
import static io.cascade.config.ConfigSchema.RECORDING_MAX_PENDING_BYTES;
import static io.cascade.config.ConfigSchema.RECORDING_ROOT;
import static io.cascade.config.ConfigSchema.RECORDING_RULES;
import static io.cascade.config.ConfigSchema.RECORDING_SEGMENT_DURATION;

import io.cascade.config.CascadeConfig;
import io.cascade.config.FsyncPolicy;
import io.cascade.config.RecordingRule;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The {@code recording.*} settings (see {@link io.cascade.config.ConfigSchema}). */
public record RecordingSettings(List<RecordingRule> rules, Path root, Duration segmentDuration, long maxBytes,
    FsyncPolicy fsync, boolean directWrites, long maxPendingBytes, Duration maxDuration) {

  public static RecordingSettings from(CascadeConfig config) {
    return new RecordingSettings(config.get(RECORDING_RULES), Path.of(config.get(RECORDING_ROOT)),
        config.get(RECORDING_SEGMENT_DURATION), config.get(RECORDING_MAX_BYTES), config.get(RECORDING_FSYNC),
        config.get(RECORDING_DIRECT_WRITES), config.get(RECORDING_MAX_PENDING_BYTES), config.get(RECORDING_MAX_DURATION));
  }

  /** Whether anything is recorded at all. */
  public boolean enabled() {
    return !rules.isEmpty();
  }

  /** The first rule that records {@code app}/{@code stream}. */
  public Optional<RecordingRule> ruleFor(String app, String stream) {
    return rules.stream().filter(r -> r.matches(app, stream)).findFirst();
  }
}
