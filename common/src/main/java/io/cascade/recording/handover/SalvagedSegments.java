package io.cascade.recording.handover;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The segments earlier owners of a recording salvaged after they were killed
 * ({@code segment-NNNNN-s.m4s}, uploaded by them), so that the owner that ends the recording lists
 * them in its final playlist. Stored as JSON in the cluster map {@code cascade.recordings.salvaged},
 * keyed by {@code app/stream}, beside the stream's {@link HandoverState}; at most
 * {@code recording.handover.maxSegments} segments (the highest numbers kept).
 *
 * <p>When an owner that continued the recording ends it, the entry is marked with that owner
 * ({@code endedBy}): a killed earlier owner that restarts only then learns that the recording's
 * final playlist is in the bucket already, and does not replace it with its own.
 *
 * @param recordingId the recording they belong to
 * @param segments in number order; each names the init segment it needs and its program date time
 * @param endedBy the node that ended the recording after continuing it; empty while it goes on
 */
public record SalvagedSegments(String recordingId, List<HandoverState.Segment> segments, String endedBy) {
  private static final Pattern NUMBERED = Pattern.compile("segment-(\\d{1,9})(-s)?\\.m4s");

  public SalvagedSegments {
    segments = List.copyOf(segments);
    endedBy = endedBy == null ? "" : endedBy;
  }

  /** Whether an owner that continued the recording ended it (its final playlist is stored). */
  public boolean ended() {
    return !endedBy.isEmpty();
  }

  /** {@code current} (when it is the same recording's, else none) marked as ended by {@code node}. */
  public static SalvagedSegments endedBy(SalvagedSegments current, String recordingId, String node) {
    List<HandoverState.Segment> kept = current != null && current.recordingId().equals(recordingId)
        ? current.segments() : List.of();
    return new SalvagedSegments(recordingId, kept, node);
  }

  /**
   * These segments and {@code segment} (replacing one of the same name), in number order, at most
   * {@code max} of them; a {@code current} entry of another recording is replaced.
   */
  public static SalvagedSegments adding(SalvagedSegments current, String recordingId, HandoverState.Segment segment,
      int max) {
    List<HandoverState.Segment> list = new ArrayList<>();
    boolean same = current != null && current.recordingId().equals(recordingId);
    if (same) {
      current.segments().stream().filter(s -> !s.file().equals(segment.file())).forEach(list::add);
    }
    list.add(segment);
    list.sort(Comparator.comparingLong(s -> number(s.file())));
    while (list.size() > Math.max(1, max)) {
      list.remove(0);
    }
    return new SalvagedSegments(recordingId, list, same ? current.endedBy() : "");
  }

  /** The number in a segment's name ({@code segment-NNNNN-s.m4s}, {@code segment-NNNNN.m4s}); -1 for another name. */
  public static long number(String file) {
    Matcher m = NUMBERED.matcher(file);
    return m.matches() ? Long.parseLong(m.group(1)) : -1;
  }

  public String toJson() {
    JsonArray list = new JsonArray();
    for (HandoverState.Segment s : segments) {
      list.add(new JsonArray().add(s.file()).add(s.durationMillis()).add(s.discontinuity()).add(s.initSegment())
          .add(s.programDateTimeMillis()));
    }
    return new JsonObject().put("recording", recordingId).put("salvaged", list).put("endedBy", endedBy).encode();
  }

  /** An entry {@link #toJson} wrote; anything else is refused with an {@link IllegalArgumentException}. */
  public static SalvagedSegments parse(String json) {
    try {
      JsonObject j = new JsonObject(json);
      String id = j.getString("recording");
      JsonArray array = j.getJsonArray("salvaged");
      if (id == null || array == null) {
        throw new IllegalArgumentException("not a salvaged segments entry: " + json);
      }
      List<HandoverState.Segment> segments = new ArrayList<>();
      for (Object o : array) {
        JsonArray s = (JsonArray) o;
        segments.add(new HandoverState.Segment(s.getString(0), s.getLong(1), s.getBoolean(2), s.getString(3),
            s.getLong(4)));
      }
      return new SalvagedSegments(id, segments, j.getString("endedBy", ""));
    } catch (DecodeException | ClassCastException | IndexOutOfBoundsException | NullPointerException e) {
      throw new IllegalArgumentException("not a salvaged segments entry: " + e.getMessage(), e);
    }
  }
}
