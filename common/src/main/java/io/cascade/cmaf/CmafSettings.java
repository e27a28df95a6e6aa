package io.cascade.cmaf;

import static io.cascade.config.ConfigSchema.CMAF_MAX_PART_BYTES;
import static io.cascade.config.ConfigSchema.CMAF_PART_TARGET;
import static io.cascade.config.ConfigSchema.CMAF_SEGMENT_TARGET;

import io.cascade.config.CascadeConfig;
import java.time.Duration;

/**
 * Limits of fragmented MP4 packaging, from the {@code cmaf.*} settings; bounds and defaults are the
 * schema's.
 *
 * @param partTarget longest part, when the frame rate is steady
 * @param segmentTarget shortest segment: one ends at the first keyframe past it
 * @param maxPartBytes media bytes after which a part is closed at the next frame
 */
public record CmafSettings(Duration partTarget, Duration segmentTarget, long maxPartBytes) {

  public static CmafSettings from(CascadeConfig config) {
    return new CmafSettings(config.get(CMAF_PART_TARGET), config.get(CMAF_SEGMENT_TARGET),
        config.get(CMAF_MAX_PART_BYTES));
  }

  /** Every value at the schema's default. */
  public static CmafSettings defaults() {
    return from(CascadeConfig.defaults());
  }
}
