package io.cascade.cmaf;

import static io.cascade.cmaf.FragmentFlags.TFHD_DEFAULT_BASE_IS_MOOF;
import static io.cascade.cmaf.FragmentFlags.TRUN_COMPOSITION_OFFSET;
import static io.cascade.cmaf.FragmentFlags.TRUN_DATA_OFFSET;
import static io.cascade.cmaf.FragmentFlags.TRUN_DURATION;
import static io.cascade.cmaf.FragmentFlags.TRUN_FLAGS;
import static io.cascade.cmaf.FragmentFlags.TRUN_SIZE;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.util.List;

/**
 * Writes one movie fragment (ISO/IEC 14496-12 §8.8.4): a {@code moof} with an {@code mfhd} and a
 * {@code traf} per track that has samples, then one {@code mdat} with those samples, track after
 * track. Each traf has a {@code tfhd} with default-base-is-moof, a version 1 {@code tfdt} (64-bit
 * decode time) and a version 1 {@code trun} (signed composition offsets) whose data offset points
 * at the track's first byte in the mdat, counted from the start of the moof.
 */
final class FragmentWriter {
  /** sample_depends_on = 2: an I picture or audio, decodable alone. */
  static final int FLAGS_SYNC = 0x02000000;
  /** sample_depends_on = 1 and sample_is_non_sync_sample. */
  static final int FLAGS_NON_SYNC = 0x01010000;
  private static final int MDAT_HEADER = 8;
  private static final int MDAT = 0x6d646174;
  private static final int MOOF_ESTIMATE = 128;
  private static final int BYTES_PER_SAMPLE_ENTRY = 16;

  private FragmentWriter() {
  }

  /**
   * A new buffer, owned by the caller, with the fragment of {@code tracks} (index i is track id
   * i + 1; empty lists are left out), laid out as {@code layout} says. Does not release the samples
   * (a {@link PartLayout#GATHERED} fragment holds references of its own to their data).
   */
  static ByteBuf write(int sequenceNumber, List<List<Sample>> tracks, List<TrackFormat> formats,
      ByteBufAllocator alloc, PartLayout layout) {
    int samples = 0;
    long media = 0;
    for (List<Sample> track : tracks) {
      samples += track.size();
      for (Sample s : track) {
        media += s.size();
      }
    }
    long headerEstimate = MOOF_ESTIMATE + (long) samples * BYTES_PER_SAMPLE_ENTRY;
    boolean gathered = layout == PartLayout.GATHERED;
    ByteBuf out = gathered ? alloc.directBuffer(Math.toIntExact(headerEstimate))
        : alloc.buffer(Math.toIntExact(headerEstimate + media));
    try {
      BoxWriter w = new BoxWriter(out);
      int moofStart = out.writerIndex();
      int[] dataOffsetAt = new int[tracks.size()];
      w.start("moof");
      w.startFull("mfhd", 0, 0).u32(sequenceNumber).end();
      for (int t = 0; t < tracks.size(); t++) {
        List<Sample> track = tracks.get(t);
        if (!track.isEmpty()) {
          dataOffsetAt[t] = traf(w, t + 1, track, formats.get(t).isVideo());
        }
      }
      w.end();
      int moofSize = out.writerIndex() - moofStart;
      long offset = moofSize + MDAT_HEADER;
      for (int t = 0; t < tracks.size(); t++) {
        List<Sample> track = tracks.get(t);
        if (!track.isEmpty()) {
          out.setInt(dataOffsetAt[t], Math.toIntExact(offset));
          for (Sample s : track) {
            offset += s.size();
          }
        }
      }
      out.writeInt(Math.toIntExact(MDAT_HEADER + media));
      out.writeInt(MDAT);
      if (!gathered) {
        for (List<Sample> track : tracks) {
          for (Sample s : track) {
            out.writeBytes(s.data, s.data.readerIndex(), s.size());
          }
        }
        return out;
      }
    } catch (RuntimeException e) {
      out.release();
      throw e;
    }
    return gather(out, tracks, samples, alloc);
  }

  /**
   * The composite of {@code header} (taken) and every sample's data, to each of which it holds one
   * reference of its own. Room for every component, so it is never consolidated (copied).
   */
  private static ByteBuf gather(ByteBuf header, List<List<Sample>> tracks, int samples, ByteBufAllocator alloc) {
    CompositeByteBuf part;
    try {
      part = alloc.compositeDirectBuffer(samples + 1);
    } catch (RuntimeException e) {
      header.release();
      throw e;
    }
    try {
      part.addComponent(true, header); // a component that cannot be added is released by Netty
      for (List<Sample> track : tracks) {
        for (Sample s : track) {
          part.addComponent(true, s.data.retain());
        }
      }
      return part;
    } catch (RuntimeException e) {
      part.release();
      throw e;
    }
  }

  /** Writes a traf and returns where its trun's data offset goes. */
  private static int traf(BoxWriter w, int trackId, List<Sample> samples, boolean video) {
    w.start("traf");
    w.startFull("tfhd", 0, TFHD_DEFAULT_BASE_IS_MOOF).u32(trackId).end();
    w.startFull("tfdt", 1, 0).u64(samples.get(0).decodeTime).end();
    int flags = TRUN_DATA_OFFSET | TRUN_DURATION | TRUN_SIZE | TRUN_FLAGS | (video ? TRUN_COMPOSITION_OFFSET : 0);
    w.startFull("trun", 1, flags).u32(samples.size());
    int dataOffsetAt = w.position();
    w.u32(0);
    for (Sample s : samples) {
      w.u32(s.duration).u32(s.size()).u32(s.sync ? FLAGS_SYNC : FLAGS_NON_SYNC);
      if (video) {
        w.u32(s.compositionOffset);
      }
    }
    w.end();
    w.end();
    return dataOffsetAt;
  }
}
