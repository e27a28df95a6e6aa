package io.cascade.cmaf;

import java.util.Arrays;

/**
 * HEVC from its HEVCDecoderConfigurationRecord (ISO/IEC 14496-15 §8.3.3): sample entry {@code hvc1}
 * (parameter sets only in the record, as Enhanced RTMP sends them) with the record as {@code hvcC};
 * codec string per ISO/IEC 14496-15 Annex E; picture size from the SPS (H.265 §7.3.2.2).
 */
public final class HevcFormat extends VideoFormat {
  private static final int NAL_SPS = 33;
  private static final int NAL_HEADER = 2;
  private static final int ARRAYS_AT = 22;

  private HevcFormat(byte[] record, int width, int height) {
    super(record, width, height, "hvc1", "hvcC");
  }

  /** Parses an HEVCDecoderConfigurationRecord; {@link IllegalArgumentException} when malformed. */
  public static HevcFormat parse(byte[] record) {
    if (record.length < ARRAYS_AT + 1 || record[0] != 1) {
      throw new IllegalArgumentException("not an HEVCDecoderConfigurationRecord (" + record.length + " bytes)");
    }
    byte[] sps = null;
    int arrays = record[ARRAYS_AT] & 0xFF;
    int pos = ARRAYS_AT + 1;
    for (int a = 0; a < arrays; a++) {
      need(record, pos, 3);
      int type = record[pos] & 0x3F;
      int count = u16(record, pos + 1);
      pos += 3;
      for (int n = 0; n < count; n++) {
        need(record, pos, 2);
        int length = u16(record, pos);
        need(record, pos + 2, length);
        if (type == NAL_SPS && sps == null) {
          sps = Arrays.copyOfRange(record, pos + 2, pos + 2 + length);
        }
        pos += 2 + length;
      }
    }
    if (sps == null) {
      throw new IllegalArgumentException("HEVCDecoderConfigurationRecord without an SPS");
    }
    int[] size = pictureSize(BitReader.unescapeRbsp(sps, NAL_HEADER));
    return new HevcFormat(record.clone(), size[0], size[1]);
  }

  private static void need(byte[] record, int at, int count) {
    if (at + count > record.length) {
      throw new IllegalArgumentException("HEVCDecoderConfigurationRecord ends at " + record.length + ", needs "
          + (at + count));
    }
  }

  private static int u16(byte[] b, int at) {
    return (b[at] & 0xFF) << 8 | b[at + 1] & 0xFF;
  }

  /** Width and height inside the conformance window, from an SPS's RBSP (without the NAL header). */
  static int[] pictureSize(byte[] rbsp) {
    BitReader r = new BitReader(rbsp);
    r.skip(4); // sps_video_parameter_set_id
    int maxSubLayersMinus1 = r.bits(3);
    r.skip(1); // sps_temporal_id_nesting_flag
    skipProfileTierLevel(r, maxSubLayersMinus1);
    r.ue(); // sps_seq_parameter_set_id
    int chromaFormat = r.ue();
    if (chromaFormat == 3) {
      r.skip(1); // separate_colour_plane_flag (SubWidthC/SubHeightC stay 1 for 4:4:4 either way)
    }
    int width = r.ue();
    int height = r.ue();
    if (r.flag()) { // conformance_window_flag
      int subWidth = chromaFormat == 1 || chromaFormat == 2 ? 2 : 1;
      int subHeight = chromaFormat == 1 ? 2 : 1;
      width -= subWidth * (r.ue() + r.ue());
      height -= subHeight * (r.ue() + r.ue());
    }
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("SPS gives a picture of " + width + "x" + height);
    }
    return new int[] {width, height};
  }

  private static void skipProfileTierLevel(BitReader r, int maxSubLayersMinus1) {
    r.skip(96); // general profile space/tier/idc, 32 compatibility flags, 48 constraint bits, level
    boolean[] profilePresent = new boolean[maxSubLayersMinus1];
    boolean[] levelPresent = new boolean[maxSubLayersMinus1];
    for (int i = 0; i < maxSubLayersMinus1; i++) {
      profilePresent[i] = r.flag();
      levelPresent[i] = r.flag();
    }
    if (maxSubLayersMinus1 > 0) {
      r.skip(2 * (8 - maxSubLayersMinus1));
    }
    for (int i = 0; i < maxSubLayersMinus1; i++) {
      if (profilePresent[i]) {
        r.skip(88);
      }
      if (levelPresent[i]) {
        r.skip(8);
      }
    }
  }

  /**
   * {@code hvc1.<space><idc>.<compatibility flags, bit-reversed, hex>.<L|H><level>.<constraint bytes>}
   * with trailing zero constraint bytes left out, e.g. {@code hvc1.1.6.L93.B0} for Main at level 3.1.
   */
  @Override
  public String codecString() {
    int b1 = record[1] & 0xFF;
    StringBuilder s = new StringBuilder("hvc1.");
    int space = b1 >> 6;
    if (space > 0) {
      s.append((char) ('A' + space - 1));
    }
    s.append(b1 & 0x1F).append('.');
    long flags = (record[2] & 0xFFL) << 24 | (record[3] & 0xFF) << 16 | (record[4] & 0xFF) << 8 | record[5] & 0xFF;
    s.append(Long.toHexString(Integer.reverse((int) flags) & 0xFFFFFFFFL).toUpperCase(java.util.Locale.ROOT));
    s.append('.').append((b1 & 0x20) != 0 ? 'H' : 'L').append(record[12] & 0xFF);
    int last = 11;
    while (last >= 6 && record[last] == 0) {
      last--;
    }
    for (int i = 6; i <= last; i++) {
      s.append('.').append(String.format(java.util.Locale.ROOT, "%02X", record[i] & 0xFF));
    }
    return s.toString();
  }
}
