package io.cascade.cmaf;

import io.netty.buffer.ByteBuf;

/**
 * AAC from its AudioSpecificConfig (ISO/IEC 14496-3 §1.6.2.1, the body of an FLV AAC sequence
 * header): sample entry {@code mp4a} with an {@code esds} (ISO/IEC 14496-1 §7.2.6.5, 14496-14 §5.6),
 * codec string {@code mp4a.40.<audioObjectType>} (RFC 6381 §3.3), timescale at the core sample rate
 * and 1024 (or 960) samples per frame.
 */
public final class AacFormat implements TrackFormat {
  private static final int[] SAMPLE_RATES = {96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000,
      11025, 8000, 7350};
  private static final int AOT_SBR = 5;
  private static final int AOT_PS = 29;
  private static final int ES_DESCRIPTOR = 3;
  private static final int DECODER_CONFIG_DESCRIPTOR = 4;
  private static final int DECODER_SPECIFIC_INFO = 5;
  private static final int SL_CONFIG_DESCRIPTOR = 6;
  private static final int OBJECT_TYPE_AUDIO_14496_3 = 0x40;
  /** streamType 5 (audio) << 2, upStream 0, reserved 1. */
  private static final int STREAM_TYPE_AUDIO = 0x15;
  private static final int SL_PREDEFINED_MP4 = 2;
  /** Keeps every descriptor length within the one-byte size form; real configs are 2 to 5 bytes. */
  private static final int MAX_CONFIG_BYTES = 64;

  private final byte[] config;
  private final int objectType;
  private final int sampleRate;
  private final int channels;
  private final int frameLength;

  private AacFormat(byte[] config, int objectType, int sampleRate, int channels, int frameLength) {
    this.config = config;
    this.objectType = objectType;
    this.sampleRate = sampleRate;
    this.channels = channels;
    this.frameLength = frameLength;
  }

  /** Parses an AudioSpecificConfig; {@link IllegalArgumentException} when malformed. */
  public static AacFormat parse(byte[] config) {
    if (config.length < 2 || config.length > MAX_CONFIG_BYTES) {
      throw new IllegalArgumentException("AudioSpecificConfig of " + config.length + " bytes");
    }
    BitReader r = new BitReader(config);
    int objectType = objectType(r);
    int sampleRate = sampleRate(r);
    int channels = r.bits(4);
    int coreType = objectType;
    if (objectType == AOT_SBR || objectType == AOT_PS) {
      sampleRate(r); // extensionSamplingFrequency: the output rate; the timeline runs at the core rate
      coreType = objectType(r);
    }
    // GASpecificConfig starts with frameLengthFlag for the general audio object types
    boolean shortFrames = coreType <= 7 && coreType != 5 && r.flag();
    if (sampleRate <= 0) {
      throw new IllegalArgumentException("AudioSpecificConfig with sampling rate " + sampleRate);
    }
    return new AacFormat(config.clone(), objectType, sampleRate, channels, shortFrames ? 960 : 1024);
  }

  private static int objectType(BitReader r) {
    int type = r.bits(5);
    return type == 31 ? 32 + r.bits(6) : type;
  }

  private static int sampleRate(BitReader r) {
    int index = r.bits(4);
    if (index == 15) {
      return r.bits(24);
    }
    if (index >= SAMPLE_RATES.length) {
      throw new IllegalArgumentException("reserved samplingFrequencyIndex " + index);
    }
    return SAMPLE_RATES[index];
  }

  @Override
  public boolean isVideo() {
    return false;
  }

  @Override
  public String codecString() {
    return "mp4a.40." + objectType;
  }

  @Override
  public int timescale() {
    return sampleRate;
  }

  @Override
  public int sampleRate() {
    return sampleRate;
  }

  /** From the AudioSpecificConfig; 0 means a program_config_element defines them (reported as 2). */
  @Override
  public int channels() {
    return channels == 0 ? 2 : channels == 7 ? 8 : channels;
  }

  @Override
  public int sampleDuration(ByteBuf sample) {
    return frameLength;
  }

  @Override
  public void writeSampleEntry(BoxWriter w) {
    SampleEntries.startAudio(w, "mp4a", channels(), sampleRate);
    w.startFull("esds", 0, 0);
    int decoderSpecific = 2 + config.length;
    int decoderConfig = 2 + 13 + decoderSpecific;
    int slConfig = 3;
    w.u8(ES_DESCRIPTOR).u8(3 + decoderConfig + slConfig)
        .u16(0).u8(0) // ES_ID (0 in MP4 files), no dependency, URL or OCR stream
        .u8(DECODER_CONFIG_DESCRIPTOR).u8(decoderConfig - 2)
        .u8(OBJECT_TYPE_AUDIO_14496_3).u8(STREAM_TYPE_AUDIO)
        .u24(0).u32(0).u32(0) // bufferSizeDB, maxBitrate, avgBitrate: not known to a live packager
        .u8(DECODER_SPECIFIC_INFO).u8(config.length).bytes(config)
        .u8(SL_CONFIG_DESCRIPTOR).u8(1).u8(SL_PREDEFINED_MP4);
    w.end();
    w.end();
  }
}
