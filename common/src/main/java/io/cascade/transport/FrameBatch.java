package io.cascade.transport;

import io.cascade.live.MediaFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
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
 * per attempt. A protocol that frames its payload (HTTP chunks, WebSocket frames) puts its few
 * framing bytes around the frames in the same write ({@link #frame}).
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
   * How a protocol whose messages carry the frames frames them: an HTTP chunk's size line and CRLF,
   * a WebSocket frame header. A batch becomes one framed piece, or several when it has more than
   * {@link #maxPayload()} bytes.
   */
  public interface Framing {
    /** Most payload bytes in one piece. */
    long maxPayload();

    /**
     * The bytes before a piece of {@code payload} bytes, the batch's {@code first} and/or
     * {@code last}: a new buffer the batch takes.
     */
    ByteBuf header(ByteBufAllocator alloc, long payload, boolean first, boolean last);

    /** The bytes after each piece: a buffer the batch takes, or null. */
    ByteBuf trailer();
  }

  /**
   * Frames what was added with {@code framing}: a header before each piece and a trailer after it.
   * A frame's bytes split across two pieces are written as slices (the earlier parts retained
   * slices the batch owns), so the frame's reference is still released once, after its last byte.
   * Only before the batch is written.
   */
  void frame(Framing framing, ByteBufAllocator alloc) {
    if (transferred != 0) {
      throw new IllegalStateException("batch already partly written");
    }
    long total = bytes;
    long max = framing.maxPayload();
    MediaFrame[] oldFrames = frames;
    ByteBuf[] oldWires = wires;
    Written[] oldListeners = listeners;
    int oldSize = size;
    int pieces = (int) Math.min(Integer.MAX_VALUE / 4, Math.max(1, (total + max - 1) / max));
    frames = new MediaFrame[oldSize + 3 * pieces];
    wires = new ByteBuf[frames.length];
    listeners = oldListeners == null ? null : new Written[frames.length];
    size = 0;
    bytes = 0;
    long left = total;
    long room = 0;
    for (int i = 0; i < oldSize; i++) {
      MediaFrame f = oldFrames[i];
      ByteBuf w = oldWires[i];
      Written listener = oldListeners == null ? null : oldListeners[i];
      int len = w.readableBytes();
      if (len == 0) {
        add(f, w, listener);
        continue;
      }
      for (int off = 0; off < len; ) {
        if (room == 0) {
          long piece = Math.min(max, left);
          add(null, framing.header(alloc, piece, left == total, piece == left), null);
          room = piece;
        }
        int take = (int) Math.min(room, len - off);
        if (off + take == len) {
          add(f, off == 0 ? w : w.slice(w.readerIndex() + off, take), listener);
        } else {
          add(null, w.retainedSlice(w.readerIndex() + off, take), null);
        }
        off += take;
        room -= take;
        left -= take;
        if (room == 0) {
          ByteBuf trailer = framing.trailer();
          if (trailer != null) {
            add(null, trailer, null);
          }
        }
      }
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
