package io.cascade.recording;

import static io.cascade.cmaf.FragmentFlags.TFHD_BASE_DATA_OFFSET;
import static io.cascade.cmaf.FragmentFlags.TFHD_DEFAULT_DURATION;
import static io.cascade.cmaf.FragmentFlags.TFHD_DEFAULT_FLAGS;
import static io.cascade.cmaf.FragmentFlags.TFHD_DEFAULT_SIZE;
import static io.cascade.cmaf.FragmentFlags.TFHD_SAMPLE_DESCRIPTION;
import static io.cascade.cmaf.FragmentFlags.TRUN_COMPOSITION_OFFSET;
import static io.cascade.cmaf.FragmentFlags.TRUN_DATA_OFFSET;
import static io.cascade.cmaf.FragmentFlags.TRUN_DURATION;
import static io.cascade.cmaf.FragmentFlags.TRUN_FIRST_FLAGS;
import static io.cascade.cmaf.FragmentFlags.TRUN_FLAGS;
import static io.cascade.cmaf.FragmentFlags.TRUN_SIZE;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads what a segment file cut short still holds whole: the longest prefix of {@code moof} +
 * {@code mdat} pairs (ISO/IEC 14496-12 §8.8.4) whose boxes lie inside the file, whose {@code moof}
 * parses, and whose {@code trun} sample data lies inside its {@code mdat}; with its media start and
 * duration from {@code tfdt} and the sample durations, in the timescales of the init segment
 * ({@link Tracks}). Box sizes are never trusted beyond the file's length, and only a {@code moof}
 * (at most {@value #MAX_MOOF} bytes) is read into memory; an {@code mdat} is skipped by its header.
 */
final class WholeFragments {
  /** The largest {@code moof} read: a part of a second holds a few hundred samples of 16 bytes. */
  static final int MAX_MOOF = 1 << 20;
  /** The largest init segment read. */
  static final int MAX_INIT = 1 << 20;

  /** One track of an init segment: its media timescale, whether it is video, its trex defaults. */
  record Track(long timescale, boolean video, long defaultDuration, long defaultSize) {
  }

  /** The tracks of an init segment, by track id. */
  record Tracks(Map<Long, Track> byId) {
    /** The video track's id, or the lowest id when there is none. */
    long main() {
      return byId.entrySet().stream().filter(e -> e.getValue().video()).mapToLong(Map.Entry::getKey).min()
          .orElse(byId.keySet().stream().mapToLong(Long::longValue).min().orElse(0));
    }
  }

  /**
   * What a scan found.
   *
   * @param fragments whole fragments from the start of the file
   * @param bytes the length of that prefix
   * @param startMillis the main track's first decode time (ms), -1 without fragments
   * @param durationMillis the main track's sample durations over those fragments (ms)
   * @param stop why the scan stopped before the end of the file, null when it reached it
   */
  record Scan(int fragments, long bytes, long startMillis, long durationMillis, String stop) {
  }

  /** A file that is not what it should be; the message says where and why. */
  static final class Malformed extends Exception {
    Malformed(String message) {
      super(message);
    }
  }

  private WholeFragments() {
  }

  /** The tracks of the init segment in {@code ch} ({@code ftyp} + {@code moov}). */
  static Tracks tracks(FileChannel ch) throws IOException, Malformed {
    long length = ch.size();
    if (length > MAX_INIT) {
      throw new Malformed("init segment of " + length + " bytes, over " + MAX_INIT);
    }
    ByteBuffer all = ByteBuffer.allocate((int) length);
    while (all.hasRemaining() && ch.read(all, all.position()) >= 0) {
      // reads until full or the end
    }
    all.flip();
    ByteBuffer moov = child(all, "moov");
    if (moov == null) {
      throw new Malformed("no moov in the init segment");
    }
    Map<Long, Track> tracks = new HashMap<>();
    Map<Long, long[]> defaults = new HashMap<>();
    ByteBuffer mvex = child(moov.duplicate(), "mvex");
    if (mvex != null) {
      for (ByteBuffer trex : children(mvex, "trex")) {
        trex.position(trex.position() + 4);
        long id = u32(trex);
        trex.getInt(); // default sample description index
        defaults.put(id, new long[] {u32(trex), u32(trex)});
      }
    }
    for (ByteBuffer trak : children(moov, "trak")) {
      ByteBuffer tkhd = child(trak.duplicate(), "tkhd");
      ByteBuffer mdia = child(trak.duplicate(), "mdia");
      ByteBuffer mdhd = mdia == null ? null : child(mdia.duplicate(), "mdhd");
      ByteBuffer hdlr = mdia == null ? null : child(mdia.duplicate(), "hdlr");
      if (tkhd == null || mdhd == null || hdlr == null) {
        throw new Malformed("a trak without tkhd, mdhd or hdlr");
      }
      int tkhdVersion = tkhd.get(tkhd.position()) & 0xff;
      long id = u32At(tkhd, tkhd.position() + 4 + (tkhdVersion == 1 ? 16 : 8));
      int mdhdVersion = mdhd.get(mdhd.position()) & 0xff;
      long timescale = u32At(mdhd, mdhd.position() + 4 + (mdhdVersion == 1 ? 16 : 8));
      boolean video = u32At(hdlr, hdlr.position() + 8) == fourCc("vide");
      if (timescale == 0) {
        throw new Malformed("track " + id + " has timescale 0");
      }
      long[] d = defaults.getOrDefault(id, new long[2]);
      tracks.put(id, new Track(timescale, video, d[0], d[1]));
    }
    if (tracks.isEmpty()) {
      throw new Malformed("no track in the init segment");
    }
    return new Tracks(Map.copyOf(tracks));
  }

  /** Scans the fragments of the first {@code length} bytes of {@code ch} against {@code tracks}. */
  static Scan scan(FileChannel ch, long length, Tracks tracks) throws IOException {
    long main = tracks.main();
    long at = 0;
    int fragments = 0;
    long firstDecode = -1;
    long mainTicks = 0;
    while (at < length) {
      if (length - at < 16) {
        return result(tracks, fragments, at, firstDecode, mainTicks, "torn box header at byte " + at);
      }
      ByteBuffer head = read(ch, at, 8);
      long moofSize = u32(head);
      int type = head.getInt();
      if (type != fourCc("moof")) {
        return result(tracks, fragments, at, firstDecode, mainTicks, "box '" + name(type) + "' at byte " + at
            + " where a moof belongs");
      }
      if (moofSize < 16 || moofSize > MAX_MOOF) {
        return result(tracks, fragments, at, firstDecode, mainTicks, "moof of " + moofSize + " bytes at byte " + at);
      }
      if (at + moofSize + 8 > length) {
        return result(tracks, fragments, at, firstDecode, mainTicks, "torn moof at byte " + at);
      }
      ByteBuffer mdatHead = read(ch, at + moofSize, 8);
      long mdatSize = u32(mdatHead);
      if (mdatHead.getInt() != fourCc("mdat") || mdatSize < 8) {
        return result(tracks, fragments, at, firstDecode, mainTicks, "no mdat after the moof at byte " + at);
      }
      if (at + moofSize + mdatSize > length) {
        return result(tracks, fragments, at, firstDecode, mainTicks, "torn mdat at byte " + (at + moofSize));
      }
      Fragment f;
      try {
        f = fragment(read(ch, at + 8, (int) moofSize - 8), moofSize, mdatSize, tracks);
      } catch (Malformed | RuntimeException e) {
        return result(tracks, fragments, at, firstDecode, mainTicks, "moof at byte " + at + ": " + e.getMessage());
      }
      Long decode = f.decodeTimes.get(main);
      if (decode != null) {
        if (firstDecode < 0) {
          firstDecode = decode;
        }
        mainTicks = decode + f.ticks.get(main) - firstDecode;
      }
      fragments++;
      at += moofSize + mdatSize;
    }
    return result(tracks, fragments, at, firstDecode, mainTicks, null);
  }

  private static Scan result(Tracks tracks, int fragments, long bytes, long firstDecode, long ticks, String stop) {
    long timescale = tracks.byId().get(tracks.main()).timescale();
    return new Scan(fragments, bytes, firstDecode < 0 ? -1 : firstDecode * 1000 / timescale,
        ticks * 1000 / timescale, stop);
  }

  /** The decode time and the summed sample durations of each track of one moof. */
  private record Fragment(Map<Long, Long> decodeTimes, Map<Long, Long> ticks) {
  }

  /** {@code moof}: the moof's payload (after its header). Checks that every sample lies in the mdat. */
  private static Fragment fragment(ByteBuffer moof, long moofSize, long mdatSize, Tracks tracks) throws Malformed {
    Map<Long, Long> decodeTimes = new HashMap<>();
    Map<Long, Long> ticks = new HashMap<>();
    if (child(moof.duplicate(), "mfhd") == null) {
      throw new Malformed("no mfhd");
    }
    for (ByteBuffer traf : children(moof, "traf")) {
      ByteBuffer tfhd = child(traf.duplicate(), "tfhd");
      if (tfhd == null) {
        throw new Malformed("a traf without tfhd");
      }
      int tfhdFlags = tfhd.getInt() & 0xffffff;
      long id = u32(tfhd);
      Track track = tracks.byId().get(id);
      if (track == null) {
        throw new Malformed("track " + id + " is not in the init segment");
      }
      if ((tfhdFlags & TFHD_BASE_DATA_OFFSET) != 0) {
        tfhd.getLong(); // an explicit base: sample positions are then not checked against this mdat
      }
      if ((tfhdFlags & TFHD_SAMPLE_DESCRIPTION) != 0) {
        tfhd.getInt();
      }
      long defaultDuration = (tfhdFlags & TFHD_DEFAULT_DURATION) != 0 ? u32(tfhd) : track.defaultDuration();
      long defaultSize = (tfhdFlags & TFHD_DEFAULT_SIZE) != 0 ? u32(tfhd) : track.defaultSize();
      if ((tfhdFlags & TFHD_DEFAULT_FLAGS) != 0) {
        tfhd.getInt();
      }
      ByteBuffer tfdt = child(traf.duplicate(), "tfdt");
      if (tfdt == null) {
        throw new Malformed("a traf without tfdt");
      }
      int tfdtVersion = tfdt.get() & 0xff;
      tfdt.position(tfdt.position() + 3);
      decodeTimes.put(id, tfdtVersion == 1 ? tfdt.getLong() : u32(tfdt));
      long duration = 0;
      for (ByteBuffer trun : children(traf, "trun")) {
        int flags = trun.getInt() & 0xffffff;
        long count = u32(trun);
        long offset = (flags & TRUN_DATA_OFFSET) != 0 ? trun.getInt() : -1;
        if ((flags & TRUN_FIRST_FLAGS) != 0) {
          trun.getInt();
        }
        int perSample = Integer.bitCount(flags & (TRUN_DURATION | TRUN_SIZE | TRUN_FLAGS | TRUN_COMPOSITION_OFFSET)) * 4;
        if (count * perSample > trun.remaining()) {
          throw new Malformed("trun of " + count + " samples is longer than its box");
        }
        long bytes = 0;
        for (long i = 0; i < count; i++) {
          duration += (flags & TRUN_DURATION) != 0 ? u32(trun) : defaultDuration;
          bytes += (flags & TRUN_SIZE) != 0 ? u32(trun) : defaultSize;
          if ((flags & TRUN_FLAGS) != 0) {
            trun.getInt();
          }
          if ((flags & TRUN_COMPOSITION_OFFSET) != 0) {
            trun.getInt();
          }
        }
        boolean moofBased = (tfhdFlags & TFHD_BASE_DATA_OFFSET) == 0;
        if (moofBased && offset >= 0 && (offset < moofSize + 8 || offset + bytes > moofSize + mdatSize)) {
          throw new Malformed("samples of track " + id + " lie outside its mdat");
        }
      }
      ticks.merge(id, duration, Long::sum);
    }
    if (decodeTimes.isEmpty()) {
      throw new Malformed("no traf");
    }
    return new Fragment(decodeTimes, ticks);
  }

  /** The payload of the first child box of {@code type} in {@code parent}'s remaining bytes; null when none. */
  private static ByteBuffer child(ByteBuffer parent, String type) throws Malformed {
    for (ByteBuffer b : children(parent, type)) {
      return b;
    }
    return null;
  }

  /** The payloads of the child boxes of {@code type} in {@code parent}'s remaining bytes. */
  private static List<ByteBuffer> children(ByteBuffer parent, String type) throws Malformed {
    List<ByteBuffer> found = new ArrayList<>();
    ByteBuffer p = parent.duplicate();
    int wanted = fourCc(type);
    while (p.remaining() >= 8) {
      int start = p.position();
      long size = u32(p);
      int t = p.getInt();
      if (size < 8 || size > p.remaining() + 8L) {
        throw new Malformed("box '" + name(t) + "' of " + size + " bytes in " + (p.remaining() + 8) + " left");
      }
      if (t == wanted) {
        ByteBuffer payload = p.duplicate();
        payload.limit(start + (int) size);
        found.add(payload.slice());
      }
      p.position(start + (int) size);
    }
    if (p.hasRemaining()) {
      throw new Malformed(p.remaining() + " stray bytes after the last box");
    }
    return found;
  }

  private static ByteBuffer read(FileChannel ch, long at, int n) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(n);
    while (b.hasRemaining()) {
      if (ch.read(b, at + b.position()) < 0) {
        throw new IOException("the file ended at byte " + (at + b.position()) + " while " + n + " bytes were read");
      }
    }
    return b.flip();
  }

  private static long u32(ByteBuffer b) {
    return b.getInt() & 0xffffffffL;
  }

  private static long u32At(ByteBuffer b, int at) {
    return b.getInt(at) & 0xffffffffL;
  }

  private static int fourCc(String s) {
    return (s.charAt(0) << 24) | (s.charAt(1) << 16) | (s.charAt(2) << 8) | s.charAt(3);
  }

  private static String name(int type) {
    StringBuilder s = new StringBuilder();
    for (int shift = 24; shift >= 0; shift -= 8) {
      int c = (type >>> shift) & 0xff;
      s.append(c >= 0x20 && c < 0x7f ? (char) c : '?');
    }
    return s.toString();
  }
}
