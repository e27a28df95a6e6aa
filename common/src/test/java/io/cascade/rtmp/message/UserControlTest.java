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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UserControlTest {
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

  private final EmbeddedChannel sender = new EmbeddedChannel(new ChunkEncoder());
  private final EmbeddedChannel receiver = new EmbeddedChannel(new ChunkDecoder());

  @AfterEach
  void closeChannels() {
    sender.finishAndReleaseAll();
    receiver.finishAndReleaseAll();
  }

  /** Sends {@code m} through encoder and decoder and parses what arrives. */
  private UserControl.Event roundTrip(RtmpMessage m, String payloadHex) {
    sender.writeOutbound(m);
    feed(receiver, drainOutbound(sender));
    RtmpMessage received = receiver.readInbound();
    try {
      assertThat(received.typeId()).isEqualTo(MessageType.USER_CONTROL);
      assertThat(received.chunkStreamId()).isEqualTo(ProtocolControl.CONTROL_CHUNK_STREAM_ID);
      assertThat(received.streamId()).isEqualTo(ProtocolControl.CONTROL_STREAM_ID);
      assertThat(ByteBufUtil.hexDump(received.payload())).isEqualTo(payloadHex);
      return UserControl.Event.parse(received);
    } finally {
      received.release();
    }
  }

  @Test
  void streamEvents() {
    assertThat(roundTrip(UserControl.streamBegin(ALLOC, 1), "000000000001"))
        .isEqualTo(new UserControl.Event(UserControl.STREAM_BEGIN, 1, 0));
    assertThat(roundTrip(UserControl.streamEof(ALLOC, 2), "000100000002"))
        .isEqualTo(new UserControl.Event(UserControl.STREAM_EOF, 2, 0));
    assertThat(roundTrip(UserControl.streamDry(ALLOC, 3), "000200000003"))
        .isEqualTo(new UserControl.Event(UserControl.STREAM_DRY, 3, 0));
  }

  @Test
  void setBufferLength() {
    assertThat(roundTrip(UserControl.setBufferLength(ALLOC, 1, 3000), "0003" + "00000001" + "00000bb8"))
        .isEqualTo(new UserControl.Event(UserControl.SET_BUFFER_LENGTH, 1, 3000));
  }

  @Test
  void pingsCarryUnsigned32BitTimestamps() {
    assertThat(roundTrip(UserControl.pingRequest(ALLOC, 0xFFFFFFF0L), "0006fffffff0"))
        .isEqualTo(new UserControl.Event(UserControl.PING_REQUEST, 0xFFFFFFF0L, 0));
    assertThat(roundTrip(UserControl.pingResponse(ALLOC, 0x1_0000_0007L), "000700000007"))
        .isEqualTo(new UserControl.Event(UserControl.PING_RESPONSE, 7, 0));
  }

  @Test
  void streamIsRecordedFromThePeer() {
    assertThat(parse(new byte[] {0, 4, 0, 0, 0, 9}))
        .isEqualTo(new UserControl.Event(UserControl.STREAM_IS_RECORDED, 9, 0));
  }

  @Test
  void unknownEventsKeepWhatTheyCarry() {
    assertThat(parse(new byte[] {0, 31, 0, 0, 0, 1})).isEqualTo(new UserControl.Event(31, 1, 0));
    assertThat(parse(new byte[] {0, 26, 0})).isEqualTo(new UserControl.Event(26, 0, 0));
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "00", "0000000000", "0006000000", "0003000000010000"})
  void shortPayloadsAreRejected(String hex) {
    RtmpMessage m = message(2, MessageType.USER_CONTROL, 0, 0, ByteBufUtil.decodeHexDump(hex));
    try {
      RtmpProtocolException e = catchThrowableOfType(RtmpProtocolException.class, () -> UserControl.Event.parse(m));
      assertThat(e).isNotNull();
      assertThat(e.reason()).isEqualTo("user_control");
    } finally {
      m.release();
    }
  }

  @Test
  void otherMessageTypesAreNotParsed() {
    RtmpMessage m = message(2, MessageType.ACKNOWLEDGEMENT, 0, 0, new byte[6]);
    try {
      assertThatThrownBy(() -> UserControl.Event.parse(m)).isInstanceOf(IllegalArgumentException.class);
    } finally {
      m.release();
    }
  }

  private static UserControl.Event parse(byte[] payload) {
    RtmpMessage m = message(2, MessageType.USER_CONTROL, 0, 0, payload);
    try {
      return UserControl.Event.parse(m);
    } finally {
      m.release();
    }
  }
}
