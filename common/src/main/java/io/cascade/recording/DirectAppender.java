package io.cascade.recording;

import com.sun.nio.file.ExtendedOpenOption;
import io.netty.buffer.ByteBuf;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Appends to one segment file opened with {@code O_DIRECT} ({@code recording.directWrites}): the
 * kernel moves the bytes from this process's buffer to the device without copying them into
 * page-cache pages, which on the 2-core bench machine halved the writer thread's CPU (the copy into
 * fresh page-cache pages was most of it; docs/BENCHMARKS.md), and write-once recordings no longer
 * push what players and uploads need out of the page cache. Writes go in whole blocks (the file
 * store's block size, which {@code O_DIRECT} requires of offsets, lengths and buffer addresses) from
 * an aligned scratch buffer shared by the writer thread; the last,
 * partial block of each append is written zero-padded and kept, and the next append writes it again
 * with what follows, so the file always holds every appended byte (plus zeros to the block's end,
 * which a scan for whole fragments stops at). {@link #finish} truncates the padding away.
 * Confined to the recording writer thread.
 */
final class DirectAppender implements SegmentOutput {
  /** The largest block size taken: larger ones (none seen on Linux) get buffered writes. */
  static final int MAX_BLOCK = 64 * 1024;

  private final FileChannel channel;
  private final ByteBuffer scratch;
  private final int block;
  /** The partial last block: bytes appended after the last whole block. */
  private final byte[] tail;
  private int tailLength;
  /** File offset of {@link #tail}'s first byte: a multiple of {@link #block}. */
  private long tailOffset;

  private DirectAppender(FileChannel channel, ByteBuffer scratch, int block) {
    this.channel = channel;
    this.scratch = scratch;
    this.block = block;
    this.tail = new byte[block];
  }

  /**
   * A scratch buffer for the appenders of one writer thread: {@code capacity} rounded up to whole
   * blocks (at least two), its address aligned to {@code block}.
   */
  static ByteBuffer scratch(int capacity, int block) {
    int blocks = Math.max(2, (capacity + block - 1) / block);
    return ByteBuffer.allocateDirect((blocks + 1) * block).alignedSlice(block).limit(blocks * block).slice();
  }

  /**
   * Creates (or truncates) {@code file} for direct writes in blocks of {@code block} bytes, which
   * {@code scratch} was made for.
   *
   * @throws IOException also when the file system does not take {@code O_DIRECT} (tmpfs, for one)
   */
  static DirectAppender create(Path file, ByteBuffer scratch, int block) throws IOException {
    if (Integer.bitCount(block) != 1 || block > MAX_BLOCK || scratch.capacity() < 2 * block
        || scratch.capacity() % block != 0) {
      throw new IOException("no direct writes in blocks of " + block + " bytes");
    }
    return new DirectAppender(FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
        StandardOpenOption.WRITE, ExtendedOpenOption.DIRECT), scratch, block);
  }

  @Override
  public void append(ByteBuf content, int length) throws IOException {
    int from = content.readerIndex();
    int left = length;
    do {
      scratch.clear();
      scratch.put(tail, 0, tailLength);
      int take = Math.min(left, scratch.remaining());
      scratch.limit(tailLength + take);
      content.getBytes(from, scratch);
      from += take;
      left -= take;
      int filled = tailLength + take;
      int whole = filled & -block;
      int padded = (filled + block - 1) & -block;
      scratch.limit(padded);
      for (int i = filled; i < padded; i++) {
        scratch.put(i, (byte) 0);
      }
      // Only the whole blocks while more follows in this append; all of it, padded, at its end.
      writeAt(left > 0 ? whole : padded, tailOffset);
      tailLength = filled - whole;
      scratch.get(whole, tail, 0, tailLength);
      tailOffset += whole;
    } while (left > 0);
  }

  private void writeAt(int bytes, long position) throws IOException {
    scratch.position(0).limit(bytes);
    while (scratch.hasRemaining()) {
      channel.write(scratch, position + scratch.position());
    }
  }

  /** The padding is cut off; then the data (and the file's length) is forced to the device when {@code sync}. */
  @Override
  public void finish(boolean sync) throws IOException {
    channel.truncate(tailOffset + tailLength);
    if (sync) {
      channel.force(false);
    }
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }
}
