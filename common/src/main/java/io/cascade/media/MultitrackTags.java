package io.cascade.media;

import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.List;

/**
 * Splits an Enhanced-RTMP multitrack message that carries several tracks (AvMultitrackType
 * ManyTracks or ManyTracksManyCodecs) into one message per track in the OneTrack layout, so that
 * every track id reaches the live core as its own frames: cached, keyed and packaged per track like
 * the OneTrack messages OBS sends. Each part keeps the message's first byte and ModEx prefixes,
 * then the multitrack byte (OneTrack, the shared packet type), the track's FourCC, its id and its
 * body. The copy costs a few bytes of header per track and only happens for such messages.
 */
public final class MultitrackTags {
  private static final int VIDEO_MULTITRACK = 6;
  private static final int AUDIO_MULTITRACK = 5;
  private static final int ONE_TRACK = 0;
  private static final int MANY_TRACKS_MANY_CODECS = 2;
  private static final int MOD_EX = 7;
  private static final int SOUND_EX_HEADER = 9;

  private MultitrackTags() {
  }

  /**
   * Whether {@code payload} is a well-formed multitrack message of a several-track layout. Runs for
   * every media message: anything but an enhanced header is turned away on its first byte, and only
   * a several-track message is walked in full.
   */
  public static boolean severalTracks(int typeId, ByteBuf payload) {
    boolean video = typeId == MessageType.VIDEO;
    if (!payload.isReadable() || (!video && typeId != MessageType.AUDIO)) {
      return false;
    }
    int b0 = payload.getUnsignedByte(payload.readerIndex());
    if (video ? (b0 & 0x80) == 0 : b0 >> 4 != SOUND_EX_HEADER) {
      return false;
    }
    int at = multitrackByteAt(payload, video);
    if (at < 0 || payload.getUnsignedByte(payload.readerIndex() + at) >> 4 == ONE_TRACK) {
      return false;
    }
    int flags = MediaTags.classify(typeId, payload);
    return MediaTags.has(flags, MediaTags.MULTITRACK) && (flags & MediaTags.MALFORMED) == 0;
  }

  /**
   * The OneTrack messages that {@code payload} carries, in its order, each a new buffer owned by
   * the caller; {@code payload} is left as it was. Call only when {@link #severalTracks} holds
   * (the walk relies on the sizes that {@link MediaTags#classify} checked).
   */
  public static List<ByteBuf> split(int typeId, ByteBuf payload, ByteBufAllocator alloc) {
    int base = payload.readerIndex();
    int len = payload.readableBytes();
    int at = multitrackByteAt(payload, typeId == MessageType.VIDEO);
    int b = payload.getUnsignedByte(base + at);
    int layout = b >> 4;
    int packetType = b & 0x0F;
    int pos = at + 1;
    int fourCc = 0;
    if (layout != MANY_TRACKS_MANY_CODECS) {
      fourCc = payload.getInt(base + pos);
      pos += 4;
    }
    List<ByteBuf> out = new ArrayList<>(2);
    try {
      while (pos < len) {
        if (layout == MANY_TRACKS_MANY_CODECS) {
          fourCc = payload.getInt(base + pos);
          pos += 4;
        }
        int trackId = payload.getUnsignedByte(base + pos++);
        int size = payload.getUnsignedMedium(base + pos);
        pos += 3;
        ByteBuf one = alloc.buffer(at + 1 + 4 + 1 + size);
        out.add(one);
        one.writeBytes(payload, base, at) // first byte and ModEx prefixes
            .writeByte(ONE_TRACK << 4 | packetType)
            .writeInt(fourCc)
            .writeByte(trackId)
            .writeBytes(payload, base + pos, size);
        pos += size;
      }
    } catch (RuntimeException e) {
      out.forEach(ByteBuf::release);
      throw e;
    }
    return out;
  }

  /** Offset of the multitrack byte (the one after the packet type) of an enhanced header, or -1. */
  private static int multitrackByteAt(ByteBuf buf, boolean video) {
    int base = buf.readerIndex();
    int len = buf.readableBytes();
    int at = MediaTags.packetTypeAt(buf, base, len);
    if (at < 0) {
      return -1;
    }
    int packetType = buf.getUnsignedByte(base + at) & 0x0F;
    return packetType == (video ? VIDEO_MULTITRACK : AUDIO_MULTITRACK) && at + 1 < len ? at + 1 : -1;
  }
}
