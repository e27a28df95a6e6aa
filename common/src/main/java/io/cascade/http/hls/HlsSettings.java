package io.cascade.http.hls;

import static io.cascade.config.ConfigSchema.HLS_BLOCK_TIMEOUT;
import static io.cascade.config.ConfigSchema.HLS_DVR_MAX_BYTES;
import static io.cascade.config.ConfigSchema.HLS_DVR_WINDOW;
import static io.cascade.config.ConfigSchema.HLS_ENABLED;
import static io.cascade.config.ConfigSchema.HLS_MAX_BLOCKED_PER_STREAM;
import static io.cascade.config.ConfigSchema.HLS_MAX_BLOCKED_REQUESTS;
import static io.cascade.config.ConfigSchema.HLS_MAX_RENDITIONS;
import static io.cascade.config.ConfigSchema.HLS_MAX_VIEWERS;
import static io.cascade.config.ConfigSchema.HLS_MAX_WINDOW_BYTES;
import static io.cascade.config.ConfigSchema.HLS_PART_TARGET;
import static io.cascade.config.ConfigSchema.HLS_SEGMENT_TARGET;
import static io.cascade.config.ConfigSchema.HLS_VIEWER_IDLE;
import static io.cascade.config.ConfigSchema.HLS_WINDOW_SEGMENTS;

import io.cascade.cmaf.CmafSettings;
import io.cascade.config.CascadeConfig;
import java.time.Duration;

/** The {@code hls.*} settings (see {@link io.cascade.config.ConfigSchema}). */
public record HlsSettings(boolean enabled, Duration partTarget, Duration segmentTarget, int windowSegments,
    long maxWindowBytes, int maxBlockedRequests, int maxBlockedPerStream, Duration blockTimeout, Duration viewerIdle,
    int maxViewers, int maxRenditions, Duration dvrWindow, long dvrMaxBytes) {

  /** The settings without a DVR window (the record's other fields as given). */
  public HlsSettings(boolean enabled, Duration partTarget, Duration segmentTarget, int windowSegments,
      long maxWindowBytes, int maxBlockedRequests, int maxBlockedPerStream, Duration blockTimeout, Duration viewerIdle,
      int maxViewers, int maxRenditions) {
    this(enabled, partTarget, segmentTarget, windowSegments, maxWindowBytes, maxBlockedRequests, maxBlockedPerStream,
        blockTimeout, viewerIdle, maxViewers, maxRenditions, Duration.ZERO, maxWindowBytes);
  }

  public static HlsSettings from(CascadeConfig config) {
    return new HlsSettings(config.get(HLS_ENABLED), config.get(HLS_PART_TARGET), config.get(HLS_SEGMENT_TARGET),
        config.get(HLS_WINDOW_SEGMENTS), config.get(HLS_MAX_WINDOW_BYTES), config.get(HLS_MAX_BLOCKED_REQUESTS),
        config.get(HLS_MAX_BLOCKED_PER_STREAM), config.get(HLS_BLOCK_TIMEOUT), config.get(HLS_VIEWER_IDLE),
        config.get(HLS_MAX_VIEWERS), config.get(HLS_MAX_RENDITIONS), config.get(HLS_DVR_WINDOW),
        config.get(HLS_DVR_MAX_BYTES));
  }

  boolean dvr() {
    return !dvrWindow.isZero() && !dvrWindow.isNegative();
  }

  /** The bound on a window's bytes: {@code hls.dvrMaxBytes} with a DVR window, else {@code hls.maxWindowBytes}. */
  long windowBytes() {
    return dvr() ? dvrMaxBytes : maxWindowBytes;
  }

  /**
   * The packager's limits. A part is closed early once it holds a sixteenth of the window's bytes,
   * so one runaway part (a huge keyframe burst) can never hold the whole window.
   */
  CmafSettings cmaf() {
    return new CmafSettings(partTarget, segmentTarget, Math.max(64 * 1024, maxWindowBytes / 16));
  }
}
