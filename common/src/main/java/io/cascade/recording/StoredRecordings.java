package io.cascade.recording;

import java.nio.file.Path;

/**
 * Tells the node's byte quota that the object store holds a whole ended recording, so its local
 * copy may go in its turn (see {@link Recorder#keepUntilStored}). Thread-safe; never blocks.
 */
@FunctionalInterface
public interface StoredRecordings {

  /** Every file of the recording at {@code directory} (segments, init segments, final playlist) is stored. */
  void stored(Path directory);
}
