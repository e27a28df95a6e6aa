package io.cascade.recording;

import java.nio.file.Path;
import java.util.List;

/**
 * A recording an earlier run of this node left under the root without the object store's
 * confirmation (no {@code .stored} marker): that run was killed or stopped while some of its
 * uploads were queued, retrying or failed, so any of its closed files may be on this disk only.
 * Found once, at start-up, by the quota's walk of the root (uploads on).
 *
 * @param streamKey {@code app/stream}
 * @param recordingId the recording's directory name
 * @param directory {@code {root}/{app}/{stream}/{recordingId}}
 * @param files its closed segments and init segments, by name (the playlist apart)
 * @param playlist its final VOD playlist, to store once the files are; null when it is not this
 *     node's to store now: not final (no {@code #EXT-X-ENDLIST}), the cluster names another owner
 *     of the recording, or the salvage at this start ended it and sent it already
 * @param complete false when {@code recording.s3.requeueMaxFiles} left its files out: then it
 *     cannot be stored whole at this start
 */
public record LeftRecording(String streamKey, String recordingId, Path directory, List<Path> files, Path playlist,
    boolean complete) {

  public LeftRecording {
    files = List.copyOf(files);
  }
}
