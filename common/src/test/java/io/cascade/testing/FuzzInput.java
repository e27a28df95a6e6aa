package io.cascade.testing;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.Arrays;

/**
 * One fuzz input for a channel handler: how to split it into reads and the bytes themselves, plus
 * the allocator that shows what the handler keeps.
 *
 * <p>Layout: the first byte picks the read size ({@code 0} delivers everything in one read, {@code
 * n} delivers reads of {@code n} bytes); the rest is the peer's bytes. Seeds in the corpus follow
 * the same layout, so a seed file is readable with a hex dump.
 *
 * <p>The allocator is a fresh {@link UnpooledByteBufAllocator}, whose metric counts the bytes of
 * every live buffer it handed out: what a handler holds after each read, and zero once the channel
 * is finished and everything is released, which is a leak check per input rather than the GC-driven
 * one of {@link LeakGuard}.
 */
public final class FuzzInput {
  private final int step;
  private final byte[] bytes;
  private final UnpooledByteBufAllocator alloc = new UnpooledByteBufAllocator(false);

  private FuzzInput(int step, byte[] bytes) {
    this.step = step;
    this.bytes = bytes;
  }

  public static FuzzInput of(byte[] raw) {
    if (raw.length == 0) {
      return new FuzzInput(1, raw);
    }
    int first = raw[0] & 0xFF;
    byte[] rest = Arrays.copyOfRange(raw, 1, raw.length);
    return new FuzzInput(first == 0 ? Math.max(1, rest.length) : first, rest);
  }

  /** Encodes {@code bytes} in the layout above, delivered in one read. */
  public static byte[] whole(byte[] bytes) {
    byte[] raw = new byte[bytes.length + 1];
    System.arraycopy(bytes, 0, raw, 1, bytes.length);
    return raw;
  }

  public byte[] bytes() {
    return bytes;
  }

  public int step() {
    return step;
  }

  public ByteBufAllocator alloc() {
    return alloc;
  }

  /** Bytes held right now in buffers from {@link #alloc()}. */
  public long heldBytes() {
    return alloc.metric().usedHeapMemory() + alloc.metric().usedDirectMemory();
  }

  /** An active channel without handlers whose buffers come from {@link #alloc()}. */
  public EmbeddedChannel channel() {
    EmbeddedChannel channel = new EmbeddedChannel();
    channel.config().setAllocator(alloc);
    return channel;
  }

  /** What a test checks after each read. */
  @FunctionalInterface
  public interface AfterRead {
    /**
     * @param delivered bytes written so far, counted from the start offset
     * @param error what the pipeline threw on this read, or null
     */
    void check(int delivered, RuntimeException error);
  }

  /**
   * Writes the bytes from {@code from} on to {@code channel} in reads of {@link #step()} bytes and
   * calls {@code afterRead} after each with whatever that read threw. Stops when the channel has
   * been closed: a closed socket reads nothing more.
   */
  public void feed(EmbeddedChannel channel, int from, AfterRead afterRead) {
    for (int i = from; i < bytes.length && channel.isOpen(); i += step) {
      int n = Math.min(step, bytes.length - i);
      RuntimeException error = null;
      try {
        channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, n));
      } catch (RuntimeException e) {
        error = e;
      }
      afterRead.check(i + n - from, error);
    }
  }
}
