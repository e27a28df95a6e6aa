package io.cascade.recording;

import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends to a segment file through the page cache with gathering writes: a recording's part is a
 * composite of its header and the samples' own buffers ({@link io.cascade.cmaf.PartLayout}), one
 * {@code writev} for all of them rather than one {@code pwrite} each.
 */
final class BufferedAppender implements SegmentOutput {
  private final FileChannel channel;
  private long length;

  private BufferedAppender(FileChannel channel) {
    this.channel = channel;
  }

  /** Creates (or truncates) {@code file}. */
  static BufferedAppender create(Path file) throws IOException {
    return new BufferedAppender(FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE));
  }

  @Override
  public void append(ByteBuf content, int bytes) throws IOException {
    channel.position(length);
    ByteBuffer[] buffers = content.nioBuffers(content.readerIndex(), bytes);
    for (long done = 0; done < bytes; ) {
      done += channel.write(buffers);
    }
    length += bytes;
  }

  @Override
  public void finish(boolean sync) throws IOException {
    if (sync) {
      channel.force(false);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
