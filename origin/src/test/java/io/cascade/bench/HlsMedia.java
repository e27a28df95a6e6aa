package io.cascade.bench;

import io.cascade.client.SyntheticMedia;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.LinkedHashSet;
import java.util.Set;

/**
 * Finds the synthetic frames in an HLS part or segment, so an HLS viewer's lag is measured per
 * frame as an RTMP player's is: fMP4 (CMAF parts and segments) is read by its boxes, each sample at
 * its offset from the track run; MPEG-TS (nginx-rtmp's segments) has its payload put back together
 * per PID and searched for the stamp, since a frame may span packets. Reads only; never keeps or
 * releases the body it is given.
 */
final class HlsMedia {
  /** What is found, in order per track. */
  interface FrameSink {
    void frame(int type, SyntheticMedia.Stamp stamp, boolean keyframe);
  }

  private static final int TS_PACKET = 188;
  private static final int TS_SYNC = 0x47;
  private static final int TS_NULL_PID = 0x1FFF;
  /** Boxes nest this deep at most in a part (moof, traf, trun). */
  private static final int MAX_DEPTH = 3;

  private HlsMedia() {
  }

  /** Frames in {@code body}, fMP4 or MPEG-TS; returns how many were found. */
  static int frames(ByteBuf body, FrameSink sink) {
    if (body.readableBytes() >= TS_PACKET && body.getUnsignedByte(body.readerIndex()) == TS_SYNC
        && body.readableBytes() % TS_PACKET == 0) {
      return tsFrames(body, sink);
    }
    return fmp4Frames(body, sink);
  }

  // --- fMP4 ---------------------------------------------------------------------------------

  private static int fmp4Frames(ByteBuf body, FrameSink sink) {
    int found = 0;
    int at = body.readerIndex();
    int end = body.writerIndex();
    while (at + 8 <= end) {
      long size = body.getUnsignedInt(at);
      int type = body.getInt(at + 4);
      if (size == 0) {
        size = end - at;
      } else if (size < 8) {
        throw new IllegalArgumentException("fMP4 box of " + size + " bytes at " + at);
      }
      if (type == fourcc("moof")) {
        found += moof(body, at, (int) Math.min(end, at + size), sink);
      }
      at += (int) Math.min(size, end - at);
    }
    return found;
  }

  private static int moof(ByteBuf body, int moofStart, int moofEnd, FrameSink sink) {
    int found = 0;
    for (int at = moofStart + 8; at + 8 <= moofEnd; at += boxSize(body, at, moofEnd)) {
      if (body.getInt(at + 4) == fourcc("traf")) {
        found += traf(body, moofStart, at, at + boxSize(body, at, moofEnd), sink);
      }
    }
    return found;
  }

  private static int traf(ByteBuf body, int moofStart, int trafStart, int trafEnd, FrameSink sink) {
    long base = moofStart;
    int defaultSize = 0;
    int found = 0;
    for (int at = trafStart + 8; at + 8 <= trafEnd; at += boxSize(body, at, trafEnd)) {
      int type = body.getInt(at + 4);
      int flags = body.getInt(at + 8) & 0xFFFFFF;
      int p = at + 12;
      if (type == fourcc("tfhd")) {
        p += 4; // track_ID
        if ((flags & 0x1) != 0) {
          base = body.getLong(p);
          p += 8;
        }
        if ((flags & 0x2) != 0) {
          p += 4;
        }
        if ((flags & 0x8) != 0) {
          p += 4;
        }
        if ((flags & 0x10) != 0) {
          defaultSize = body.getInt(p);
        }
      } else if (type == fourcc("trun")) {
        int count = body.getInt(p);
        p += 4;
        long offset = base;
        if ((flags & 0x1) != 0) {
          offset += body.getInt(p);
          p += 4;
        }
        if ((flags & 0x4) != 0) {
          p += 4;
        }
        for (int i = 0; i < count; i++) {
          if ((flags & 0x100) != 0) {
            p += 4;
          }
          int size = defaultSize;
          if ((flags & 0x200) != 0) {
            size = body.getInt(p);
            p += 4;
          }
          if ((flags & 0x400) != 0) {
            p += 4;
          }
          if ((flags & 0x800) != 0) {
            p += 4;
          }
          if (sample(body, offset, size, sink)) {
            found++;
          }
          offset += size;
        }
      }
    }
    return found;
  }

  /** One sample: an audio frame starts with its stamp, a video frame has it in the SEI first. */
  private static boolean sample(ByteBuf body, long offset, int size, FrameSink sink) {
    if (offset < 0 || offset + size > body.writerIndex()) {
      return false;
    }
    int at = (int) offset;
    if (SyntheticMedia.markerAt(body, at)) {
      sink.frame(MessageType.AUDIO, SyntheticMedia.stampAt(body, at), false);
      return true;
    }
    int video = at + SyntheticMedia.videoStampInSample();
    if (SyntheticMedia.markerAt(body, video) && SyntheticMedia.videoStampAt(body, video)) {
      sink.frame(MessageType.VIDEO, SyntheticMedia.stampAt(body, video), SyntheticMedia.keyframeAfterStamp(body, video));
      return true;
    }
    return false;
  }

  private static int boxSize(ByteBuf body, int at, int end) {
    long size = body.getUnsignedInt(at);
    if (size < 8 || at + size > end) {
      // A truncated or zero-sized child: the rest of the parent.
      return end - at;
    }
    return (int) size;
  }

  private static int fourcc(String s) {
    return s.charAt(0) << 24 | s.charAt(1) << 16 | s.charAt(2) << 8 | s.charAt(3);
  }

  // --- MPEG-TS ------------------------------------------------------------------------------

  /**
   * Per thread, one PID's payload at a time: reused from segment to segment, so a megabyte
   * segment does not leave megabytes of garbage per viewer. Grows to the largest PID's payload.
   */
  private static final ThreadLocal<ByteBuf> TS_SCRATCH = ThreadLocal.withInitial(() -> Unpooled.buffer(1 << 20));

  private static int tsFrames(ByteBuf body, FrameSink sink) {
    Set<Integer> pids = new LinkedHashSet<>();
    for (int at = body.readerIndex(); at + TS_PACKET <= body.writerIndex(); at += TS_PACKET) {
      if (body.getUnsignedByte(at) != TS_SYNC) {
        throw new IllegalArgumentException("MPEG-TS sync byte missing at " + at);
      }
      int pid = body.getUnsignedShort(at + 1) & 0x1FFF;
      if (pid != 0 && pid != TS_NULL_PID) {
        pids.add(pid);
      }
    }
    ByteBuf stream = TS_SCRATCH.get();
    int found = 0;
    for (int pid : pids) {
      stream.clear();
      for (int at = body.readerIndex(); at + TS_PACKET <= body.writerIndex(); at += TS_PACKET) {
        int control = body.getUnsignedByte(at + 3) >> 4 & 0x3;
        if ((body.getUnsignedShort(at + 1) & 0x1FFF) != pid || (control & 0x1) == 0) {
          continue;
        }
        int payload = at + 4;
        if ((control & 0x2) != 0) {
          payload += 1 + body.getUnsignedByte(at + 4);
        }
        if (payload < at + TS_PACKET) {
          stream.writeBytes(body, payload, at + TS_PACKET - payload);
        }
      }
      int at = stream.readerIndex();
      while ((at = SyntheticMedia.indexOfStamp(stream, at, stream.writerIndex())) >= 0) {
        boolean video = SyntheticMedia.videoStampAt(stream, at);
        sink.frame(video ? MessageType.VIDEO : MessageType.AUDIO, SyntheticMedia.stampAt(stream, at),
            video && SyntheticMedia.keyframeAfterStamp(stream, at));
        found++;
        at += SyntheticMedia.stampSize();
      }
    }
    return found;
  }
}
