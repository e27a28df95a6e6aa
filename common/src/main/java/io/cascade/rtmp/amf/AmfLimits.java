package io.cascade.rtmp.amf;

/**
 * Bounds on what one decode call builds from peer-supplied bytes. Every claimed length or count is
 * checked against these limits and against the bytes actually present before anything is
 * allocated for it.
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

  /** 64 levels, 1 MiB strings, 65,536 values: generous for RTMP commands and metadata. */
  public static final AmfLimits DEFAULTS = new AmfLimits(64, 1 << 20, 65_536);

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
