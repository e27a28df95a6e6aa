package io.cascade.recording.handover;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;

/**
 * What an origin needs to continue another origin's recording of a stream: the recording id, the
 * number its next segment takes, the init version last written, and the newest finished segments
 * (at most {@code recording.handover.maxSegments}) so its playlist lists the whole recording.
 * Stored as JSON in the cluster map {@code cascade.recordings}, keyed by {@code app/stream}.
 *
 * @param recordingId the recording's directory name (the same on every origin that continues it)
 * @param owner the node that wrote this entry
 * @param nextNumber the number the next segment takes (one more than the last finished one)
 * @param initVersion the version of the init segment the last finished segment needs
 * @param segments the newest finished segments, oldest first; numbered up to {@code nextNumber - 1}
 */
public record HandoverState(String recordingId, String owner, int nextNumber, int initVersion,
    List<Segment> segments) {

  /**
   * One finished segment as a playlist lists it.
   *
   * @param file its name, {@code segment-NNNNN.m4s}
   * @param durationMillis its media duration
   * @param discontinuity it follows a gap
   * @param initSegment the init segment it needs
   * @param programDateTimeMillis the wall-clock time (epoch ms) its first sample was recorded at, 0 when unknown
   */
  public record Segment(String file, long durationMillis, boolean discontinuity, String initSegment,
      long programDateTimeMillis) {
  }

  public HandoverState {
    segments = List.copyOf(segments);
  }

  /** The same entry as written by {@code node}. */
  public HandoverState withOwner(String node) {
    return new HandoverState(recordingId, node, nextNumber, initVersion, segments);
  }

  /** The media sequence number of the first listed segment: those before it are not listed. */
  public long firstListedSequence() {
    return Math.max(0, nextNumber - 1 - segments.size());
  }

  public String toJson() {
    JsonArray list = new JsonArray();
    for (Segment s : segments) {
      list.add(new JsonArray().add(s.file()).add(s.durationMillis()).add(s.discontinuity()).add(s.initSegment())
          .add(s.programDateTimeMillis()));
    }
    return new JsonObject().put("recording", recordingId).put("owner", owner).put("next", nextNumber)
        .put("initVersion", initVersion).put("segments", list).encode();
  }

  /**
   * An entry {@link #toJson} wrote; an entry that is not one (another version's, or damaged) is
   * refused with an {@link IllegalArgumentException}.
   */
  public static HandoverState parse(String json) {
    try {
      JsonObject j = new JsonObject(json);
      List<Segment> segments = new ArrayList<>();
      for (Object o : j.getJsonArray("segments", new JsonArray())) {
        JsonArray s = (JsonArray) o;
        segments.add(new Segment(s.getString(0), s.getLong(1), s.getBoolean(2), s.getString(3), s.getLong(4)));
      }
      String id = j.getString("recording");
      Integer next = j.getInteger("next");
      if (id == null || next == null || next < 1 || segments.size() > next - 1) {
        throw new IllegalArgumentException("not a recording handover entry: " + json);
      }
      return new HandoverState(id, j.getString("owner", ""), next, j.getInteger("initVersion", 1), segments);
    } catch (DecodeException | ClassCastException | IndexOutOfBoundsException | NullPointerException e) {
      throw new IllegalArgumentException("not a recording handover entry: " + e.getMessage(), e);
    }
  }
}
