package io.cascade.recording;

import io.netty.buffer.ByteBuf;
import java.io.IOException;

/**
 * The open segment file a recording appends its parts to: through the page cache
 * ({@link BufferedAppender}) or around it ({@link DirectAppender}, {@code recording.directWrites}).
 * Either way the file holds every byte appended once {@link #append} returns, so a killed process
 * loses only the part in flight. Confined to the recording writer thread.
 */
interface SegmentOutput {
  /** Appends {@code length} bytes of {@code content} from its reader index; does not release it. */
  void append(ByteBuf content, int length) throws IOException;

  /** The file ends at the last byte appended; forced to the device when {@code sync}. */
  void finish(boolean sync) throws IOException;

  void close() throws IOException;
}
