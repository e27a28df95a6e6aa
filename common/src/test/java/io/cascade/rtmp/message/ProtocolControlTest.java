package io.cascade.rtmp.message;

import static io.cascade.rtmp.chunk.ChunkTestSupport.drainOutbound;
import static io.cascade.rtmp.chunk.ChunkTestSupport.feed;
import static io.cascade.rtmp.chunk.ChunkTestSupport.message;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.chunk.ChunkDecoder;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ProtocolControlTest {
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

  private final EmbeddedChannel sender = new EmbeddedChannel(new ChunkEncoder());
  private final EmbeddedChannel receiver = new EmbeddedChannel(new ChunkDecoder());

  @AfterEach
  void closeChannels() {
    sender.finishAndReleaseAll();
    receiver.finishAndReleaseAll();
  }

  /** Sends {@code m} through encoder and decoder, checks the control envelope, then runs {@code check}. */
  private void roundTrip(RtmpMessage m, int typeId, String payloadHex, Consumer<RtmpMessage> check) {
    sender.writeOutbound(m);
    feed(receiver, drainOutbound(sender));
    RtmpMessage received = receiver.readInbound();
    try {
      assertThat(received.chunkStreamId()).isEqualTo(ProtocolControl.CONTROL_CHUNK_STREAM_ID);
      assertThat(received.streamId()).isEqualTo(ProtocolControl.CONTROL_STREAM_ID);
      assertThat(received.timestamp()).isZero();
      assertThat(received.typeId()).isEqualTo(typeId);
      assertThat(ByteBufUtil.hexDump(received.payload())).isEqualTo(payloadHex);
      check.accept(received);
      assertThat(received.payload().readerIndex()).as("readers do not consume").isZero();
    } finally {
      received.release();
    }
  }

  @Test
  void setChunkSize() {
    roundTrip(ProtocolControl.setChunkSize(ALLOC, 4096), MessageType.SET_CHUNK_SIZE, "00001000",
        m -> assertThat(ProtocolControl.readChunkSize(m)).isEqualTo(4096));
    roundTrip(ProtocolControl.setChunkSize(ALLOC, 1), MessageType.SET_CHUNK_SIZE, "00000001",
        m -> assertThat(ProtocolControl.readChunkSize(m)).isEqualTo(1));
  }

  @Test
  void abort() {
    roundTrip(ProtocolControl.abort(ALLOC, 65599), MessageType.ABORT, "0001003f",
        m -> assertThat(ProtocolControl.readAbortChunkStreamId(m)).isEqualTo(65599));
  }

  @Test
  void acknowledgementWrapsAtTwoToThe32() {
    roundTrip(ProtocolControl.acknowledgement(ALLOC, 0xFFFFFFFEL), MessageType.ACKNOWLEDGEMENT, "fffffffe",
        m -> assertThat(ProtocolControl.readUint32(m)).isEqualTo(0xFFFFFFFEL));
    roundTrip(ProtocolControl.acknowledgement(ALLOC, 0x1_0000_0005L), MessageType.ACKNOWLEDGEMENT, "00000005",
        m -> assertThat(ProtocolControl.readUint32(m)).isEqualTo(5));
  }

  @Test
  void windowAckSize() {
    roundTrip(ProtocolControl.windowAckSize(ALLOC, 2_500_000), MessageType.WINDOW_ACK_SIZE, "002625a0",
        m -> assertThat(ProtocolControl.readUint32(m)).isEqualTo(2_500_000));
    roundTrip(ProtocolControl.windowAckSize(ALLOC, 0xFFFFFFFFL), MessageType.WINDOW_ACK_SIZE, "ffffffff",
        m -> assertThat(ProtocolControl.readUint32(m)).isEqualTo(0xFFFFFFFFL));
  }

  @Test
  void setPeerBandwidth() {
    roundTrip(ProtocolControl.setPeerBandwidth(ALLOC, 2_500_000, ProtocolControl.LIMIT_DYNAMIC),
        MessageType.SET_PEER_BANDWIDTH, "002625a002", m -> {
          assertThat(ProtocolControl.readUint32(m)).isEqualTo(2_500_000);
          assertThat(ProtocolControl.readLimitType(m)).isEqualTo(ProtocolControl.LIMIT_DYNAMIC);
        });
  }

  @Test
  void factoriesRejectOutOfRangeValues() {
    assertThatThrownBy(() -> ProtocolControl.setChunkSize(ALLOC, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProtocolControl.setChunkSize(ALLOC, Integer.MIN_VALUE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProtocolControl.abort(ALLOC, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProtocolControl.abort(ALLOC, 65600)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProtocolControl.windowAckSize(ALLOC, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProtocolControl.windowAckSize(ALLOC, 0x1_0000_0000L))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> ProtocolControl.setPeerBandwidth(ALLOC, 1000, 3))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void readersRejectShortOrInvalidPayloads() {
    assertReason(MessageType.SET_CHUNK_SIZE, new byte[] {0, 0, 1}, "chunk_size",
        ProtocolControl::readChunkSize);
    assertReason(MessageType.SET_CHUNK_SIZE, new byte[] {0, 0, 0, 0}, "chunk_size",
        ProtocolControl::readChunkSize);
    assertReason(MessageType.SET_CHUNK_SIZE, new byte[] {(byte) 0x80, 0, 0, 0}, "chunk_size",
        ProtocolControl::readChunkSize);
    assertReason(MessageType.ACKNOWLEDGEMENT, new byte[] {0, 0}, "protocol_control", ProtocolControl::readUint32);
    assertReason(MessageType.ABORT, new byte[0], "protocol_control", ProtocolControl::readAbortChunkStreamId);
    assertReason(MessageType.SET_PEER_BANDWIDTH, new byte[] {0, 0, 0, 1}, "protocol_control",
        ProtocolControl::readLimitType);
  }

  private static void assertReason(int typeId, byte[] payload, String reason, Consumer<RtmpMessage> reader) {
    RtmpMessage m = message(2, typeId, 0, 0, payload);
    try {
      RtmpProtocolException e = catchThrowableOfType(RtmpProtocolException.class, () -> reader.accept(m));
      assertThat(e).isNotNull();
      assertThat(e.reason()).isEqualTo(reason);
    } finally {
      m.release();
    }
  }
}
