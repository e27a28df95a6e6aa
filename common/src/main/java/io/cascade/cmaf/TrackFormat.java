package io.cascade.cmaf;

import io.netty.buffer.ByteBuf;

/**
 * What an init segment says about one track, read from its sequence header: the sample entry, the
 * media timescale and the RFC 6381 codec string for a playlist's CODECS attribute.
 */
public interface TrackFormat {
  /** Video timescale: the MPEG 90 kHz clock (see {@link Fragmenter} for why). */
  int VIDEO_TIMESCALE = 90_000;

  /**
   * The format a sequence header describes, by the frame's codec name ({@code MediaTags#codec});
   * null for a codec this packager does not carry.
   *
   * @throws IllegalArgumentException when the configuration record is malformed
   */
  static TrackFormat fromConfig(String codec, byte[] config) {
    switch (codec) {
      case "avc1":
        return AvcFormat.parse(config);
      case "hvc1":
        return HevcFormat.parse(config);
      case "av01":
        return Av1Format.parse(config);
      case "aac":
      case "mp4a":
        return AacFormat.parse(config);
      case "Opus":
        return OpusFormat.parse(config);
      default:
        return null;
    }
  }

  boolean isVideo();

  /** The RFC 6381 {@code codecs} value, e.g. {@code avc1.64001f}, {@code mp4a.40.2}. */
  String codecString();

  /** Ticks per second of the track's media timeline (mdhd, tfdt, trun). */
  int timescale();

  /** Writes the sample entry (the child of stsd: avc1, hvc1, av01, mp4a, Opus). */
  void writeSampleEntry(BoxWriter w);

  /** Pixels; 0 for audio. */
  default int width() {
    return 0;
  }

  /** Pixels; 0 for audio. */
  default int height() {
    return 0;
  }

  /** Samples per second; 0 for video. */
  default int sampleRate() {
    return 0;
  }

  /** 0 for video. */
  default int channels() {
    return 0;
  }

  /**
   * Duration of one sample in timescale ticks, from the codec (AAC frame length, Opus TOC), or 0
   * when only the next sample's time tells it (video).
   */
  default int sampleDuration(ByteBuf sample) {
    return 0;
  }
}
