package io.cascade.rtmp.chunk;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;

/** Hand-built chunk bytes and leak-free collection of decoded messages for codec tests. */
public final class ChunkTestSupport {
  private ChunkTestSupport() {
  }

  /** A decoded message copied out of its buffer, so tests compare values and nothing leaks. */
  public record Decoded(int csid, int typeId, long timestamp, int streamId, String payloadHex) {
    public byte[] payload() {
      return ByteBufUtil.decodeHexDump(payloadHex);
    }
  }

  /** Reads and releases every inbound message. */
  public static List<Decoded> drainInbound(EmbeddedChannel channel) {
    List<Decoded> decoded = new ArrayList<>();
    for (RtmpMessage m = channel.readInbound(); m != null; m = channel.readInbound()) {
      try {
        // One bulk copy: per-byte reads of a leak-tracked buffer record a trace each (paranoid mode).
        decoded.add(new Decoded(m.chunkStreamId(), m.typeId(), m.timestamp(), m.streamId(),
            ByteBufUtil.hexDump(ByteBufUtil.getBytes(m.payload()))));
      } finally {
        m.release();
      }
    }
    return decoded;
  }

  /** Reads and releases every outbound buffer, returning their bytes concatenated. */
  public static byte[] drainOutbound(EmbeddedChannel channel) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    for (ByteBuf b = channel.readOutbound(); b != null; b = channel.readOutbound()) {
      try {
        bytes.writeBytes(ByteBufUtil.getBytes(b));
      } finally {
        b.release();
      }
    }
    return bytes.toByteArray();
  }

  /** Writes {@code bytes} to the channel in pieces of {@code step} bytes. */
  public static void feed(EmbeddedChannel channel, byte[] bytes, int step) {
    for (int i = 0; i < bytes.length; i += step) {
      channel.writeInbound(Unpooled.wrappedBuffer(bytes, i, Math.min(step, bytes.length - i)));
    }
  }

  public static void feed(EmbeddedChannel channel, byte[] bytes) {
    channel.writeInbound(Unpooled.wrappedBuffer(bytes));
  }

  public static RtmpMessage message(int csid, int typeId, long timestamp, int streamId, byte[] payload) {
    return new RtmpMessage(csid, typeId, timestamp, streamId, Unpooled.wrappedBuffer(payload));
  }

  /** Deterministic payload: byte i is {@code seed + i}. */
  public static byte[] pattern(int length, int seed) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (seed + i);
    }
    return b;
  }

  /** Builder for chunk bytes exactly as a peer would put them on the wire. */
  public static final class Wire {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    public Wire basic(int fmt, int csid) {
      if (csid < 64) {
        u8(fmt << 6 | csid);
      } else if (csid < 320) {
        u8(fmt << 6).u8(csid - 64);
      } else {
        u8(fmt << 6 | 1).u8((csid - 64) & 0xFF).u8((csid - 64) >>> 8);
      }
      return this;
    }

    /** 3-byte basic header form, also legal for csid 64..319. */
    public Wire basic3(int fmt, int csid) {
      return u8(fmt << 6 | 1).u8((csid - 64) & 0xFF).u8((csid - 64) >>> 8);
    }

    /** Type-0 header; adds the extended field when {@code timestamp >= 0xFFFFFF}. */
    public Wire fmt0(int csid, long timestamp, int length, int typeId, int streamId) {
      basic(0, csid).u24(Math.min(timestamp, 0xFFFFFF)).u24(length).u8(typeId).u32le(streamId);
      return timestamp >= 0xFFFFFF ? u32(timestamp) : this;
    }

    public Wire fmt1(int csid, long delta, int length, int typeId) {
      basic(1, csid).u24(Math.min(delta, 0xFFFFFF)).u24(length).u8(typeId);
      return delta >= 0xFFFFFF ? u32(delta) : this;
    }

    public Wire fmt2(int csid, long delta) {
      basic(2, csid).u24(Math.min(delta, 0xFFFFFF));
      return delta >= 0xFFFFFF ? u32(delta) : this;
    }

    public Wire fmt3(int csid) {
      return basic(3, csid);
    }

    public Wire u8(int v) {
      out.write(v);
      return this;
    }

    public Wire u24(long v) {
      return u8((int) (v >>> 16)).u8((int) (v >>> 8)).u8((int) v);
    }

    public Wire u32(long v) {
      return u8((int) (v >>> 24)).u8((int) (v >>> 16)).u8((int) (v >>> 8)).u8((int) v);
    }

    public Wire u32le(long v) {
      return u8((int) v).u8((int) (v >>> 8)).u8((int) (v >>> 16)).u8((int) (v >>> 24));
    }

    public Wire data(byte[] bytes) {
      out.writeBytes(bytes);
      return this;
    }

    public Wire data(byte[] bytes, int from, int to) {
      out.write(bytes, from, to - from);
      return this;
    }

    public byte[] bytes() {
      return out.toByteArray();
    }
  }
}
