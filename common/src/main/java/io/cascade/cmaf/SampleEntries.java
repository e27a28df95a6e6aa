package io.cascade.cmaf;

/**
 * The fields every visual and audio sample entry starts with (ISO/IEC 14496-12 §8.5.2, §12.1.3,
 * §12.2.3). Callers open the entry box, write these, then their configuration box, and close it.
 */
final class SampleEntries {
  private static final int DATA_REFERENCE_INDEX = 1;
  private static final int DEPTH_24_BIT_COLOUR = 0x0018;
  private static final int DPI_72 = 72;

  private SampleEntries() {
  }

  /** Opens {@code type} and writes a VisualSampleEntry's fields. */
  static void startVisual(BoxWriter w, String type, int width, int height) {
    w.start(type).zeros(6).u16(DATA_REFERENCE_INDEX)
        .u16(0).u16(0).zeros(12) // pre_defined, reserved, pre_defined[3]
        .u16(width).u16(height)
        .fixed16x16(DPI_72).fixed16x16(DPI_72)
        .u32(0) // reserved
        .u16(1) // frame_count
        .zeros(32) // compressorname: empty Pascal string
        .u16(DEPTH_24_BIT_COLOUR).u16(0xFFFF); // pre_defined = -1
  }

  /** Opens {@code type} and writes an AudioSampleEntry's fields (version 0). */
  static void startAudio(BoxWriter w, String type, int channels, int sampleRate) {
    w.start(type).zeros(6).u16(DATA_REFERENCE_INDEX)
        .zeros(8) // reserved
        .u16(channels).u16(16) // channelcount, samplesize
        .u16(0).u16(0) // pre_defined, reserved
        // 16.16 fixed point; a rate that does not fit is left 0 (the timescale still carries it)
        .u32(sampleRate <= 0xFFFF ? (long) sampleRate << 16 : 0);
  }
}
