package io.cascade.rtmp.chunk;

import static io.cascade.config.ConfigSchema.RTMP_MAX_CHUNK_SIZE;
import static io.cascade.config.ConfigSchema.RTMP_MAX_CHUNK_STREAMS;
import static io.cascade.config.ConfigSchema.RTMP_MAX_MESSAGE_SIZE;
import static io.cascade.config.ConfigSchema.RTMP_MAX_PENDING_BYTES;

import io.cascade.config.CascadeConfig;

/**
 * What a peer may make the {@link ChunkDecoder} hold: the largest chunk size it may announce, the
 * largest message it may declare, how many chunk streams it may open and how many payload bytes
 * its partial messages may hold together.
 *
 * <p>Declared lengths cost the peer nothing, so memory follows the bytes it actually sent: one
 * connection's partial messages hold at most {@code maxPendingBytes} received bytes, in buffers of
 * at most about twice that capacity. {@code maxPendingBytes} is at least {@code maxMessageSize} so
 * that a message of the largest size can always complete.
 */
public record ChunkDecoderLimits(int maxChunkSize, int maxMessageSize, int maxChunkStreams, int maxPendingBytes) {
  /** Largest value the 3-byte message length field can carry. */
  public static final int MAX_ENCODABLE_MESSAGE_SIZE = 0xFFFFFF;
  /** Chunk stream ids 2..65599 (RTMP 1.0 section 5.3.1.1). */
  public static final int MAX_ENCODABLE_CHUNK_STREAMS = 65598;

  /** The schema's defaults of the {@code rtmp.max*} settings. */
  public static final ChunkDecoderLimits DEFAULTS = from(CascadeConfig.defaults());

  /** {@code rtmp.maxChunkSize}, {@code rtmp.maxMessageSize}, {@code rtmp.maxChunkStreams}, {@code rtmp.maxPendingBytes}. */
  public static ChunkDecoderLimits from(CascadeConfig config) {
    return new ChunkDecoderLimits(Math.toIntExact(config.get(RTMP_MAX_CHUNK_SIZE)),
        Math.toIntExact(config.get(RTMP_MAX_MESSAGE_SIZE)), config.get(RTMP_MAX_CHUNK_STREAMS),
        Math.toIntExact(config.get(RTMP_MAX_PENDING_BYTES)));
  }

  /** The decoder's own invariants, for every caller; the settings' bounds are the schema's and lie within them. */
  public ChunkDecoderLimits {
    // Every connection starts at 128 (section 5.4.1), so a smaller limit could not be honoured.
    if (maxChunkSize < ChunkDecoder.DEFAULT_CHUNK_SIZE) {
      throw new IllegalArgumentException("maxChunkSize must be at least "
          + ChunkDecoder.DEFAULT_CHUNK_SIZE + ": " + maxChunkSize);
    }
    if (maxMessageSize < 1 || maxMessageSize > MAX_ENCODABLE_MESSAGE_SIZE) {
      throw new IllegalArgumentException("maxMessageSize must be in 1.."
          + MAX_ENCODABLE_MESSAGE_SIZE + ": " + maxMessageSize);
    }
    if (maxChunkStreams < 1 || maxChunkStreams > MAX_ENCODABLE_CHUNK_STREAMS) {
      throw new IllegalArgumentException("maxChunkStreams must be in 1.."
          + MAX_ENCODABLE_CHUNK_STREAMS + ": " + maxChunkStreams);
    }
    if (maxPendingBytes < maxMessageSize) {
      throw new IllegalArgumentException("maxPendingBytes (" + maxPendingBytes
          + ") must be at least maxMessageSize (" + maxMessageSize + ")");
    }
  }
}
