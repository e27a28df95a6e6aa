package io.cascade.cluster;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import io.cascade.recording.handover.HandoverState;
import io.cascade.recording.handover.SalvagedSegments;
import java.io.Serializable;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One change of a stream's entry in {@value HazelcastRecordingHandover#SALVAGED_MAP_NAME}: a segment
 * salvaged from a recording, or the recording ended by the owner that continued it. Hazelcast runs
 * it on the member that owns the key's partition (then on its backups), one change of a key at a
 * time, so two origins salvaging from the same recording at once both land — a read and a write
 * back from each could lose one. Java-serialized: every origin of a cluster runs the same build.
 */
final class SalvagedEntryChange implements EntryProcessor<String, String, Void>, Serializable {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");

  private final String recordingId;
  /** The node that ended the recording; null when a segment is added. */
  private final String endedBy;
  private final String file;
  private final long durationMillis;
  private final boolean discontinuity;
  private final String initSegment;
  private final long programDateTimeMillis;
  private final int maxSegments;
  private final long ttlMillis;

  private SalvagedEntryChange(String recordingId, String endedBy, HandoverState.Segment segment, int maxSegments,
      long ttlMillis) {
    this.recordingId = recordingId;
    this.endedBy = endedBy;
    this.file = segment == null ? null : segment.file();
    this.durationMillis = segment == null ? 0 : segment.durationMillis();
    this.discontinuity = segment != null && segment.discontinuity();
    this.initSegment = segment == null ? null : segment.initSegment();
    this.programDateTimeMillis = segment == null ? 0 : segment.programDateTimeMillis();
    this.maxSegments = maxSegments;
    this.ttlMillis = ttlMillis;
  }

  /** Adds {@code segment} to recording {@code recordingId}'s entry (see {@link SalvagedSegments#adding}). */
  static SalvagedEntryChange adding(String recordingId, HandoverState.Segment segment, int maxSegments,
      long ttlMillis) {
    return new SalvagedEntryChange(recordingId, null, segment, maxSegments, ttlMillis);
  }

  /** Marks recording {@code recordingId} ended by {@code node} (see {@link SalvagedSegments#endedBy}). */
  static SalvagedEntryChange endedBy(String recordingId, String node, long ttlMillis) {
    return new SalvagedEntryChange(recordingId, node, null, 0, ttlMillis);
  }

  @Override
  public Void process(Map.Entry<String, String> entry) {
    SalvagedSegments current = null;
    if (entry.getValue() != null) {
      try {
        current = SalvagedSegments.parse(entry.getValue());
      } catch (IllegalArgumentException e) {
        LOG.warn("event=recording.handover.ignored stream={} map={} reason=unreadable detail=\"{}\"", entry.getKey(),
            HazelcastRecordingHandover.SALVAGED_MAP_NAME, e.getMessage());
      }
    }
    SalvagedSegments next = endedBy != null
        ? SalvagedSegments.endedBy(current, recordingId, endedBy)
        : SalvagedSegments.adding(current, recordingId, new HandoverState.Segment(file, durationMillis, discontinuity,
            initSegment, programDateTimeMillis), maxSegments);
    ((ExtendedMapEntry<String, String>) entry).setValue(next.toJson(), ttlMillis, TimeUnit.MILLISECONDS);
    return null;
  }
}
