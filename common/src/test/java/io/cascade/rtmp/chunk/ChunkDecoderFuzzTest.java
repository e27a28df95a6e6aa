package io.cascade.rtmp.chunk;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.testing.FuzzInput;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * Feeds a peer's chunk stream to {@link ChunkDecoder} twice, in one read and in reads of a fuzzed
 * size, and checks that both give the same messages and the same outcome; that every message is
 * within the limits; that the only failure is an {@link RtmpProtocolException}, after which the
 * decoder emits nothing more; and that memory follows the bytes received, not the lengths the peer
 * declared (the limits allow 8 MiB messages, the inputs are a few KiB).
 */
class ChunkDecoderFuzzTest {
  private static final ChunkDecoderLimits LIMITS = ChunkDecoderLimits.DEFAULTS;

  /** What one decode run produced: messages, then the failure's reason if there was one. */
  private record Outcome(List<String> events) {}

  @FuzzTest
  void decode(byte[] raw) {
    FuzzInput fragmented = FuzzInput.of(raw);
    FuzzInput whole = FuzzInput.of(FuzzInput.whole(fragmented.bytes()));
    Outcome inReads = run(fragmented);
    Outcome inOneRead = run(whole);
    assertThat(inReads.events()).as("messages and errors in reads of %d bytes vs one read", fragmented.step())
        .isEqualTo(inOneRead.events());
  }

  private static Outcome run(FuzzInput input) {
    ChunkDecoder decoder = new ChunkDecoder(LIMITS);
    EmbeddedChannel channel = input.channel();
    channel.pipeline().addLast(decoder);
    List<String> events = new ArrayList<>();
    try {
      input.feed(channel, 0, (delivered, error) -> {
        boolean failedBefore = !events.isEmpty() && events.get(events.size() - 1).startsWith("error ");
        for (RtmpMessage m = channel.readInbound(); m != null; m = channel.readInbound()) {
          try {
            assertThat(failedBefore).as("message after a protocol error: %s", m).isFalse();
            assertThat(m.payload().readableBytes()).isLessThanOrEqualTo(LIMITS.maxMessageSize());
            assertThat(m.timestamp()).isBetween(0L, 0xFFFFFFFFL);
            assertThat(m.chunkStreamId()).isBetween(2, 65599);
            events.add(m.chunkStreamId() + "/" + m.typeId() + "/" + m.timestamp() + "/" + m.streamId() + "/"
                + ByteBufUtil.hexDump(m.payload()));
          } finally {
            m.release();
          }
        }
        if (error != null) {
          assertThat(error).as("decoder failure").isInstanceOf(RtmpProtocolException.class);
          assertThat(failedBefore).as("second error after %s", error).isFalse();
          events.add("error " + ((RtmpProtocolException) error).reason());
        }
        assertThat(decoder.pendingBytes()).isBetween(0L, (long) LIMITS.maxPendingBytes());
        // Partial payloads grow by doubling from what arrived (at least 64 bytes once they grow),
        // next to the cumulated input: a few times what was received, never a declared length.
        assertThat(input.heldBytes()).as("bytes held after %d received", delivered)
            .isLessThanOrEqualTo(8L * delivered + 4096);
      });
    } finally {
      channel.finishAndReleaseAll();
    }
    assertThat(input.heldBytes()).as("bytes still allocated after the channel closed").isZero();
    return new Outcome(events);
  }
}
