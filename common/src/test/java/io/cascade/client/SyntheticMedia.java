package io.cascade.client;

import io.cascade.rtmp.amf.AmfEcmaArray;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;

/**
 * Synthetic H.264/AAC stream content for load tests and integration tests: FLV tag bodies that
 * look like an encoder's (AVC sequence header, AVC NALU packets with the keyframe flag at each GOP
 * start, AAC sequence header and raw AAC frames) and carry a per-track sequence number and the
 * sender's wall-clock time, so a receiver can measure lag and detect gaps.
 *
 * <p>The stamp sits at a fixed offset: in video, inside an SEI NAL unit (user data unregistered,
 * marked by a 16-byte id) that precedes the slice NAL; in audio, right after the AAC packet type.
 * The rest of each frame is padding up to the size the {@link Profile} gives it. The frames route
 * like real ones through any RTMP server but are not decodable pictures or sound.
 */
public final class SyntheticMedia {
  /** Marks a synthetic stamp; also the SEI's uuid_iso_iec_11578. */
  private static final byte[] MARKER = "cascade-synth-v1".getBytes(StandardCharsets.US_ASCII);
  private static final int STAMP_SIZE = MARKER.length + 8 + 8;

  private static final int VIDEO_CODEC_AVC = 7;
  private static final int FRAME_KEY = 1;
  private static final int FRAME_INTER = 2;
  private static final int AVC_SEQUENCE_HEADER = 0;
  private static final int AVC_NALU = 1;
  private static final int NAL_SEI = 0x06;
  private static final int NAL_IDR = 0x65;
  private static final int NAL_NON_IDR = 0x41;
  private static final int SEI_USER_DATA_UNREGISTERED = 5;
  private static final int RBSP_TRAILING = 0x80;
  /** After the FLV video header (5), the SEI's length (4), NAL header, payload type and size (3). */
  private static final int VIDEO_STAMP_AT = 12;
  /** NAL header, payload type, payload size, the stamp as payload, RBSP trailing bits. */
  private static final int VIDEO_SEI_NAL_SIZE = 3 + STAMP_SIZE + 1;
  /** Up to and including the slice NAL header byte. */
  private static final int VIDEO_HEADER_SIZE = 5 + 4 + VIDEO_SEI_NAL_SIZE + 4 + 1;

  /** AAC, 44 kHz flag (always 3 for AAC), 16-bit, stereo. */
  private static final int AUDIO_TAG_AAC = 0xAF;
  private static final int AAC_SEQUENCE_HEADER = 0;
  private static final int AAC_RAW = 1;
  private static final int AUDIO_STAMP_AT = 2;
  private static final int AUDIO_HEADER_SIZE = AUDIO_STAMP_AT + STAMP_SIZE;
  /** AAC-LC, 48 kHz, 2 channels. */
  private static final byte[] AUDIO_SPECIFIC_CONFIG = {0x11, (byte) 0x90};
  public static final int AUDIO_SAMPLE_RATE = 48_000;
  public static final int AUDIO_SAMPLES_PER_FRAME = 1024;

  /** A High-profile level 3.1 SPS and a PPS in the shape x264 writes them; nothing decodes them. */
  private static final byte[] SPS = {0x67, 0x64, 0x00, 0x1F, (byte) 0xAC, (byte) 0xD9, 0x40, 0x50, 0x05, (byte) 0xBB,
      0x01, 0x10, 0x00, 0x00, 0x03, 0x00, 0x10, 0x00, 0x00, 0x03, 0x03, (byte) 0xC0, (byte) 0xF1, (byte) 0x83, 0x19, 0x60};
  private static final byte[] PPS = {0x68, (byte) 0xEB, (byte) 0xE3, (byte) 0xCB, 0x22, (byte) 0xC0};

  private SyntheticMedia() {
  }

  /**
   * What a synthetic stream looks like.
   *
   * @param videoKbps video bitrate, spread over each GOP so that a keyframe is {@code keyframeWeight}
   *     times the size of another frame
   * @param fps video frames per second
   * @param gopFrames frames from one keyframe to the next
   * @param audio whether an AAC track runs beside the video
   * @param audioKbps audio bitrate (48 kHz, 1024 samples per frame)
   * @param keyframeWeight keyframe size relative to other frames, 1 for all equal
   */
  public record Profile(int videoKbps, int fps, int gopFrames, boolean audio, int audioKbps, int keyframeWeight) {
    public static final int DEFAULT_AUDIO_KBPS = 128;
    public static final int DEFAULT_KEYFRAME_WEIGHT = 4;

    public Profile {
      if (videoKbps < 1 || fps < 1 || fps > 240 || gopFrames < 1 || audioKbps < 1 || keyframeWeight < 1) {
        throw new IllegalArgumentException("invalid profile: videoKbps=" + videoKbps + " fps=" + fps
            + " gopFrames=" + gopFrames + " audioKbps=" + audioKbps + " keyframeWeight=" + keyframeWeight);
      }
    }

    /** A GOP of {@code gopSeconds}, 128 kbit/s audio when on, keyframes four times the other frames. */
    public static Profile of(int videoKbps, int fps, double gopSeconds, boolean audio) {
      return new Profile(videoKbps, fps, Math.max(1, (int) Math.round(fps * gopSeconds)), audio,
          DEFAULT_AUDIO_KBPS, DEFAULT_KEYFRAME_WEIGHT);
    }

    /** Whether video frame {@code n} (counted from 0) starts a GOP. */
    public boolean isKeyframe(long n) {
      return n % gopFrames == 0;
    }

    /** Payload size of video frame {@code n}, never below what the stamp needs. */
    public int videoFrameSize(long n) {
      double gopBytes = videoKbps * 1000.0 / 8 * gopFrames / fps;
      double unit = gopBytes / (keyframeWeight + gopFrames - 1);
      return Math.max(VIDEO_HEADER_SIZE + 1, (int) Math.round(isKeyframe(n) ? unit * keyframeWeight : unit));
    }

    /** Payload size of every audio frame. */
    public int audioFrameSize() {
      double frameSeconds = (double) AUDIO_SAMPLES_PER_FRAME / AUDIO_SAMPLE_RATE;
      return Math.max(AUDIO_HEADER_SIZE, (int) Math.round(audioKbps * 1000.0 / 8 * frameSeconds));
    }

    /** RTMP timestamp (ms) of video frame {@code n}. */
    public long videoTimestamp(long n) {
      return Math.round(n * 1000.0 / fps);
    }

    /** RTMP timestamp (ms) of audio frame {@code k}. */
    public long audioTimestamp(long k) {
      return Math.round(k * 1000.0 * AUDIO_SAMPLES_PER_FRAME / AUDIO_SAMPLE_RATE);
    }

    /** Media bits per second the profile produces, both tracks. */
    public long bitsPerSecond() {
      double video = (double) videoFrameSize(0) + (gopFrames - 1) * (double) videoFrameSize(1);
      double bits = video * 8 * fps / gopFrames;
      if (audio) {
        bits += audioFrameSize() * 8.0 * AUDIO_SAMPLE_RATE / AUDIO_SAMPLES_PER_FRAME;
      }
      return Math.round(bits);
    }

    /** The onMetaData object an encoder would send for this profile. */
    public Map<String, Object> metadata() {
      AmfEcmaArray m = new AmfEcmaArray();
      m.put("width", 1280.0);
      m.put("height", 720.0);
      m.put("framerate", (double) fps);
      m.put("videocodecid", (double) VIDEO_CODEC_AVC);
      m.put("videodatarate", (double) videoKbps);
      if (audio) {
        m.put("audiocodecid", 10.0);
        m.put("audiodatarate", (double) audioKbps);
        m.put("audiosamplerate", (double) AUDIO_SAMPLE_RATE);
        m.put("audiosamplesize", 16.0);
        m.put("stereo", true);
      }
      m.put("encoder", "Cascade SyntheticMedia");
      return m;
    }
  }

  /** What a synthetic frame carries: its number on its track and when it was sent (µs since the epoch). */
  public record Stamp(long sequence, long sendMicros) {}

  /** Wall-clock now in microseconds since the epoch, the unit of {@link Stamp#sendMicros()}. */
  public static long epochMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  /** AVC sequence header (AVCDecoderConfigurationRecord with one SPS and one PPS). */
  public static ByteBuf avcSequenceHeader(ByteBufAllocator alloc) {
    ByteBuf out = alloc.buffer(5 + 6 + 2 + SPS.length + 1 + 2 + PPS.length);
    out.writeByte(FRAME_KEY << 4 | VIDEO_CODEC_AVC);
    out.writeByte(AVC_SEQUENCE_HEADER);
    out.writeMedium(0);
    out.writeByte(1);
    out.writeByte(SPS[1]);
    out.writeByte(SPS[2]);
    out.writeByte(SPS[3]);
    out.writeByte(0xFF);
    out.writeByte(0xE1);
    out.writeShort(SPS.length);
    out.writeBytes(SPS);
    out.writeByte(1);
    out.writeShort(PPS.length);
    out.writeBytes(PPS);
    return out;
  }

  /** AAC sequence header (AudioSpecificConfig: AAC-LC, 48 kHz, stereo). */
  public static ByteBuf aacSequenceHeader(ByteBufAllocator alloc) {
    ByteBuf out = alloc.buffer(2 + AUDIO_SPECIFIC_CONFIG.length);
    out.writeByte(AUDIO_TAG_AAC);
    out.writeByte(AAC_SEQUENCE_HEADER);
    out.writeBytes(AUDIO_SPECIFIC_CONFIG);
    return out;
  }

  /**
   * An AVC NALU packet of {@code size} bytes (at least {@link #minVideoFrameSize()}): an SEI with
   * the stamp, then an IDR slice if {@code keyframe}, else a non-IDR slice, padded with zeros.
   */
  public static ByteBuf videoFrame(ByteBufAllocator alloc, boolean keyframe, long sequence, long sendMicros, int size) {
    if (size < minVideoFrameSize()) {
      throw new IllegalArgumentException("video frame needs at least " + minVideoFrameSize() + " bytes: " + size);
    }
    ByteBuf out = alloc.buffer(size, size);
    out.writeByte((keyframe ? FRAME_KEY : FRAME_INTER) << 4 | VIDEO_CODEC_AVC);
    out.writeByte(AVC_NALU);
    out.writeMedium(0);
    out.writeInt(VIDEO_SEI_NAL_SIZE);
    out.writeByte(NAL_SEI);
    out.writeByte(SEI_USER_DATA_UNREGISTERED);
    out.writeByte(STAMP_SIZE);
    writeStamp(out, sequence, sendMicros);
    out.writeByte(RBSP_TRAILING);
    out.writeInt(size - out.writerIndex() - 4);
    out.writeByte(keyframe ? NAL_IDR : NAL_NON_IDR);
    out.writeZero(size - out.writerIndex());
    return out;
  }

  /** A raw AAC frame of {@code size} bytes (at least {@link #minAudioFrameSize()}) carrying the stamp. */
  public static ByteBuf audioFrame(ByteBufAllocator alloc, long sequence, long sendMicros, int size) {
    if (size < minAudioFrameSize()) {
      throw new IllegalArgumentException("audio frame needs at least " + minAudioFrameSize() + " bytes: " + size);
    }
    ByteBuf out = alloc.buffer(size, size);
    out.writeByte(AUDIO_TAG_AAC);
    out.writeByte(AAC_RAW);
    writeStamp(out, sequence, sendMicros);
    out.writeZero(size - out.writerIndex());
    return out;
  }

  public static int minVideoFrameSize() {
    return VIDEO_HEADER_SIZE + 1;
  }

  public static int minAudioFrameSize() {
    return AUDIO_HEADER_SIZE;
  }

  /**
   * The stamp of a synthetic audio or video frame, or null for anything else (sequence headers,
   * other encoders' frames, other message types). Does not move the buffer's indices.
   */
  public static Stamp parse(int typeId, ByteBuf payload) {
    int base = payload.readerIndex();
    int len = payload.readableBytes();
    int at;
    if (typeId == MessageType.VIDEO) {
      if (len < VIDEO_HEADER_SIZE || (payload.getUnsignedByte(base) & 0x0F) != VIDEO_CODEC_AVC
          || payload.getUnsignedByte(base + 1) != AVC_NALU || payload.getUnsignedByte(base + 9) != NAL_SEI) {
        return null;
      }
      at = base + VIDEO_STAMP_AT;
    } else if (typeId == MessageType.AUDIO) {
      if (len < AUDIO_HEADER_SIZE || payload.getUnsignedByte(base) != AUDIO_TAG_AAC
          || payload.getUnsignedByte(base + 1) != AAC_RAW) {
        return null;
      }
      at = base + AUDIO_STAMP_AT;
    } else {
      return null;
    }
    for (int i = 0; i < MARKER.length; i++) {
      if (payload.getByte(at + i) != MARKER[i]) {
        return null;
      }
    }
    return new Stamp(payload.getLong(at + MARKER.length), payload.getLong(at + MARKER.length + 8));
  }

  /**
   * Where the next stamp's marker starts in {@code buf} between {@code from} and {@code to}, or -1:
   * for packaged media (MPEG-TS payload), where frames are not at known offsets. A naive search;
   * the marker's first byte is rare in synthetic frames (zero padding).
   */
  public static int indexOfStamp(ByteBuf buf, int from, int to) {
    int last = to - STAMP_SIZE;
    for (int i = from; i <= last; i++) {
      if (buf.getByte(i) == MARKER[0] && markerAt(buf, i)) {
        return i;
      }
    }
    return -1;
  }

  /** Whether a stamp's marker starts at {@code at} (and the whole stamp fits before the writer index). */
  public static boolean markerAt(ByteBuf buf, int at) {
    if (at < 0 || at + STAMP_SIZE > buf.writerIndex()) {
      return false;
    }
    for (int i = 0; i < MARKER.length; i++) {
      if (buf.getByte(at + i) != MARKER[i]) {
        return false;
      }
    }
    return true;
  }

  /** The stamp whose marker starts at {@code at} (see {@link #markerAt}). */
  public static Stamp stampAt(ByteBuf buf, int at) {
    return new Stamp(buf.getLong(at + MARKER.length), buf.getLong(at + MARKER.length + 8));
  }

  /** Bytes of a stamp (marker, sequence, send time). */
  public static int stampSize() {
    return STAMP_SIZE;
  }

  /**
   * Whether the stamp at {@code at} sits in a video frame's SEI (the two bytes before it are the
   * SEI's NAL header and payload type; an audio frame's stamp starts the raw AAC frame).
   */
  public static boolean videoStampAt(ByteBuf buf, int at) {
    return at >= 3 && buf.getUnsignedByte(at - 3) == NAL_SEI && buf.getUnsignedByte(at - 2) == SEI_USER_DATA_UNREGISTERED;
  }

  /**
   * For a video stamp at {@code at}: whether the slice after the SEI is an IDR one, whatever comes
   * between them (a 4-byte NAL length in fMP4, a 3- or 4-byte start code in MPEG-TS).
   */
  public static boolean keyframeAfterStamp(ByteBuf buf, int at) {
    int slice = at + STAMP_SIZE + 1;
    for (int i = slice + 3; i <= slice + 4 && i < buf.writerIndex(); i++) {
      if (buf.getUnsignedByte(i) == NAL_IDR) {
        return true;
      }
    }
    return false;
  }

  /** Where a video frame's stamp starts inside its AVC sample (the FLV body minus its 5-byte header). */
  public static int videoStampInSample() {
    return VIDEO_STAMP_AT - 5;
  }

  private static void writeStamp(ByteBuf out, long sequence, long sendMicros) {
    out.writeBytes(MARKER);
    out.writeLong(sequence);
    out.writeLong(sendMicros);
  }
}
