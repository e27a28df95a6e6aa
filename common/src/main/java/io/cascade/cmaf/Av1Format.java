package io.cascade.cmaf;

import java.util.Arrays;
import java.util.Locale;

/**
 * AV1 from its AV1CodecConfigurationRecord (AV1-ISOBMFF §2.3, the body of an Enhanced-RTMP AV1
 * sequence start): sample entry {@code av01} with the record as {@code av1C}, codec string
 * {@code av01.P.LLT.DD} (AV1-ISOBMFF Annex A), picture size from the sequence header OBU among the
 * record's configOBUs (AV1 §5.5).
 */
public final class Av1Format extends VideoFormat {
  private static final int OBU_SEQUENCE_HEADER = 1;
  private static final int RECORD_HEADER = 4;

  private Av1Format(byte[] record, int width, int height) {
    super(record, width, height, "av01", "av1C");
  }

  /** Parses an AV1CodecConfigurationRecord; {@link IllegalArgumentException} when malformed. */
  public static Av1Format parse(byte[] record) {
    if (record.length < RECORD_HEADER || (record[0] & 0xFF) != 0x81) {
      throw new IllegalArgumentException("not an AV1CodecConfigurationRecord (marker and version 0x81)");
    }
    int pos = RECORD_HEADER;
    while (pos < record.length) {
      int header = record[pos] & 0xFF;
      int type = header >> 3 & 0x0F;
      boolean extension = (header & 0x04) != 0;
      boolean hasSize = (header & 0x02) != 0;
      int at = pos + 1 + (extension ? 1 : 0);
      long size;
      if (hasSize) {
        long[] leb = Obus.leb128(record, at);
        size = leb[0];
        at += (int) leb[1];
      } else {
        size = record.length - at;
      }
      if (at + size > record.length) {
        throw new IllegalArgumentException("configOBU overruns the AV1CodecConfigurationRecord");
      }
      if (type == OBU_SEQUENCE_HEADER) {
        int[] dims = pictureSize(Arrays.copyOfRange(record, at, at + (int) size));
        return new Av1Format(record.clone(), dims[0], dims[1]);
      }
      pos = at + (int) size;
    }
    throw new IllegalArgumentException("AV1CodecConfigurationRecord without a sequence header OBU");
  }

  /** max_frame_width/height from a sequence_header_obu payload (AV1 §5.5.1). */
  static int[] pictureSize(byte[] obu) {
    BitReader r = new BitReader(obu);
    r.skip(3); // seq_profile
    r.skip(1); // still_picture
    boolean reduced = r.flag();
    if (reduced) {
      r.skip(5); // seq_level_idx[0]
    } else {
      boolean decoderModelInfo = false;
      int bufferDelayLength = 0;
      if (r.flag()) { // timing_info_present_flag
        r.skip(64); // num_units_in_display_tick, time_scale
        if (r.flag()) { // equal_picture_interval
          r.uvlc();
        }
        decoderModelInfo = r.flag();
        if (decoderModelInfo) {
          bufferDelayLength = r.bits(5) + 1;
          r.skip(32 + 5 + 5); // num_units_in_decoding_tick, two length fields
        }
      }
      boolean initialDisplayDelay = r.flag();
      int operatingPoints = r.bits(5) + 1;
      for (int i = 0; i < operatingPoints; i++) {
        r.skip(12); // operating_point_idc
        if (r.bits(5) > 7) { // seq_level_idx
          r.skip(1); // seq_tier
        }
        if (decoderModelInfo && r.flag()) { // decoder_model_present_for_this_op
          r.skip(2 * bufferDelayLength + 1);
        }
        if (initialDisplayDelay && r.flag()) {
          r.skip(4);
        }
      }
    }
    int widthBits = r.bits(4) + 1;
    int heightBits = r.bits(4) + 1;
    long width = r.bitsLong(widthBits) + 1;
    long height = r.bitsLong(heightBits) + 1;
    return new int[] {(int) Math.min(width, 0xFFFF), (int) Math.min(height, 0xFFFF)};
  }

  @Override
  public String codecString() {
    int b1 = record[1] & 0xFF;
    int b2 = record[2] & 0xFF;
    boolean highBitDepth = (b2 & 0x40) != 0;
    boolean twelveBit = (b2 & 0x20) != 0;
    int depth = highBitDepth ? (twelveBit ? 12 : 10) : 8;
    return String.format(Locale.ROOT, "av01.%d.%02d%c.%02d", b1 >> 5, b1 & 0x1F, (b2 & 0x80) != 0 ? 'H' : 'M', depth);
  }
}
