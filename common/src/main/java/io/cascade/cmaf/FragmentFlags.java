package io.cascade.cmaf;

/**
 * The {@code tf_flags} of ISO/IEC 14496-12's track fragment header ({@code tfhd}) and track fragment
 * run ({@code trun}) boxes that Cascade writes ({@link FragmentWriter}) and reads back (a recording's
 * salvage).
 */
public final class FragmentFlags {
  /** tfhd: base-data-offset present. */
  public static final int TFHD_BASE_DATA_OFFSET = 0x000001;
  /** tfhd: sample-description-index present. */
  public static final int TFHD_SAMPLE_DESCRIPTION = 0x000002;
  /** tfhd: default-sample-duration present. */
  public static final int TFHD_DEFAULT_DURATION = 0x000008;
  /** tfhd: default-sample-size present. */
  public static final int TFHD_DEFAULT_SIZE = 0x000010;
  /** tfhd: default-sample-flags present. */
  public static final int TFHD_DEFAULT_FLAGS = 0x000020;
  /** tfhd: offsets count from the moof. */
  public static final int TFHD_DEFAULT_BASE_IS_MOOF = 0x020000;
  /** trun: data-offset present. */
  public static final int TRUN_DATA_OFFSET = 0x000001;
  /** trun: first-sample-flags present. */
  public static final int TRUN_FIRST_FLAGS = 0x000004;
  /** trun: sample-duration present per sample. */
  public static final int TRUN_DURATION = 0x000100;
  /** trun: sample-size present per sample. */
  public static final int TRUN_SIZE = 0x000200;
  /** trun: sample-flags present per sample. */
  public static final int TRUN_FLAGS = 0x000400;
  /** trun: sample-composition-time-offset present per sample. */
  public static final int TRUN_COMPOSITION_OFFSET = 0x000800;

  private FragmentFlags() {
  }
}
