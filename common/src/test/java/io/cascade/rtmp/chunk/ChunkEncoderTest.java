package io.cascade.rtmp.chunk;

import static io.cascade.rtmp.chunk.ChunkTestSupport.drainOutbound;
import static io.cascade.rtmp.chunk.ChunkTestSupport.message;
import static io.cascade.rtmp.chunk.ChunkTestSupport.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.rtmp.chunk.ChunkTestSupport.Wire;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.ProtocolControl;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkEncoderTest {
  private final ChunkEncoder encoder = new ChunkEncoder();
  private final EmbeddedChannel channel = new EmbeddedChannel(encoder);

  @AfterEach
  void closeChannel() {
    channel.finishAndReleaseAll();
  }

  @Test
  void typeZeroThenTypeThreeChunks() {
    byte[] payload = pattern(300, 5);
    channel.writeOutbound(message(4, MessageType.VIDEO, 1000, 12346, payload));

    byte[] expected = new Wire()
        .fmt0(4, 1000, 300, MessageType.VIDEO, 12346).data(payload, 0, 128)
        .fmt3(4).data(payload, 128, 256)
        .fmt3(4).data(payload, 256, 300)
        .bytes();
    assertThat(ByteBufUtil.hexDump(drainOutbound(channel))).isEqualTo(ByteBufUtil.hexDump(expected));
  }

  @Test
  void exactHeaderBytes() {
    channel.writeOutbound(message(3, MessageType.AUDIO, 0x010203, 1, new byte[] {(byte) 0xAA}));

    assertThat(ByteBufUtil.hexDump(drainOutbound(channel)))
        .isEqualTo("03" + "010203" + "000001" + "08" + "01000000" + "aa");
  }

  @ParameterizedTest
  @ValueSource(longs = {0xFFFFFFL, 0x1000000L, 0xFFFFFFFFL})
  void extendedTimestampIsRepeatedInEveryContinuation(long ts) {
    byte[] payload = pattern(200, 1);
    channel.writeOutbound(message(320, MessageType.VIDEO, ts, 1, payload));

    byte[] expected = new Wire()
        .fmt0(320, ts, 200, MessageType.VIDEO, 1).data(payload, 0, 128)
        .fmt3(320).u32(ts).data(payload, 128, 200)
        .bytes();
    assertThat(ByteBufUtil.hexDump(drainOutbound(channel))).isEqualTo(ByteBufUtil.hexDump(expected));
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 63, 64, 319, 320, 65599})
  void basicHeaderUsesTheSmallestForm(int csid) {
    byte[] payload = pattern(129, 1);
    channel.writeOutbound(message(csid, MessageType.VIDEO, 0, 1, payload));

    byte[] expected = new Wire()
        .fmt0(csid, 0, 129, MessageType.VIDEO, 1).data(payload, 0, 128)
        .fmt3(csid).data(payload, 128, 129)
        .bytes();
    assertThat(ByteBufUtil.hexDump(drainOutbound(channel))).isEqualTo(ByteBufUtil.hexDump(expected));
  }

  @Test
  void setChunkSizeSwitchesAfterItIsWritten() {
    byte[] payload = pattern(300, 1);
    channel.writeOutbound(ProtocolControl.setChunkSize(ByteBufAllocator.DEFAULT, 4096));
    channel.writeOutbound(message(6, MessageType.VIDEO, 0, 1, payload));

    byte[] expected = new Wire()
        .fmt0(2, 0, 4, MessageType.SET_CHUNK_SIZE, 0).u32(4096)
        .fmt0(6, 0, 300, MessageType.VIDEO, 1).data(payload)
        .bytes();
    assertThat(ByteBufUtil.hexDump(drainOutbound(channel))).isEqualTo(ByteBufUtil.hexDump(expected));
    assertThat(encoder.chunkSize()).isEqualTo(4096);
  }

  @Test
  void setterChangesChunkSizeSilently() {
    encoder.chunkSize(100);
    channel.writeOutbound(message(6, MessageType.VIDEO, 0, 1, pattern(150, 1)));

    byte[] out = drainOutbound(channel);

    assertThat(out).hasSize(ChunkEncoder.encodedLength(6, 0, 150, 100)).hasSize(12 + 150 + 1);
    assertThatThrownBy(() -> encoder.chunkSize(0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> encoder.chunkSize(Integer.MIN_VALUE)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void outputBufferIsAllocatedAtExactSize() {
    channel.writeOutbound(message(6, MessageType.VIDEO, 0x2000000, 1, pattern(1000, 1)));

    ByteBuf out = channel.readOutbound();
    try {
      int expected = ChunkEncoder.encodedLength(6, 0x2000000, 1000, 128);
      assertThat(out.readableBytes()).isEqualTo(expected);
      assertThat(out.capacity()).isEqualTo(expected);
    } finally {
      out.release();
    }
  }

  @Test
  void preEncodedBuffersPassThroughUntouched() {
    ByteBuf preEncoded = Unpooled.wrappedBuffer(new byte[] {1, 2, 3});
    channel.writeOutbound(preEncoded);

    ByteBuf out = channel.readOutbound();
    try {
      assertThat(out).isSameAs(preEncoded);
      assertThat(out.readableBytes()).isEqualTo(3);
    } finally {
      out.release();
    }
  }

  @Test
  void staticEncodeLeavesThePayloadUnread() {
    RtmpMessage m = message(6, MessageType.VIDEO, 1, 1, pattern(300, 1));
    try {
      ByteBuf first = ChunkEncoder.encode(m, 128, ByteBufAllocator.DEFAULT);
      ByteBuf second = ChunkEncoder.encode(m, 128, ByteBufAllocator.DEFAULT);
      try {
        assertThat(m.payload().readerIndex()).isZero();
        assertThat(ByteBufUtil.equals(first, second)).isTrue();
        assertThat(first.capacity()).isEqualTo(first.readableBytes());
      } finally {
        first.release();
        second.release();
      }
    } finally {
      m.release();
    }
  }

  @Test
  void payloadWithNonZeroReaderIndex() {
    ByteBuf payload = Unpooled.wrappedBuffer(pattern(10, 0));
    payload.skipBytes(4);
    channel.writeOutbound(new RtmpMessage(3, MessageType.AUDIO, 0, 1, payload));

    byte[] expected = new Wire().fmt0(3, 0, 6, MessageType.AUDIO, 1).data(pattern(10, 0), 4, 10).bytes();
    assertThat(ByteBufUtil.hexDump(drainOutbound(channel))).isEqualTo(ByteBufUtil.hexDump(expected));
  }

  @Test
  void invalidArgumentsAreRejected() {
    assertThatThrownBy(() -> ChunkEncoder.encodedLength(1, 0, 1, 128)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChunkEncoder.encodedLength(65600, 0, 1, 128)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChunkEncoder.encodedLength(3, 0, 0x1000000, 128)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ChunkEncoder.encodedLength(3, 0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    RtmpMessage m = message(1, MessageType.AUDIO, 0, 1, new byte[1]);
    try {
      assertThatThrownBy(() -> ChunkEncoder.encode(m, 128, ByteBufAllocator.DEFAULT))
          .isInstanceOf(IllegalArgumentException.class);
    } finally {
      m.release();
    }
  }
}
