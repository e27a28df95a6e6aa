package io.cascade.cmaf;

import io.cascade.live.MediaFrame;
import io.netty.buffer.ByteBuf;

/**
 * Where the ISO sample data (or the codec configuration record) starts in a frame's body as
 * ingested, an FLV / Enhanced-RTMP audio or video tag body (FLV 10.1 Annex E.4.2.1 / E.4.3.1,
 * Enhanced RTMP v2): behind the classic 5-byte AVC/HEVC header or 2-byte AAC header, or behind the
 * enhanced header (ModEx prefixes, packet type, FourCC) and, for AVC/HEVC CodedFrames only, the
 * 3-byte composition time; a OneTrack multitrack body has the multitrack byte, the FourCC and the
 * track id there instead. AVC/HEVC NAL units are length-prefixed in FLV as in ISO files; AV1,
 * AAC and Opus payloads are ISO samples as they stand.
 *
 * @param kind what the body holds
 * @param offset bytes from the body's reader index to the payload; 0 unless {@link Kind#CONFIG} or {@link Kind#SAMPLE}
 */
record FlvPayload(Kind kind, int offset) {

  /** What a body carries, as far as fragmenting goes. */
  enum Kind {
    /** A decoder configuration record: sequence header / sequence start. */
    CONFIG,
    /** A coded frame: its payload is one ISO sample. */
    SAMPLE,
    /** Anything else: metadata, commands, sequence ends, channel layouts, several tracks, other codecs. */
    OTHER
  }

  static final FlvPayload OTHER = new FlvPayload(Kind.OTHER, 0);

  private static final int LEGACY_AVC = 7;
  private static final int LEGACY_HEVC = 12;
  private static final int LEGACY_VIDEO_HEADER = 5;
  private static final int FRAME_COMMAND = 5;
  private static final int SOUND_AAC = 10;
  private static final int SOUND_EX_HEADER = 9;
  private static final int AAC_HEADER = 2;
  private static final int SEQUENCE_START = 0;
  private static final int CODED_FRAMES = 1;
  private static final int CODED_FRAMES_X = 3;
  private static final int VIDEO_METADATA = 4;
  private static final int VIDEO_MULTITRACK = 6;
  private static final int AUDIO_MULTITRACK = 5;
  private static final int ONE_TRACK = 0;
  private static final int MOD_EX = 7;
  private static final int FOURCC_AVC1 = 0x61766331;
  private static final int FOURCC_HVC1 = 0x68766331;
  private static final int COMPOSITION_TIME = 3;

  /** Locates the payload of an audio or video frame; {@link #OTHER} for data frames and short bodies. */
  static FlvPayload locate(MediaFrame frame) {
    ByteBuf body = frame.body();
    int base = body.readerIndex();
    int len = body.readableBytes();
    if (len < 2 || frame.isData()) {
      return OTHER;
    }
    int b0 = body.getUnsignedByte(base);
    if (frame.isVideo()) {
      return (b0 & 0x80) != 0 ? enhanced(body, base, len, true, b0) : legacyVideo(body, base, len, b0);
    }
    if (b0 >> 4 == SOUND_AAC) {
      return at(body.getUnsignedByte(base + 1) == SEQUENCE_START ? Kind.CONFIG : Kind.SAMPLE, AAC_HEADER, len);
    }
    return b0 >> 4 == SOUND_EX_HEADER ? enhanced(body, base, len, false, b0) : OTHER;
  }

  private static FlvPayload legacyVideo(ByteBuf body, int base, int len, int b0) {
    int codec = b0 & 0x0F;
    if ((codec != LEGACY_AVC && codec != LEGACY_HEVC) || b0 >> 4 == FRAME_COMMAND) {
      return OTHER;
    }
    switch (body.getUnsignedByte(base + 1)) {
      case SEQUENCE_START:
        return at(Kind.CONFIG, LEGACY_VIDEO_HEADER, len);
      case CODED_FRAMES:
        return at(Kind.SAMPLE, LEGACY_VIDEO_HEADER, len);
      default:
        return OTHER;
    }
  }

  private static FlvPayload enhanced(ByteBuf body, int base, int len, boolean video, int b0) {
    int at = 0;
    int packetType = b0 & 0x0F;
    while (packetType == MOD_EX) { // ModEx: size, data, then the byte that carries the packet type
      int pos = at + 1;
      if (pos >= len) {
        return OTHER;
      }
      int size = body.getUnsignedByte(base + pos++) + 1;
      if (size == 256) {
        if (len - pos < 2) {
          return OTHER;
        }
        size = body.getUnsignedShort(base + pos) + 1;
        pos += 2;
      }
      at = pos + size;
      if (at >= len) {
        return OTHER;
      }
      packetType = body.getUnsignedByte(base + at) & 0x0F;
    }
    if (video && (b0 >> 4 & 0x07) == FRAME_COMMAND && packetType != VIDEO_METADATA) {
      return OTHER;
    }
    int fourCcAt = at + 1;
    int payload = at + 1 + 4;
    if (packetType == (video ? VIDEO_MULTITRACK : AUDIO_MULTITRACK)) {
      // One track (the ingest splits messages of several): multitrack byte, FourCC, track id, body.
      if (len - at < 2) {
        return OTHER;
      }
      int b = body.getUnsignedByte(base + at + 1);
      if (b >> 4 != ONE_TRACK) {
        return OTHER;
      }
      packetType = b & 0x0F;
      fourCcAt = at + 2;
      payload = at + 2 + 4 + 1;
    }
    if (payload > len) {
      return OTHER;
    }
    if (packetType == SEQUENCE_START) {
      return at(Kind.CONFIG, payload, len);
    }
    if (packetType == CODED_FRAMES) {
      int fourCc = body.getInt(base + fourCcAt);
      boolean compositionTime = video && (fourCc == FOURCC_AVC1 || fourCc == FOURCC_HVC1);
      return at(Kind.SAMPLE, compositionTime ? payload + COMPOSITION_TIME : payload, len);
    }
    if (video && packetType == CODED_FRAMES_X) {
      return at(Kind.SAMPLE, payload, len);
    }
    return OTHER; // sequence end, metadata, multichannel config, MPEG-2 TS sequence start
  }

  private static FlvPayload at(Kind kind, int offset, int len) {
    return offset <= len ? new FlvPayload(kind, offset) : OTHER;
  }
}
