package io.cascade.cmaf;

import io.netty.buffer.ByteBuf;

/**
 * Opus from its identification header, OpusHead (RFC 7845 §5.1, the body of an Enhanced-RTMP Opus
 * sequence start): sample entry {@code Opus} with a {@code dOps} box ("Encapsulation of Opus in ISO
 * Base Media File Format" §4.3), codec string {@code opus}, timescale 48 kHz whatever the input rate,
 * sample durations from each packet's TOC byte (RFC 6716 §3.1).
 */
public final class OpusFormat implements TrackFormat {
  private static final int RATE = 48_000;
  private static final byte[] MAGIC = {'O', 'p', 'u', 's', 'H', 'e', 'a', 'd'};
  private static final int HEAD_FIXED = 19;

  private final int channels;
  private final int preSkip;
  private final long inputRate;
  private final int outputGain;
  private final int mappingFamily;
  private final byte[] mapping;

  private OpusFormat(int channels, int preSkip, long inputRate, int outputGain, int mappingFamily, byte[] mapping) {
    this.channels = channels;
    this.preSkip = preSkip;
    this.inputRate = inputRate;
    this.outputGain = outputGain;
    this.mappingFamily = mappingFamily;
    this.mapping = mapping;
  }

  /**
   * Parses an OpusHead; an empty one (which Enhanced RTMP allows) means stereo, family 0.
   * {@link IllegalArgumentException} when malformed.
   */
  public static OpusFormat parse(byte[] head) {
    if (head.length == 0) {
      return new OpusFormat(2, 0, RATE, 0, 0, new byte[0]);
    }
    if (head.length < HEAD_FIXED) {
      throw new IllegalArgumentException("OpusHead of " + head.length + " bytes");
    }
    for (int i = 0; i < MAGIC.length; i++) {
      if (head[i] != MAGIC[i]) {
        throw new IllegalArgumentException("not an OpusHead");
      }
    }
    int channels = head[9] & 0xFF;
    int preSkip = (head[10] & 0xFF) | (head[11] & 0xFF) << 8;
    long inputRate = (head[12] & 0xFFL) | (head[13] & 0xFFL) << 8 | (head[14] & 0xFFL) << 16 | (head[15] & 0xFFL) << 24;
    int gain = (short) ((head[16] & 0xFF) | (head[17] & 0xFF) << 8);
    int family = head[18] & 0xFF;
    byte[] mapping = new byte[0];
    if (family != 0) {
      if (head.length < HEAD_FIXED + 2 + channels) {
        throw new IllegalArgumentException("OpusHead channel mapping table cut short");
      }
      mapping = java.util.Arrays.copyOfRange(head, HEAD_FIXED, HEAD_FIXED + 2 + channels);
    }
    if (channels == 0) {
      throw new IllegalArgumentException("OpusHead with 0 channels");
    }
    return new OpusFormat(channels, preSkip, inputRate, gain, family, mapping);
  }

  /**
   * Samples at 48 kHz in one Opus packet from its TOC byte and frame count (RFC 6716 §3.1, §3.2.5);
   * 0 for an empty or malformed packet.
   */
  static int packetSamples(ByteBuf buf, int at, int length) {
    if (length < 1) {
      return 0;
    }
    int toc = buf.getUnsignedByte(at);
    int config = toc >> 3;
    int frameSamples;
    if (config < 12) { // SILK: 10, 20, 40, 60 ms
      frameSamples = new int[] {480, 960, 1920, 2880}[config & 3];
    } else if (config < 16) { // hybrid: 10, 20 ms
      frameSamples = (config & 1) == 0 ? 480 : 960;
    } else { // CELT: 2.5, 5, 10, 20 ms
      frameSamples = 120 << (config & 3);
    }
    int frames;
    switch (toc & 3) {
      case 0:
        frames = 1;
        break;
      case 3:
        frames = length < 2 ? 0 : buf.getUnsignedByte(at + 1) & 0x3F;
        break;
      default:
        frames = 2;
    }
    return frames * frameSamples;
  }

  @Override
  public boolean isVideo() {
    return false;
  }

  @Override
  public String codecString() {
    return "opus";
  }

  @Override
  public int timescale() {
    return RATE;
  }

  @Override
  public int sampleRate() {
    return RATE;
  }

  @Override
  public int channels() {
    return channels;
  }

  /** Every stream's packet in a sample has the same duration, so the first packet's TOC tells it. */
  @Override
  public int sampleDuration(ByteBuf sample) {
    return packetSamples(sample, sample.readerIndex(), sample.readableBytes());
  }

  @Override
  public void writeSampleEntry(BoxWriter w) {
    SampleEntries.startAudio(w, "Opus", channels, RATE);
    w.start("dOps").u8(0).u8(channels).u16(preSkip).u32(inputRate).u16(outputGain).u8(mappingFamily)
        .bytes(mapping).end();
    w.end();
  }
}
