package io.cascade.testing;

import io.cascade.client.SyntheticMedia;
import io.cascade.flv.FlvHeader;
import io.cascade.flv.FlvTagPackager;
import io.cascade.live.MediaFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/**
 * A short HTTP-FLV body of {@link SyntheticMedia} frames, written by the server's own
 * {@link FlvHeader} and {@link FlvTagPackager}, for the tests of FLV readers and players.
 */
public final class SyntheticFlv {
  /** The send time stamped into every frame (µs since the epoch). */
  public static final long SENT = 1_700_000_000_000_000L;
  /** Body sizes of the tags of {@link #stream(boolean) stream(true)}, in order. */
  public static final List<Integer> SIZES = List.of(13, 48, 4, 0, 300, 40, 120, 40, 120);

  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

  private SyntheticFlv() {
  }

  /**
   * The FLV header, script data, both sequence headers, an empty audio tag, then stamped video (a
   * 300-byte keyframe at 0 ms, inter frames of 120 bytes at 33 ms and at 0x01234567 ms, past 24
   * bits) and audio (40 bytes at 21 and 43 ms). Without {@code complete}, video frame 1 (at 33 ms)
   * is left out: a gap.
   */
  public static byte[] stream(boolean complete) {
    List<ByteBuf> parts = new ArrayList<>();
    parts.add(FlvHeader.encode(ALLOC, true, true));
    parts.add(tag(MediaFrame.Kind.DATA, 0, Unpooled.wrappedBuffer(
        new byte[] {2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'})));
    parts.add(tag(MediaFrame.Kind.VIDEO, 0, SyntheticMedia.avcSequenceHeader(ALLOC)));
    parts.add(tag(MediaFrame.Kind.AUDIO, 0, SyntheticMedia.aacSequenceHeader(ALLOC)));
    parts.add(tag(MediaFrame.Kind.AUDIO, 0, Unpooled.EMPTY_BUFFER));
    parts.add(tag(MediaFrame.Kind.VIDEO, 0, SyntheticMedia.videoFrame(ALLOC, true, 0, SENT, 300)));
    parts.add(tag(MediaFrame.Kind.AUDIO, 21, SyntheticMedia.audioFrame(ALLOC, 0, SENT, 40)));
    if (complete) {
      parts.add(tag(MediaFrame.Kind.VIDEO, 33, SyntheticMedia.videoFrame(ALLOC, false, 1, SENT, 120)));
    }
    parts.add(tag(MediaFrame.Kind.AUDIO, 43, SyntheticMedia.audioFrame(ALLOC, 1, SENT, 40)));
    parts.add(tag(MediaFrame.Kind.VIDEO, 0x01234567L, SyntheticMedia.videoFrame(ALLOC, false, 2, SENT, 120)));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ByteBuf b : parts) {
      out.writeBytes(ByteBufUtil.getBytes(b));
      b.release();
    }
    return out.toByteArray();
  }

  /** One tag by the server's packager; takes ownership of {@code body}. */
  private static ByteBuf tag(MediaFrame.Kind kind, long dts, ByteBuf body) {
    MediaFrame frame = new MediaFrame(kind, 0, dts, 0, 0, "", 0, 0, body);
    try {
      return FlvTagPackager.INSTANCE.encode(frame, ALLOC);
    } finally {
      frame.release();
    }
  }
}
