package io.cascade.rtmp.amf;

import static io.cascade.config.ConfigSchema.RTMP_AMF_MAX_DEPTH;
import static io.cascade.config.ConfigSchema.RTMP_AMF_MAX_ELEMENTS;
import static io.cascade.config.ConfigSchema.RTMP_AMF_MAX_STRING_LENGTH;

import io.cascade.config.CascadeConfig;

/**
 * Bounds on what one decode call builds from peer-supplied bytes. Every claimed length or count is
 * checked against these limits and against the bytes actually present before anything is
 * allocated for it. The checks below are the codec's own invariants, for every caller; the
 * settings' narrower bounds are the schema's.
 *
 * @param maxDepth deepest nesting of objects, arrays and maps, counting a referenced value as if it
 *     were written out where it is referenced
 * @param maxStringLength longest UTF-8 string, XML text or byte array, in bytes
 * @param maxElements most values one decode call produces, counting every top-level value, array
 *     entry, property, map key and map value, with references counted as if expanded; it also caps
 *     each reference table
 */
public record AmfLimits(int maxDepth, int maxStringLength, int maxElements) {
  /**
   * The deepest nesting any limit may allow; decoding and encoding recurse once or twice per level,
   * and this keeps them far from the limit of a default thread stack.
   */
  public static final int MAX_DEPTH = 1024;

  /** The {@code rtmp.amf.*} defaults of the schema. */
  public static final AmfLimits DEFAULTS = from(CascadeConfig.defaults());

  /** The {@code rtmp.amf.*} settings. */
  public static AmfLimits from(CascadeConfig config) {
    return new AmfLimits(config.get(RTMP_AMF_MAX_DEPTH), Math.toIntExact(config.get(RTMP_AMF_MAX_STRING_LENGTH)),
        config.get(RTMP_AMF_MAX_ELEMENTS));
  }

  public AmfLimits {
    if (maxDepth < 1 || maxDepth > MAX_DEPTH) {
      throw new IllegalArgumentException(
          "maxDepth must be between 1 and " + MAX_DEPTH + ": " + maxDepth);
    }
    if (maxStringLength < 0) {
      throw new IllegalArgumentException(
          "maxStringLength must not be negative: " + maxStringLength);
    }
    if (maxElements < 1) {
      throw new IllegalArgumentException("maxElements must be positive: " + maxElements);
    }
  }
}
