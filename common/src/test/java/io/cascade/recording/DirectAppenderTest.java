package io.cascade.recording;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link DirectAppender} against what was appended: after every append the file holds all of it,
 * then zeros to the end of its block; after {@link DirectAppender#finish} exactly it. Appends of
 * every awkward size: one byte, a block, a block and one, composites of several buffers, and more
 * than the scratch buffer holds. The test directory is on the file system {@code java.io.tmpdir}
 * names; one that refuses {@code O_DIRECT} fails the test (the node itself would fall back).
 */
class DirectAppenderTest {
  @TempDir
  Path tmp;

  @Test
  void everyAppendIsOnDiskAtOnceAndFinishCutsThePadding() throws IOException {
    ByteBuffer scratch = DirectAppender.scratch(64 * 1024, 4096);
    assertThat(scratch.capacity()).isEqualTo(64 * 1024);
    assertThat(scratch.alignmentOffset(0, 4096)).isZero();
    Path file = tmp.resolve("segment.m4s.tmp");
    Random random = new Random(7);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    int[] sizes = {1, 4095, 1, 4096, 4097, 100, 64 * 1024, 64 * 1024 - 3, 200_000, 3, 8192, 1_000_000, 17};
    DirectAppender out = DirectAppender.create(file, scratch, 4096);
    try {
      for (int size : sizes) {
        byte[] bytes = new byte[size];
        random.nextBytes(bytes);
        ByteBuf content = pieces(bytes, 1 + random.nextInt(4));
        content.readerIndex(0);
        out.append(content, size);
        assertThat(content.refCnt()).as("the caller's to release").isEqualTo(1);
        content.release();
        expected.writeBytes(bytes);

        byte[] onDisk = Files.readAllBytes(file);
        int length = expected.size();
        assertThat(onDisk.length).as("after %d bytes", length).isEqualTo((length + 4095) / 4096 * 4096);
        assertThat(Arrays.copyOf(onDisk, length)).isEqualTo(expected.toByteArray());
        for (int i = length; i < onDisk.length; i++) {
          assertThat(onDisk[i]).as("padding at %d", i).isZero();
        }
      }
      out.finish(true);
    } finally {
      out.close();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(expected.toByteArray());
  }

  @Test
  void aBufferedAppenderWritesTheSameBytes() throws IOException {
    Path file = tmp.resolve("buffered.m4s.tmp");
    byte[] bytes = new byte[300_001];
    new Random(3).nextBytes(bytes);
    SegmentOutput out = BufferedAppender.create(file);
    try {
      ByteBuf first = pieces(Arrays.copyOf(bytes, 100_000), 3);
      out.append(first, 100_000);
      first.release();
      ByteBuf rest = pieces(Arrays.copyOfRange(bytes, 100_000, bytes.length), 2);
      out.append(rest, rest.readableBytes());
      rest.release();
      out.finish(false);
    } finally {
      out.close();
    }
    assertThat(Files.readAllBytes(file)).isEqualTo(bytes);
  }

  /** {@code bytes} as a composite of {@code n} direct buffers, like a gathered part. */
  private static ByteBuf pieces(byte[] bytes, int n) {
    CompositeByteBuf composite = Unpooled.compositeBuffer(n);
    int from = 0;
    for (int i = 0; i < n; i++) {
      int to = i == n - 1 ? bytes.length : bytes.length * (i + 1) / n;
      ByteBuf piece = Unpooled.directBuffer(Math.max(1, to - from));
      piece.writeBytes(bytes, from, to - from);
      composite.addComponent(true, piece);
      from = to;
    }
    return composite;
  }
}
