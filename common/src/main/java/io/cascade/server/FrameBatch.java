package io.cascade.server;

import io.cascade.live.MediaFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.DefaultMessageSizeEstimator;
import io.netty.channel.FileRegion;
import io.netty.channel.MessageSizeEstimator;
import io.netty.util.AbstractReferenceCounted;
import io.netty.util.concurrent.FastThreadLocal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.GatheringByteChannel;
import java.nio.channels.WritableByteChannel;
import java.util.Arrays;

/**
 * Live frames for one player, written to its socket as one outbound message: the frames' shared
 * packaged buffers (RTMP chunks, FLV tags), by reference, in one gathering write ({@code writev})
 * per attempt. A protocol that frames its payload (an HTTP chunk, a WebSocket message) puts its
 * few framing bytes around the frames in the same write ({@link #frame}).
 *
 * <p>Netty's NIO transport hands a {@link FileRegion} the socket channel itself, so the batch
 * writes straight from the buffers every player shares: no duplicate buffer, outbound-buffer
 * entry or recycling per message and player, only one entry per batch. The batch owns one
 * reference to each frame and releases it once the frame's last byte is in the socket (or when the
 * batch is released unwritten, e.g. on close); buffers it was given without a frame (framing, a
 * tag packaged for one player) it owns and releases the same way.
 *
 * <p>Confined to the channel's event loop. The frames' buffers are read with positional views
 * ({@link ByteBuf#nioBuffer(int, int)}), never by moving their indexes, so other players' loops
 * can read the same buffers at the same time.
 */
public final class FrameBatch extends AbstractReferenceCounted implements FileRegion {

  /** Counts a batch's bytes against the channel's write-buffer water marks, like a ByteBuf's. */
  public static final MessageSizeEstimator SIZE_ESTIMATOR = new MessageSizeEstimator() {
    private final Handle handle = new Handle() {
      private final Handle fallback = DefaultMessageSizeEstimator.DEFAULT.newHandle();

      @Override
      public int size(Object msg) {
        return msg instanceof FrameBatch b ? (int) Math.min(Integer.MAX_VALUE, b.count()) : fallback.size(msg);
      }
    };

    @Override
    public Handle newHandle() {
      return handle;
    }
  };

  /** Writes with more buffers than this go out in several calls (Linux's IOV_MAX is 1024). */
  static final int MAX_BUFFERS_PER_WRITE = 1024;

  private static final FastThreadLocal<ByteBuffer[]> SCRATCH = new FastThreadLocal<>() {
    @Override
    protected ByteBuffer[] initialValue() {
      return new ByteBuffer[MAX_BUFFERS_PER_WRITE];
    }
  };

  /** Told when a frame it marked was completely written; see {@link #add}. */
  public interface Written {
    void written(MediaFrame frame);
  }

  /** Per entry, the frame whose bytes it writes; null for bytes the batch owns. */
  private MediaFrame[] frames;
  /** Per entry, the bytes written: the frame's shared wire bytes (owned by the frame), or the batch's own. */
  private ByteBuf[] wires;
  /** Per frame, who to tell when it is written; allocated with the first marked frame. */
  private Written[] listeners;
  private int size;
  private long bytes;
  /** First frame not yet completely written, and how much of it is. */
  private int head;
  private int headWritten;
  private long transferred;

  FrameBatch(int capacity) {
    frames = new MediaFrame[Math.max(1, capacity)];
    wires = new ByteBuf[frames.length];
  }

  /**
   * Appends a frame's packaged bytes {@code wire} (owned by the frame), taking the frame's
   * reference; {@code listener} (may be null) hears when it is written. With a null frame the
   * batch takes {@code wire} itself (and no listener).
   */
  void add(MediaFrame frame, ByteBuf wire, Written listener) {
    grow();
    if (listener != null && frame != null) {
      if (listeners == null) {
        listeners = new Written[frames.length];
      }
      listeners[size] = listener;
    }
    wires[size] = wire;
    frames[size++] = frame;
    bytes += wire.readableBytes();
  }

  private void grow() {
    if (size == frames.length) {
      frames = Arrays.copyOf(frames, size * 2);
      wires = Arrays.copyOf(wires, frames.length);
      if (listeners != null) {
        listeners = Arrays.copyOf(listeners, frames.length);
      }
    }
  }

  /**
   * Puts {@code prefix} before everything added and {@code suffix} (may be null) after it, both
   * taken by the batch: the framing of a protocol whose payload is the frames (an HTTP chunk's size
   * line and CRLF, a WebSocket frame header). Only before the batch is written.
   */
  void frame(ByteBuf prefix, ByteBuf suffix) {
    if (transferred != 0) {
      throw new IllegalStateException("batch already partly written");
    }
    grow();
    System.arraycopy(frames, 0, frames, 1, size);
    System.arraycopy(wires, 0, wires, 1, size);
    if (listeners != null) {
      System.arraycopy(listeners, 0, listeners, 1, size);
      listeners[0] = null;
    }
    frames[0] = null;
    wires[0] = prefix;
    size++;
    bytes += prefix.readableBytes();
    if (suffix != null) {
      add(null, suffix, null);
    }
  }

  /** Entries: frames plus buffers of the batch's own. */
  int frames() {
    return size;
  }

  @Override
  public long position() {
    return 0;
  }

  @Override
  public long count() {
    return bytes;
  }

  @Override
  public long transferred() {
    return transferred;
  }

  @Override
  @Deprecated
  public long transfered() {
    return transferred;
  }

  @Override
  public long transferTo(WritableByteChannel target, long position) throws IOException {
    if (position != transferred) {
      throw new IllegalArgumentException("position " + position + " != transferred " + transferred);
    }
    if (head == size) {
      return 0;
    }
    ByteBuffer[] views = SCRATCH.get();
    int n = 0;
    try {
      for (int i = head; i < size && n < views.length; i++) {
        ByteBuf chunks = wires[i];
        int skip = i == head ? headWritten : 0;
        int index = chunks.readerIndex() + skip;
        int length = chunks.readableBytes() - skip;
        if (chunks.nioBufferCount() == 1) {
          views[n++] = chunks.nioBuffer(index, length);
        } else {
          for (ByteBuffer b : chunks.nioBuffers(index, length)) {
            if (n == views.length) {
              break;
            }
            views[n++] = b;
          }
        }
      }
      long written;
      if (target instanceof GatheringByteChannel gathering) {
        written = gathering.write(views, 0, n);
      } else {
        written = 0;
        for (int i = 0; i < n; i++) {
          int w = target.write(views[i]);
          written += w;
          if (views[i].hasRemaining()) {
            break;
          }
        }
      }
      if (written > 0) {
        advance(written);
      }
      return written;
    } finally {
      Arrays.fill(views, 0, n, null);
    }
  }

  /** Moves past {@code written} bytes, releasing (and reporting) every frame now fully written. */
  private void advance(long written) {
    transferred += written;
    long left = written;
    while (left > 0 && head < size) {
      MediaFrame f = frames[head];
      int remaining = wires[head].readableBytes() - headWritten;
      if (left < remaining) {
        headWritten += (int) left;
        return;
      }
      left -= remaining;
      ByteBuf own = f == null ? wires[head] : null;
      frames[head] = null;
      wires[head] = null;
      Written listener = listeners == null ? null : listeners[head];
      if (listener != null) {
        listeners[head] = null;
      }
      head++;
      headWritten = 0;
      if (own != null) {
        own.release();
        continue;
      }
      try {
        if (listener != null) {
          listener.written(f);
        }
      } finally {
        f.release();
      }
    }
  }

  @Override
  protected void deallocate() {
    for (int i = head; i < size; i++) {
      MediaFrame f = frames[i];
      ByteBuf own = f == null ? wires[i] : null;
      frames[i] = null;
      wires[i] = null;
      if (f != null) {
        f.release();
      } else if (own != null) {
        own.release();
      }
    }
    head = size;
  }

  @Override
  public FrameBatch retain() {
    super.retain();
    return this;
  }

  @Override
  public FrameBatch retain(int increment) {
    super.retain(increment);
    return this;
  }

  @Override
  public FrameBatch touch() {
    return this;
  }

  @Override
  public FrameBatch touch(Object hint) {
    return this;
  }

  @Override
  public String toString() {
    return "FrameBatch{frames=" + size + " bytes=" + bytes + " transferred=" + transferred + '}';
  }
}
