package io.cascade.rtmp.chunk;

import io.cascade.rtmp.RtmpProtocolException;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.collection.IntObjectHashMap;
import io.netty.util.collection.IntObjectMap;
import java.util.List;

/**
 * Reassembles {@link RtmpMessage}s from the peer's chunk stream (RTMP 1.0 section 5.3). One
 * instance per connection: it keeps the last header of every chunk stream and the peer's chunk
 * size.
 *
 * <p>State machine: {@code BASIC_HEADER → MESSAGE_HEADER → [EXTENDED_TIMESTAMP] → PAYLOAD}, back to
 * {@code BASIC_HEADER} after each chunk. Any protocol error raises an {@link RtmpProtocolException},
 * frees the partial messages and moves to {@code BAD_MESSAGE}, which discards all further input.
 *
 * <p>Each chunk stream reassembles independently, so chunks of different streams may interleave.
 * A message's payload is one buffer whose capacity follows the bytes received, not the declared
 * length: a header costs a dozen bytes, so allocating on its word would let a peer pin {@code
 * maxChunkStreams * maxMessageSize} for almost nothing. The buffer is allocated when the first
 * payload bytes arrive and grows by doubling, capped at the declared length, so its capacity stays
 * under about twice what was received. The bytes held in all partial messages together are bounded
 * by {@link ChunkDecoderLimits#maxPendingBytes()}.
 *
 * <p>Set Chunk Size (type 1) takes effect for the very next chunk and Abort (type 2) drops the
 * named chunk stream's partial message; both are still emitted, for the protocol control handler above.
 * They are honoured on any chunk stream: the spec puts them on csid 2, but a peer that sends them
 * elsewhere has switched its own chunking all the same.
 *
 * <p><b>Extended timestamps on type-3 chunks.</b> Section 5.3.1.3 says the 4-byte field is present
 * in a type-3 chunk whenever the last type 0/1/2 header of that chunk stream carried the 0xFFFFFF
 * marker. ffmpeg and librtmp (so OBS) follow that; others omit the field on continuation chunks
 * (nginx-rtmp with {@code play_time_fix off}). For a continuation the field can only repeat the
 * value already known, so the decoder peeks: it consumes 4 bytes only if they equal that value,
 * otherwise they are payload. This is ambiguous when the payload itself starts with those 4 bytes
 * (a peer that omits the field then loses them), and it waits for 4 bytes before deciding, so a
 * final chunk shorter than 4 bytes from such a peer is delivered only when more input arrives. A
 * type-3 chunk that starts a new message always carries the field and it is read as the delta:
 * ffmpeg writes the actual delta there even when it differs from the previous one.
 */
public final class ChunkDecoder extends ByteToMessageDecoder {
  /** Chunk size of every connection until the peer sends Set Chunk Size (section 5.4.1). */
  public static final int DEFAULT_CHUNK_SIZE = 128;

  private static final int EXTENDED_TIMESTAMP_MARKER = 0xFFFFFF;
  private static final long UINT32_MASK = 0xFFFFFFFFL;
  private static final int[] MESSAGE_HEADER_SIZE = {11, 7, 3, 0};

  private enum State {
    BASIC_HEADER, MESSAGE_HEADER, EXTENDED_TIMESTAMP, PAYLOAD, BAD_MESSAGE
  }

  /** Last header seen on one chunk stream and its message in progress, if any. */
  private static final class ChunkStream {
    final int csid;
    long timestamp;
    long delta;
    int length;
    int typeId;
    int streamId;
    /** The last type 0/1/2 header carried the 0xFFFFFF marker. */
    boolean extended;
    long extendedValue;
    /**
     * Partial message; null between messages. Allocated when its first payload bytes arrive. A
     * message's first chunk delivers at least one byte before the next header is read, so whenever
     * a header is being read, non-null means this chunk stream has a message in progress.
     */
    ByteBuf payload;

    ChunkStream(int csid) {
      this.csid = csid;
    }
  }

  private final ChunkDecoderLimits limits;
  private final IntObjectMap<ChunkStream> streams = new IntObjectHashMap<>();
  private State state = State.BASIC_HEADER;
  private int chunkSize = DEFAULT_CHUNK_SIZE;
  private long bytesRead;
  /** Payload bytes received for messages not yet complete, over all chunk streams. */
  private long pendingBytes;

  // The chunk being read.
  private int fmt;
  private ChunkStream current;
  /** Timestamp or delta of a type 0/1/2 header, replaced by the extended field when present. */
  private long timestampField;
  private int chunkRemaining;

  public ChunkDecoder() {
    this(ChunkDecoderLimits.DEFAULTS);
  }

  public ChunkDecoder(ChunkDecoderLimits limits) {
    this.limits = limits;
  }

  /** Bytes consumed so far, the count that Acknowledgement windows are measured in. */
  public long bytesRead() {
    return bytesRead;
  }

  /** Payload bytes held in partially received messages, over all chunk streams. */
  public long pendingBytes() {
    return pendingBytes;
  }

  /** The peer's current chunk size. */
  public int chunkSize() {
    return chunkSize;
  }

  public ChunkDecoderLimits limits() {
    return limits;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    int start = in.readerIndex();
    try {
      boolean progressed;
      do {
        progressed = step(ctx.alloc(), in, out);
      } while (progressed);
    } catch (RuntimeException e) {
      state = State.BAD_MESSAGE;
      releasePartialMessages();
      in.skipBytes(in.readableBytes());
      throw e;
    } finally {
      bytesRead += in.readerIndex() - start;
    }
  }

  @Override
  protected void handlerRemoved0(ChannelHandlerContext ctx) {
    releasePartialMessages();
  }

  /** Runs one state; false when it needs more input. */
  private boolean step(ByteBufAllocator alloc, ByteBuf in, List<Object> out) {
    return switch (state) {
      case BASIC_HEADER -> readBasicHeader(in);
      case MESSAGE_HEADER -> readMessageHeader(in, out);
      case EXTENDED_TIMESTAMP -> readExtendedTimestamp(in, out);
      case PAYLOAD -> readPayload(alloc, in, out);
      case BAD_MESSAGE -> {
        in.skipBytes(in.readableBytes());
        yield false;
      }
    };
  }

  private boolean readBasicHeader(ByteBuf in) {
    if (!in.isReadable()) {
      return false;
    }
    int index = in.readerIndex();
    int first = in.getUnsignedByte(index);
    int idBits = first & 0x3F;
    int size = idBits == 0 ? 2 : idBits == 1 ? 3 : 1;
    if (in.readableBytes() < size) {
      return false;
    }
    int csid;
    if (size == 1) {
      csid = idBits;
    } else if (size == 2) {
      csid = 64 + in.getUnsignedByte(index + 1);
    } else {
      csid = 64 + in.getUnsignedByte(index + 1) + (in.getUnsignedByte(index + 2) << 8);
    }
    int chunkFmt = first >>> 6;
    ChunkStream cs = streams.get(csid);
    if (cs == null) {
      cs = openChunkStream(csid, chunkFmt);
    }
    in.skipBytes(size);
    fmt = chunkFmt;
    current = cs;
    state = State.MESSAGE_HEADER;
    return true;
  }

  private ChunkStream openChunkStream(int csid, int chunkFmt) {
    // librtmp opens csid 2 with a type-1 header (ping response, acknowledgement); a type-1 header
    // lacks only the message stream id, which is always 0 for control messages.
    boolean complete = chunkFmt == 0 || (chunkFmt == 1 && csid == ChunkControl.CONTROL_CHUNK_STREAM_ID);
    if (!complete) {
      throw new RtmpProtocolException("no_previous_header",
          "chunk fmt " + chunkFmt + " on csid " + csid + " which has no previous header");
    }
    if (streams.size() >= limits.maxChunkStreams()) {
      throw new RtmpProtocolException("too_many_chunk_streams",
          "csid " + csid + " would be chunk stream " + (streams.size() + 1) + ", limit "
              + limits.maxChunkStreams());
    }
    ChunkStream cs = new ChunkStream(csid);
    streams.put(csid, cs);
    return cs;
  }

  private boolean readMessageHeader(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < MESSAGE_HEADER_SIZE[fmt]) {
      return false;
    }
    ChunkStream cs = current;
    if (fmt <= 2) {
      timestampField = in.readUnsignedMedium();
      cs.extended = timestampField == EXTENDED_TIMESTAMP_MARKER;
    }
    if (fmt <= 1) {
      int length = in.readUnsignedMedium();
      int typeId = in.readUnsignedByte();
      int streamId = fmt == 0 ? in.readIntLE() : cs.streamId;
      checkHeader(cs, length, typeId, streamId);
      cs.length = length;
      cs.typeId = typeId;
      cs.streamId = streamId;
    }
    if (cs.extended) {
      state = State.EXTENDED_TIMESTAMP;
      return true;
    }
    return beginChunk(out);
  }

  private void checkHeader(ChunkStream cs, int length, int typeId, int streamId) {
    if (length > limits.maxMessageSize()) {
      throw new RtmpProtocolException("message_too_large",
          "csid " + cs.csid + " declares a " + length + "-byte message, limit " + limits.maxMessageSize());
    }
    if (cs.payload == null) {
      return;
    }
    // A header in the middle of a message (the spec only says SHOULD use type 3) may restate the
    // message but not change it; its timestamp is ignored, the message keeps its first chunk's.
    if (length != cs.length) {
      throw new RtmpProtocolException("message_length_changed",
          "csid " + cs.csid + " changes message length from " + cs.length + " to " + length
              + " after " + cs.payload.writerIndex() + " bytes");
    }
    if (typeId != cs.typeId || streamId != cs.streamId) {
      throw new RtmpProtocolException("message_header_changed",
          "csid " + cs.csid + " changes type " + cs.typeId + " -> " + typeId + ", stream "
              + cs.streamId + " -> " + streamId + " after " + cs.payload.writerIndex() + " of "
              + cs.length + " bytes");
    }
  }

  private boolean readExtendedTimestamp(ByteBuf in, List<Object> out) {
    if (in.readableBytes() < 4) {
      return false;
    }
    ChunkStream cs = current;
    if (fmt == 3 && cs.payload != null) {
      // Continuation: the field is optional in practice, see the class comment.
      if (in.getUnsignedInt(in.readerIndex()) == cs.extendedValue) {
        in.skipBytes(4);
      }
    } else {
      timestampField = in.readUnsignedInt();
      cs.extendedValue = timestampField;
    }
    return beginChunk(out);
  }

  /** Header complete: start the message if this chunk opens one, then read the chunk's data. */
  private boolean beginChunk(List<Object> out) {
    ChunkStream cs = current;
    if (cs.payload == null) {
      switch (fmt) {
        case 0:
          cs.timestamp = timestampField;
          // A type-3 header after a type-0 one repeats the type-0 timestamp as delta (5.3.1.2.4).
          cs.delta = timestampField;
          break;
        case 1:
        case 2:
          cs.delta = timestampField;
          cs.timestamp = (cs.timestamp + cs.delta) & UINT32_MASK;
          break;
        default:
          if (cs.extended) {
            cs.delta = timestampField;
          }
          cs.timestamp = (cs.timestamp + cs.delta) & UINT32_MASK;
          break;
      }
      if (cs.length == 0) {
        state = State.BASIC_HEADER;
        emit(cs, Unpooled.EMPTY_BUFFER, out);
        return true;
      }
    }
    int received = cs.payload == null ? 0 : cs.payload.writerIndex();
    chunkRemaining = Math.min(chunkSize, cs.length - received);
    state = State.PAYLOAD;
    return true;
  }

  private boolean readPayload(ByteBufAllocator alloc, ByteBuf in, List<Object> out) {
    int n = Math.min(in.readableBytes(), chunkRemaining);
    if (n == 0) {
      return false;
    }
    ChunkStream cs = current;
    if (pendingBytes + n > limits.maxPendingBytes()) {
      throw new RtmpProtocolException("pending_bytes_exceeded",
          "csid " + cs.csid + " brings partial messages to " + (pendingBytes + n) + " bytes on "
              + partialMessages(cs) + " chunk streams, limit " + limits.maxPendingBytes());
    }
    if (cs.payload == null) {
      // Sized to what arrived; writeBytes then grows it by doubling, never beyond the declared length.
      cs.payload = alloc.buffer(n, cs.length);
    }
    cs.payload.writeBytes(in, n);
    pendingBytes += n;
    chunkRemaining -= n;
    if (chunkRemaining > 0) {
      return false;
    }
    state = State.BASIC_HEADER;
    if (cs.payload.writerIndex() == cs.length) {
      ByteBuf payload = cs.payload;
      cs.payload = null;
      pendingBytes -= cs.length;
      emit(cs, payload, out);
    }
    return true;
  }

  /** Chunk streams holding a partial message, counting {@code cs} as one. */
  private int partialMessages(ChunkStream cs) {
    int count = cs.payload == null ? 1 : 0;
    for (ChunkStream s : streams.values()) {
      if (s.payload != null) {
        count++;
      }
    }
    return count;
  }

  private void emit(ChunkStream cs, ByteBuf payload, List<Object> out) {
    RtmpMessage message = new RtmpMessage(cs.csid, cs.typeId, cs.timestamp, cs.streamId, payload);
    try {
      applyControl(message);
    } catch (RuntimeException e) {
      message.release();
      throw e;
    }
    out.add(message);
  }

  private void applyControl(RtmpMessage message) {
    if (message.typeId() == ChunkControl.SET_CHUNK_SIZE) {
      int size = ChunkControl.readChunkSize(message);
      if (size > limits.maxChunkSize()) {
        throw new RtmpProtocolException("chunk_size",
            "peer chunk size " + size + " exceeds limit " + limits.maxChunkSize());
      }
      chunkSize = size;
    } else if (message.typeId() == ChunkControl.ABORT) {
      ChunkStream aborted = streams.get(ChunkControl.readAbortChunkStreamId(message));
      if (aborted != null) {
        dropPartialMessage(aborted);
      }
    }
  }

  private void dropPartialMessage(ChunkStream cs) {
    if (cs.payload != null) {
      pendingBytes -= cs.payload.writerIndex();
      cs.payload.release();
      cs.payload = null;
    }
  }

  private void releasePartialMessages() {
    for (ChunkStream cs : streams.values()) {
      dropPartialMessage(cs);
    }
  }
}
