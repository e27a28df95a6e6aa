package io.cascade.cmaf;

import java.util.ArrayList;
import java.util.List;

/** One track of a {@link Fragmenter}: its configuration and the samples it holds for the open part. */
final class TrackBuffer {
  final boolean video;
  final List<Sample> samples = new ArrayList<>();
  TrackFormat format;
  byte[] config;
  /** The configuration differs from the one in the init segment in force. */
  boolean formatChanged;
  /** Video: the last sample, waiting for the next frame to know its duration. */
  Sample pending;
  long lastDuration;
  /** Audio: where the next sample starts if it follows on without a gap. */
  long nextTime = Long.MIN_VALUE;

  TrackBuffer(boolean video) {
    this.video = video;
  }

  void releaseSamples() {
    for (Sample s : samples) {
      s.data.release();
    }
    samples.clear();
  }

  void clear() {
    releaseSamples();
    if (pending != null) {
      pending.data.release();
      pending = null;
    }
    lastDuration = 0;
    nextTime = Long.MIN_VALUE;
  }
}
