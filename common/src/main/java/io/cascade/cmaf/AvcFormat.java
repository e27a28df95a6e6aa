package io.cascade.cmaf;

import java.util.Arrays;
import java.util.Locale;
import java.util.Set;

/**
 * H.264 from its AVCDecoderConfigurationRecord (ISO/IEC 14496-15 §5.3.3, the body of an FLV AVC
 * sequence header): sample entry {@code avc1} with the record as {@code avcC}, codec string
 * {@code avc1.PPCCLL} (RFC 6381 §3.3), picture size from the first SPS (H.264 §7.3.2.1.1).
 */
public final class AvcFormat extends VideoFormat {
  /** profile_idc values whose SPS carries chroma format, bit depths and scaling matrices. */
  private static final Set<Integer> HIGH_PROFILES = Set.of(100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135);
  private static final int NAL_HEADER = 1;

  private AvcFormat(byte[] record, int width, int height) {
    super(record, width, height, "avc1", "avcC");
  }

  /** Parses an AVCDecoderConfigurationRecord; {@link IllegalArgumentException} when malformed. */
  public static AvcFormat parse(byte[] record) {
    if (record.length < 7 || record[0] != 1) {
      throw new IllegalArgumentException("not an AVCDecoderConfigurationRecord (" + record.length + " bytes)");
    }
    int spsCount = record[5] & 0x1F;
    if (spsCount == 0 || record.length < 8) {
      throw new IllegalArgumentException("AVCDecoderConfigurationRecord without an SPS");
    }
    int spsLength = (record[6] & 0xFF) << 8 | record[7] & 0xFF;
    if (8 + spsLength > record.length || spsLength < 4) {
      throw new IllegalArgumentException("SPS of " + spsLength + " bytes overruns the record");
    }
    byte[] sps = Arrays.copyOfRange(record, 8, 8 + spsLength);
    int[] size = pictureSize(BitReader.unescapeRbsp(sps, NAL_HEADER));
    return new AvcFormat(record.clone(), size[0], size[1]);
  }

  /** Width and height after cropping, from an SPS's RBSP (without the NAL header byte). */
  static int[] pictureSize(byte[] rbsp) {
    BitReader r = new BitReader(rbsp);
    int profile = r.bits(8);
    r.skip(16); // constraint flags, level_idc
    r.ue(); // seq_parameter_set_id
    int chromaFormat = 1;
    boolean separateColourPlane = false;
    if (HIGH_PROFILES.contains(profile)) {
      chromaFormat = r.ue();
      if (chromaFormat == 3) {
        separateColourPlane = r.flag();
      }
      r.ue(); // bit_depth_luma_minus8
      r.ue(); // bit_depth_chroma_minus8
      r.skip(1); // qpprime_y_zero_transform_bypass_flag
      if (r.flag()) { // seq_scaling_matrix_present_flag
        for (int i = 0; i < (chromaFormat != 3 ? 8 : 12); i++) {
          if (r.flag()) {
            skipScalingList(r, i < 6 ? 16 : 64);
          }
        }
      }
    }
    r.ue(); // log2_max_frame_num_minus4
    int pocType = r.ue();
    if (pocType == 0) {
      r.ue(); // log2_max_pic_order_cnt_lsb_minus4
    } else if (pocType == 1) {
      r.skip(1);
      r.se();
      r.se();
      int cycle = r.ue();
      for (int i = 0; i < cycle; i++) {
        r.se();
      }
    }
    r.ue(); // max_num_ref_frames
    r.skip(1); // gaps_in_frame_num_value_allowed_flag
    int widthMbs = r.ue() + 1;
    int heightMapUnits = r.ue() + 1;
    boolean frameMbsOnly = r.flag();
    if (!frameMbsOnly) {
      r.skip(1); // mb_adaptive_frame_field_flag
    }
    r.skip(1); // direct_8x8_inference_flag
    int cropLeft = 0;
    int cropRight = 0;
    int cropTop = 0;
    int cropBottom = 0;
    if (r.flag()) {
      cropLeft = r.ue();
      cropRight = r.ue();
      cropTop = r.ue();
      cropBottom = r.ue();
    }
    int arrayType = separateColourPlane ? 0 : chromaFormat;
    int cropUnitX = arrayType == 0 ? 1 : arrayType == 3 ? 1 : 2;
    int cropUnitY = (arrayType == 0 ? 1 : arrayType == 1 ? 2 : 1) * (frameMbsOnly ? 1 : 2);
    int width = widthMbs * 16 - cropUnitX * (cropLeft + cropRight);
    int height = (frameMbsOnly ? 1 : 2) * heightMapUnits * 16 - cropUnitY * (cropTop + cropBottom);
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("SPS gives a picture of " + width + "x" + height);
    }
    return new int[] {width, height};
  }

  private static void skipScalingList(BitReader r, int size) {
    int last = 8;
    int next = 8;
    for (int j = 0; j < size; j++) {
      if (next != 0) {
        next = (last + r.se() + 256) % 256;
      }
      last = next == 0 ? last : next;
    }
  }

  @Override
  public String codecString() {
    return String.format(Locale.ROOT, "avc1.%02x%02x%02x", record[1] & 0xFF, record[2] & 0xFF, record[3] & 0xFF);
  }
}
