package io.cascade.cmaf;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The initialization segment of a fragmented MP4 (ISO/IEC 14496-12 §8.8): {@code ftyp}, then a
 * {@code moov} with an empty sample table per track (all samples live in fragments) and an
 * {@code mvex} whose {@code trex} announces the fragments. Track ids are 1-based positions in the
 * list the caller gives; fragments must use the same.
 */
public final class InitSegment {
  private static final int MOVIE_TIMESCALE = 1000;
  private static final int TRACK_ENABLED_IN_MOVIE = 0x000003;
  private static final int LANGUAGE_UND = ('u' - 0x60) << 10 | ('n' - 0x60) << 5 | ('d' - 0x60);
  private static final int URL_SELF_CONTAINED = 1;
  private static final int VMHD_FLAGS = 1;
  private static final int FULL_VOLUME = 0x0100;
  private static final int INITIAL_CAPACITY = 1024;

  private InitSegment() {
  }

  /** A new buffer, owned by the caller, holding the init segment of {@code tracks}. */
  public static ByteBuf write(List<TrackFormat> tracks, ByteBufAllocator alloc) {
    ByteBuf out = alloc.buffer(INITIAL_CAPACITY);
    try {
      write(tracks, new BoxWriter(out));
      return out;
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
  }

  static void write(List<TrackFormat> tracks, BoxWriter w) {
    if (tracks.isEmpty()) {
      throw new IllegalArgumentException("an init segment needs a track");
    }
    // iso6 covers tfdt version 1 and signed composition offsets in trun version 1
    w.start("ftyp").fourCc("iso6").u32(0).fourCc("iso6").fourCc("iso5").fourCc("mp41").end();
    w.start("moov");
    w.startFull("mvhd", 0, 0).u32(0).u32(0).u32(MOVIE_TIMESCALE).u32(0)
        .u32(0x00010000).u16(FULL_VOLUME).zeros(2 + 8).unityMatrix().zeros(24).u32(tracks.size() + 1).end();
    for (int i = 0; i < tracks.size(); i++) {
      trak(w, i + 1, tracks.get(i));
    }
    w.start("mvex");
    for (int i = 0; i < tracks.size(); i++) {
      w.startFull("trex", 0, 0).u32(i + 1).u32(1).u32(0).u32(0).u32(0).end();
    }
    w.end();
    w.end();
  }

  private static void trak(BoxWriter w, int trackId, TrackFormat track) {
    boolean video = track.isVideo();
    w.start("trak");
    w.startFull("tkhd", 0, TRACK_ENABLED_IN_MOVIE).u32(0).u32(0).u32(trackId).u32(0).u32(0)
        .zeros(8).u16(0).u16(0).u16(video ? 0 : FULL_VOLUME).u16(0).unityMatrix()
        .fixed16x16(track.width()).fixed16x16(track.height()).end();
    w.start("mdia");
    w.startFull("mdhd", 0, 0).u32(0).u32(0).u32(track.timescale()).u32(0).u16(LANGUAGE_UND).u16(0).end();
    w.startFull("hdlr", 0, 0).u32(0).fourCc(video ? "vide" : "soun").zeros(12)
        .bytes((video ? "Cascade video" : "Cascade audio").getBytes(StandardCharsets.US_ASCII)).u8(0).end();
    w.start("minf");
    if (video) {
      w.startFull("vmhd", 0, VMHD_FLAGS).u16(0).zeros(6).end();
    } else {
      w.startFull("smhd", 0, 0).u16(0).u16(0).end();
    }
    w.start("dinf").startFull("dref", 0, 0).u32(1).startFull("url ", 0, URL_SELF_CONTAINED).end().end().end();
    w.start("stbl");
    w.startFull("stsd", 0, 0).u32(1);
    track.writeSampleEntry(w);
    w.end();
    w.startFull("stts", 0, 0).u32(0).end();
    w.startFull("stsc", 0, 0).u32(0).end();
    w.startFull("stsz", 0, 0).u32(0).u32(0).end();
    w.startFull("stco", 0, 0).u32(0).end();
    w.end(); // stbl
    w.end(); // minf
    w.end(); // mdia
    w.end(); // trak
  }
}
