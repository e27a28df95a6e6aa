package io.cascade.recording;

import io.cascade.recording.handover.HandoverState;
import io.cascade.recording.handover.SalvagedSegments;

/**
 * Lists a segment salvaged after a kill in the final playlist of its recording that another origin
 * stored before this one started again (text in, text out, no I/O): the playlist is read with
 * {@link RecordingPlaylist#parse}, the segment put in number order by
 * {@link RecordingPlaylist#insertSalvaged} (the discontinuities the owner that ends a recording
 * would have written) and the playlist written again by {@link RecordingPlaylist#render}, still
 * VOD. The uploader reads and stores the object around it.
 */
public final class FinalPlaylistMerge {
  private static final String ENDLIST = "#EXT-X-ENDLIST";

  /** What became of the salvaged segment. */
  public enum Status {
    /** Listed now: {@link Result#playlist} is the playlist to store. */
    MERGED,
    /** The playlist lists it already: nothing to store. */
    LISTED_ALREADY,
    /** The playlist is not the final one (no {@code EXT-X-ENDLIST}), or not stored yet: read again later. */
    NOT_FINAL,
    /** Not a playlist the recorder writes (or larger than a recording's playlist can be): left as it is. */
    UNREADABLE,
    /** It comes before the first listed segment (the media sequence counts it): it cannot be listed. */
    NOT_LISTABLE,
    /** The store did not confirm a request (the segment's upload, a read or a write), or nothing stores recordings. */
    NOT_STORED;

    /** Whether the final playlist lists the segment. */
    public boolean listed() {
      return this == MERGED || this == LISTED_ALREADY;
    }
  }

  /**
   * @param status what became of the segment
   * @param playlist the playlist to store when {@code status} is {@link Status#MERGED}, else null
   * @param reason why, for the log line
   */
  public record Result(Status status, String playlist, String reason) {
    public static Result of(Status status, String reason) {
      return new Result(status, null, reason);
    }

    /** The same result with {@code note} after its reason. */
    public Result noting(String note) {
      return new Result(status, playlist, reason + note);
    }
  }

  private FinalPlaylistMerge() {
  }

  /** {@code m3u8} (the final playlist as the store holds it) with {@code salvaged} listed in it. */
  public static Result merge(String m3u8, HandoverState.Segment salvaged) {
    long number = SalvagedSegments.number(salvaged.file());
    if (number < 1) {
      return Result.of(Status.UNREADABLE, "not a segment name: " + salvaged.file());
    }
    if (!m3u8.startsWith("#EXTM3U")) {
      return Result.of(Status.UNREADABLE, "not an HLS playlist (no #EXTM3U)");
    }
    if (m3u8.lines().noneMatch(ENDLIST::equals)) {
      return Result.of(Status.NOT_FINAL, "the stored playlist has no " + ENDLIST);
    }
    RecordingPlaylist playlist;
    try {
      playlist = RecordingPlaylist.parse(m3u8);
    } catch (IllegalArgumentException e) {
      return Result.of(Status.UNREADABLE, e.getMessage());
    }
    if (playlist.isEmpty()) {
      return Result.of(Status.UNREADABLE, "the stored playlist lists no segment");
    }
    if (m3u8.lines().anyMatch(salvaged.file()::equals)) {
      return Result.of(Status.LISTED_ALREADY, "the stored playlist lists it already");
    }
    RecordingPlaylist.Entry entry = new RecordingPlaylist.Entry(salvaged.file(), salvaged.durationMillis(),
        salvaged.discontinuity(), salvaged.initSegment(), salvaged.programDateTimeMillis());
    if (!playlist.insertSalvaged(entry, number)) {
      return Result.of(Status.NOT_LISTABLE, "it comes before the first listed segment (the media sequence counts it)");
    }
    return new Result(Status.MERGED, playlist.render(true), "listed as entry " + playlist.indexOf(salvaged.file())
        + " of " + playlist.size());
  }
}
