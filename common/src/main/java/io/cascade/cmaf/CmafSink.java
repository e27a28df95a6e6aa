package io.cascade.cmaf;

import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * Where a {@link CmafSegmenter} puts what it makes, in order: an init segment, then the parts it
 * describes, then perhaps a new init segment (a track was added or reconfigured) and its parts. The
 * callee owns every buffer and part it is given. Called on the segmenter's event loop.
 */
public interface CmafSink {

  /** A new init segment, numbered like {@link CmafPart#initVersion()}, for {@code formats} (track ids 1..n). */
  void init(int version, List<TrackFormat> formats, ByteBuf segment);

  /** The next part. */
  void part(CmafPart part);

  /** The publisher left: no part follows until it (or another) publishes again. */
  void end();
}
