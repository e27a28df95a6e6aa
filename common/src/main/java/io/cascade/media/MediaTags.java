package io.cascade.media;

import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;

/**
 * Reads just enough of an audio or video message (an FLV tag body) to route it: keyframes,
 * sequence headers, sequence ends, command frames, codec identity and the multitrack track id.
 *
 * <p>Runs for every media message, so it never allocates, never copies and never moves the
 * buffer's indices: every read is an absolute {@code getXxx} relative to {@code readerIndex()}.
 * Nothing here throws on bad input; a payload shorter than its header claims is reported as
 * {@link #MALFORMED} and the caller routes it as an ordinary frame.
 *
 * <p>Covers the legacy headers of FLV 10.1 (Annex E.4.2.1, E.4.3.1), the non-standard legacy
 * video codec id 12 that some encoders use for HEVC (laid out like AVC), and the Enhanced RTMP v2
 * ExVideoTagHeader / ExAudioTagHeader with ModEx prefixes and multitrack.
 *
 * <p>Multitrack: Enhanced RTMP carries the frame type and the packet type once per message, shared
 * by every track in it, so a flag such as {@link #KEYFRAME} or {@link #SEQUENCE_HEADER} describes
 * every contained track ("any track" and "all tracks" coincide). {@link #classify} still walks each
 * track so that a later track that overruns the payload makes the whole message {@link #MALFORMED};
 * {@link #codec} and {@link #trackId} describe the first track.
 *
 * <p>Over 400 lines because the two header layouts (legacy and enhanced, audio and video, ModEx and
 * multitrack) share their walking helpers ({@code packetTypeAt}, {@code fourCcAt}): split by
 * question (flags, codec, track, composition time), each part would repeat that walk.
 */
public final class MediaTags {
  /**
   * A video picture a decoder can start from (frame type 1, or 4 "generated key frame"). Never set
   * on sequence headers, sequence ends, command or metadata frames, nor on audio.
   */
  public static final int KEYFRAME = 1;
  /**
   * Decoder configuration to cache and replay to late joiners: AVC/HEVC AVCPacketType 0, AAC
   * AACPacketType 0, enhanced SequenceStart (video and audio), MPEG2TSSequenceStart (video) and
   * MultichannelConfig (audio).
   */
  public static final int SEQUENCE_HEADER = 1 << 1;
  /** AVC/HEVC AVCPacketType 2 or enhanced SequenceEnd. */
  public static final int SEQUENCE_END = 1 << 2;
  /** Video frame type 5: a video info/command byte, not a picture. */
  public static final int COMMAND_FRAME = 1 << 3;
  /**
   * Enhanced video Metadata packet (AMF colorInfo): not a picture; it stays in force until the
   * next one, so a cache may keep the latest.
   */
  public static final int METADATA = 1 << 4;
  /** ExVideoTagHeader or ExAudioTagHeader (FourCC signalling). */
  public static final int ENHANCED = 1 << 5;
  /** Enhanced multitrack packet; see {@link #trackId}. */
  public static final int MULTITRACK = 1 << 6;
  /** Zero-length payload (for audio, the legacy "silence" message). */
  public static final int EMPTY = 1 << 7;
  /**
   * Shorter than its header claims, or a multitrack layout the spec does not define. Only
   * {@link #ENHANCED} and {@link #MULTITRACK} may accompany it.
   */
  public static final int MALFORMED = 1 << 8;
  /**
   * Enhanced audio MultichannelConfig: a {@link #SEQUENCE_HEADER} that complements the track's
   * SequenceStart (the channel layout) rather than replacing it, so a cache keeps both.
   */
  public static final int CHANNEL_CONFIG = 1 << 9;

  /** Returned by {@link #codec} when the codec cannot be told. */
  public static final String UNKNOWN = CodecNames.UNKNOWN;

  // FLV 10.1 Annex E.4.3.1 / E.4.2.1
  private static final int FRAME_KEY = 1;
  private static final int FRAME_GENERATED_KEY = 4;
  private static final int FRAME_COMMAND = 5;
  private static final int VIDEO_CODEC_AVC = 7;
  private static final int VIDEO_CODEC_HEVC_LEGACY = 12;
  private static final int AVC_SEQUENCE_HEADER = 0;
  private static final int AVC_NALU = 1;
  private static final int AVC_END_OF_SEQUENCE = 2;
  /** First byte, AVCPacketType and the SI24 composition time, present whatever the packet type. */
  private static final int AVC_HEADER_SIZE = 5;
  private static final int SOUND_EX_HEADER = 9;
  private static final int SOUND_AAC = 10;
  private static final int AAC_SEQUENCE_HEADER = 0;

  // Enhanced RTMP v2, VideoPacketType and AudioPacketType
  private static final int VIDEO_SEQUENCE_START = 0;
  private static final int VIDEO_CODED_FRAMES = 1;
  private static final int VIDEO_SEQUENCE_END = 2;
  private static final int VIDEO_CODED_FRAMES_X = 3;
  private static final int VIDEO_METADATA = 4;
  private static final int VIDEO_MPEG2TS_SEQUENCE_START = 5;
  private static final int VIDEO_MULTITRACK = 6;
  private static final int AUDIO_SEQUENCE_START = 0;
  private static final int AUDIO_SEQUENCE_END = 2;
  private static final int AUDIO_MULTICHANNEL_CONFIG = 4;
  private static final int AUDIO_MULTITRACK = 5;
  private static final int MOD_EX = 7;

  // AvMultitrackType
  private static final int ONE_TRACK = 0;
  private static final int MANY_TRACKS_MANY_CODECS = 2;

  // AudioChannelOrder
  private static final int CHANNEL_ORDER_NATIVE = 1;
  private static final int CHANNEL_ORDER_CUSTOM = 2;

  private MediaTags() {
  }

  /**
   * Flags for one audio ({@link MessageType#AUDIO}) or video ({@link MessageType#VIDEO}) payload;
   * 0 for any other message type.
   */
  public static int classify(int typeId, ByteBuf payload) {
    boolean video = typeId == MessageType.VIDEO;
    if (!video && typeId != MessageType.AUDIO) {
      return 0;
    }
    int base = payload.readerIndex();
    int len = payload.readableBytes();
    if (len == 0) {
      return EMPTY;
    }
    int b0 = payload.getUnsignedByte(base);
    if (isEnhanced(video, b0)) {
      return enhanced(payload, base, len, video);
    }
    return video ? legacyVideo(payload, base, len, b0) : legacyAudio(payload, base, len, b0);
  }

  /** True when {@code flags} has every bit of {@code flag}. */
  public static boolean has(int flags, int flag) {
    return (flags & flag) == flag;
  }

  /**
   * The track id of an enhanced multitrack message (its first track's, when it carries several);
   * 0 otherwise, which is also the id Enhanced RTMP recommends for the default track. Callers
   * caching sequence headers per track key them by media type and this id; a message that carries
   * several tracks is cached whole under its first track's id.
   */
  public static int trackId(int typeId, ByteBuf payload) {
    boolean video = typeId == MessageType.VIDEO;
    int base = payload.readerIndex();
    int len = payload.readableBytes();
    if ((!video && typeId != MessageType.AUDIO) || len == 0) {
      return 0;
    }
    int b0 = payload.getUnsignedByte(base);
    if (!isEnhanced(video, b0)) {
      return 0;
    }
    int at = packetTypeAt(payload, base, len);
    if (at < 0) {
      return 0;
    }
    int packetType = payload.getUnsignedByte(base + at) & 0x0F;
    if (packetType != multitrackPacketType(video) || (video && isCommand(b0, packetType))) {
      return 0;
    }
    // Every multitrack layout puts one FourCC between the multitrack byte and the first track id.
    int idAt = at + 2 + 4;
    return idAt < len ? payload.getUnsignedByte(base + idAt) : 0;
  }

  /**
   * The codec as a constant string: the FourCC as written for enhanced headers ("avc1", "hvc1",
   * "av01", "vp09", "vp08", "vvc1", "Opus", "fLaC", "ac-3", "ec-3", ".mp3", "mp4a"), a short name
   * for legacy ids ("h263", "screen", "vp6", "vp6a", "screen2", "avc1", "hvc1"; "pcm", "adpcm",
   * "mp3", "nellymoser", "g711a", "g711u", "aac", "speex"), or {@link #UNKNOWN}. Enhanced command
   * frames carry no FourCC and report {@link #UNKNOWN}.
   */
  public static String codec(int typeId, ByteBuf payload) {
    boolean video = typeId == MessageType.VIDEO;
    int base = payload.readerIndex();
    int len = payload.readableBytes();
    if ((!video && typeId != MessageType.AUDIO) || len == 0) {
      return UNKNOWN;
    }
    int b0 = payload.getUnsignedByte(base);
    if (!isEnhanced(video, b0)) {
      return video ? CodecNames.legacyVideo(b0 & 0x0F) : CodecNames.legacyAudio(b0 >> 4);
    }
    int at = fourCcAt(payload, base, len, video, b0);
    if (at < 0) {
      return UNKNOWN;
    }
    int fourCc = payload.getInt(base + at);
    return video ? CodecNames.videoFourCc(fourCc) : CodecNames.audioFourCc(fourCc);
  }

  private static boolean isEnhanced(boolean video, int b0) {
    return video ? (b0 & 0x80) != 0 : b0 >> 4 == SOUND_EX_HEADER;
  }

  private static boolean isKey(int frameType) {
    return frameType == FRAME_KEY || frameType == FRAME_GENERATED_KEY;
  }

  /** v2: a command frame is any non-Metadata packet with frame type 5; only a command byte follows. */
  private static boolean isCommand(int b0, int packetType) {
    return (b0 >> 4 & 0x07) == FRAME_COMMAND && packetType != VIDEO_METADATA;
  }

  private static int multitrackPacketType(boolean video) {
    return video ? VIDEO_MULTITRACK : AUDIO_MULTITRACK;
  }

  private static int legacyVideo(ByteBuf buf, int base, int len, int b0) {
    int frameType = b0 >> 4;
    if (frameType == FRAME_COMMAND) {
      return len >= 2 ? COMMAND_FRAME : MALFORMED;
    }
    int codecId = b0 & 0x0F;
    if (codecId != VIDEO_CODEC_AVC && codecId != VIDEO_CODEC_HEVC_LEGACY) {
      return isKey(frameType) ? KEYFRAME : 0;
    }
    if (len < AVC_HEADER_SIZE) {
      return MALFORMED;
    }
    switch (buf.getUnsignedByte(base + 1)) {
      case AVC_SEQUENCE_HEADER:
        return SEQUENCE_HEADER;
      case AVC_NALU:
        return isKey(frameType) ? KEYFRAME : 0;
      case AVC_END_OF_SEQUENCE:
        return SEQUENCE_END;
      default:
        return 0;
    }
  }

  private static int legacyAudio(ByteBuf buf, int base, int len, int b0) {
    if (b0 >> 4 != SOUND_AAC) {
      return 0;
    }
    if (len < 2) {
      return MALFORMED;
    }
    return buf.getUnsignedByte(base + 1) == AAC_SEQUENCE_HEADER ? SEQUENCE_HEADER : 0;
  }

  private static int enhanced(ByteBuf buf, int base, int len, boolean video) {
    int at = packetTypeAt(buf, base, len);
    if (at < 0) {
      return ENHANCED | MALFORMED;
    }
    int b0 = buf.getUnsignedByte(base);
    int packetType = buf.getUnsignedByte(base + at) & 0x0F;
    int pos = at + 1;
    if (video && isCommand(b0, packetType)) {
      return pos < len ? ENHANCED | COMMAND_FRAME : ENHANCED | MALFORMED;
    }
    if (packetType != multitrackPacketType(video)) {
      if (len - pos < 4) {
        return ENHANCED | MALFORMED;
      }
      int fourCc = buf.getInt(base + pos);
      pos += 4;
      if (!bodyFits(buf, base + pos, len - pos, video, packetType, fourCc)) {
        return ENHANCED | MALFORMED;
      }
      return ENHANCED | packetFlags(video, b0, packetType);
    }
    return multitrack(buf, base, len, video, b0, pos);
  }

  /** Walks every track so a truncated later track is caught; {@code pos} is the multitrack byte. */
  private static int multitrack(ByteBuf buf, int base, int len, boolean video, int b0, int pos) {
    int malformed = ENHANCED | MULTITRACK | MALFORMED;
    if (pos >= len) {
      return malformed;
    }
    int b = buf.getUnsignedByte(base + pos++);
    int layout = b >> 4;
    int packetType = b & 0x0F;
    if (layout > MANY_TRACKS_MANY_CODECS || packetType == multitrackPacketType(video)) {
      return malformed;
    }
    int fourCc = 0;
    if (layout != MANY_TRACKS_MANY_CODECS) {
      if (len - pos < 4) {
        return malformed;
      }
      fourCc = buf.getInt(base + pos);
      pos += 4;
    }
    do {
      if (layout == MANY_TRACKS_MANY_CODECS) {
        if (len - pos < 4) {
          return malformed;
        }
        fourCc = buf.getInt(base + pos);
        pos += 4;
      }
      if (pos >= len) {
        return malformed;
      }
      pos++; // trackId
      int end = len;
      if (layout != ONE_TRACK) {
        if (len - pos < 3) {
          return malformed;
        }
        int size = buf.getUnsignedMedium(base + pos);
        pos += 3;
        if (size > len - pos) {
          return malformed;
        }
        end = pos + size;
      }
      if (!bodyFits(buf, base + pos, end - pos, video, packetType, fourCc)) {
        return malformed;
      }
      pos = end;
    } while (pos < len);
    return ENHANCED | MULTITRACK | packetFlags(video, b0, packetType);
  }

  private static int packetFlags(boolean video, int b0, int packetType) {
    if (!video) {
      switch (packetType) {
        case AUDIO_SEQUENCE_START:
          return SEQUENCE_HEADER;
        case AUDIO_MULTICHANNEL_CONFIG:
          return SEQUENCE_HEADER | CHANNEL_CONFIG;
        case AUDIO_SEQUENCE_END:
          return SEQUENCE_END;
        default:
          return 0;
      }
    }
    switch (packetType) {
      case VIDEO_SEQUENCE_START:
      case VIDEO_MPEG2TS_SEQUENCE_START:
        return SEQUENCE_HEADER;
      case VIDEO_CODED_FRAMES:
      case VIDEO_CODED_FRAMES_X:
        return isKey(b0 >> 4 & 0x07) ? KEYFRAME : 0;
      case VIDEO_SEQUENCE_END:
        return SEQUENCE_END;
      case VIDEO_METADATA:
        return METADATA;
      default:
        return 0;
    }
  }

  /** The only bodies whose header fields we need present: a composition time, a channel layout. */
  private static boolean bodyFits(ByteBuf buf, int at, int size, boolean video, int packetType, int fourCc) {
    if (video) {
      boolean hasCompositionTime = packetType == VIDEO_CODED_FRAMES
          && (fourCc == CodecNames.AVC1 || fourCc == CodecNames.HVC1 || fourCc == CodecNames.VVC1);
      return !hasCompositionTime || size >= 3;
    }
    if (packetType != AUDIO_MULTICHANNEL_CONFIG) {
      return true;
    }
    if (size < 2) {
      return false;
    }
    int order = buf.getUnsignedByte(at);
    int channels = buf.getUnsignedByte(at + 1);
    if (order == CHANNEL_ORDER_CUSTOM) {
      return size >= 2 + channels;
    }
    return order != CHANNEL_ORDER_NATIVE || size >= 2 + 4;
  }

  /**
   * Presentation minus decode time (signed 24 bits, ms) of a video tag's coded frames: classic
   * H.264 / HEVC, or Enhanced-RTMP CodedFrames of avc1 / hvc1 / vvc1 after any ModEx prefixes, also
   * inside a OneTrack multitrack tag; 0 for every other tag, including CodedFramesX (which means 0)
   * and tags of several tracks (whose times are per track: split them first, see
   * {@link MultitrackTags}).
   */
  public static int compositionTime(ByteBuf payload) {
    int base = payload.readerIndex();
    int len = payload.readableBytes();
    if (len < 5) {
      return 0;
    }
    int b0 = payload.getUnsignedByte(base);
    if ((b0 & 0x80) == 0) {
      int codec = b0 & 0x0F;
      boolean coded = (codec == VIDEO_CODEC_AVC || codec == VIDEO_CODEC_HEVC_LEGACY)
          && payload.getUnsignedByte(base + 1) == VIDEO_CODED_FRAMES;
      return coded ? payload.getMedium(base + 2) : 0;
    }
    int at = packetTypeAt(payload, base, len);
    if (at < 0) {
      return 0;
    }
    int packetType = payload.getUnsignedByte(base + at) & 0x0F;
    int fourCcAt = at + 1;
    int timeAt = at + 5;
    if (packetType == VIDEO_MULTITRACK && len - at >= 2) {
      int b = payload.getUnsignedByte(base + at + 1);
      if (b >> 4 != ONE_TRACK) {
        return 0;
      }
      packetType = b & 0x0F;
      fourCcAt = at + 2;
      timeAt = at + 2 + 4 + 1; // FourCC, track id
    }
    if (packetType != VIDEO_CODED_FRAMES || len - timeAt < 3) {
      return 0;
    }
    int fourCc = payload.getInt(base + fourCcAt);
    boolean timed = fourCc == CodecNames.AVC1 || fourCc == CodecNames.HVC1 || fourCc == CodecNames.VVC1;
    return timed ? payload.getMedium(base + timeAt) : 0;
  }

  /**
   * Follows ModEx prefixes (shared by audio and video) and returns the offset of the byte whose
   * low nibble is the packet type in force, or -1 when the payload ends first.
   */
  static int packetTypeAt(ByteBuf buf, int base, int len) {
    int at = 0;
    while ((buf.getUnsignedByte(base + at) & 0x0F) == MOD_EX) {
      int pos = at + 1;
      if (pos >= len) {
        return -1;
      }
      int size = buf.getUnsignedByte(base + pos++) + 1;
      if (size == 256) {
        if (len - pos < 2) {
          return -1;
        }
        size = buf.getUnsignedShort(base + pos) + 1;
        pos += 2;
      }
      at = pos + size;
      if (at >= len) {
        return -1;
      }
    }
    return at;
  }

  /** Offset of the (first) FourCC, or -1 when absent (command frame) or cut off. */
  private static int fourCcAt(ByteBuf buf, int base, int len, boolean video, int b0) {
    int at = packetTypeAt(buf, base, len);
    if (at < 0) {
      return -1;
    }
    int packetType = buf.getUnsignedByte(base + at) & 0x0F;
    if (video && isCommand(b0, packetType)) {
      return -1;
    }
    // In every multitrack layout a FourCC directly follows the multitrack byte.
    int pos = packetType == multitrackPacketType(video) ? at + 2 : at + 1;
    return len - pos >= 4 ? pos : -1;
  }

}
