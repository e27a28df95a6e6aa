package io.cascade.media;

/**
 * Codec names for {@link MediaTags#codec}: Enhanced RTMP FourCCs as written, short names for the
 * legacy FLV ids. All results are constants, so the hot path allocates nothing.
 */
final class CodecNames {
  static final String UNKNOWN = "unknown";

  // FourCCs as big-endian UI32, as they appear on the wire
  static final int AVC1 = 'a' << 24 | 'v' << 16 | 'c' << 8 | '1';
  static final int HVC1 = 'h' << 24 | 'v' << 16 | 'c' << 8 | '1';
  static final int VVC1 = 'v' << 24 | 'v' << 16 | 'c' << 8 | '1';
  static final int AV01 = 'a' << 24 | 'v' << 16 | '0' << 8 | '1';
  static final int VP09 = 'v' << 24 | 'p' << 16 | '0' << 8 | '9';
  static final int VP08 = 'v' << 24 | 'p' << 16 | '0' << 8 | '8';
  static final int OPUS = 'O' << 24 | 'p' << 16 | 'u' << 8 | 's';
  static final int FLAC = 'f' << 24 | 'L' << 16 | 'a' << 8 | 'C';
  static final int AC3 = 'a' << 24 | 'c' << 16 | '-' << 8 | '3';
  static final int EAC3 = 'e' << 24 | 'c' << 16 | '-' << 8 | '3';
  static final int MP3 = '.' << 24 | 'm' << 16 | 'p' << 8 | '3';
  static final int MP4A = 'm' << 24 | 'p' << 16 | '4' << 8 | 'a';

  private CodecNames() {
  }

  static String videoFourCc(int fourCc) {
    switch (fourCc) {
      case AVC1: return "avc1";
      case HVC1: return "hvc1";
      case VVC1: return "vvc1";
      case AV01: return "av01";
      case VP09: return "vp09";
      case VP08: return "vp08";
      default: return UNKNOWN;
    }
  }

  static String audioFourCc(int fourCc) {
    switch (fourCc) {
      case OPUS: return "Opus";
      case FLAC: return "fLaC";
      case AC3: return "ac-3";
      case EAC3: return "ec-3";
      case MP3: return ".mp3";
      case MP4A: return "mp4a";
      default: return UNKNOWN;
    }
  }

  /** FLV 10.1 VideoTagHeader CodecID; 12 is the non-standard HEVC id some encoders use. */
  static String legacyVideo(int codecId) {
    switch (codecId) {
      case 2: return "h263";
      case 3: return "screen";
      case 4: return "vp6";
      case 5: return "vp6a";
      case 6: return "screen2";
      case 7: return "avc1";
      case 12: return "hvc1";
      default: return UNKNOWN;
    }
  }

  /** FLV 10.1 AudioTagHeader SoundFormat; 14 is MP3 at 8 kHz. */
  static String legacyAudio(int soundFormat) {
    switch (soundFormat) {
      case 0:
      case 3:
        return "pcm";
      case 1: return "adpcm";
      case 2:
      case 14:
        return "mp3";
      case 4:
      case 5:
      case 6:
        return "nellymoser";
      case 7: return "g711a";
      case 8: return "g711u";
      case 10: return "aac";
      case 11: return "speex";
      default: return UNKNOWN;
    }
  }
}
