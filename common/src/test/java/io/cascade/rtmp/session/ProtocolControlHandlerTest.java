package io.cascade.rtmp.session;

import static io.cascade.rtmp.chunk.ChunkTestSupport.drainInbound;
import static io.cascade.rtmp.chunk.ChunkTestSupport.feed;
import static io.cascade.rtmp.chunk.ChunkTestSupport.message;
import static io.cascade.rtmp.chunk.ChunkTestSupport.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.chunk.ChunkDecoder;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.chunk.ChunkTestSupport.Decoded;
import io.cascade.rtmp.chunk.ChunkTestSupport.Wire;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.ProtocolControl;
import io.cascade.rtmp.message.UserControl;
import io.cascade.testing.Payloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The protocol control handler in the pipeline both ends use (chunk decoder → chunk encoder →
 * protocol control → the role's handler), on an EmbeddedChannel. Each test runs once as a server
 * (which announces its windows and chunk size at connect) and once as a client (which announces
 * its chunk size), with the peer's bytes fed in one piece and byte by byte where chunking matters.
 * What the handler sends is decoded by a chunk decoder of the peer's own.
 */
class ProtocolControlHandlerTest {
  private static final int VIDEO_CSID = 6;
  private static final int OUR_CHUNK_SIZE = 4096;
  private static final UnpooledByteBufAllocator ALLOC = UnpooledByteBufAllocator.DEFAULT;

  /** What an end announces once connected, as ServerCommands and RtmpClientHandler do. */
  enum Role {
    SERVER {
      @Override
      void announce(ProtocolControlHandler control) {
        control.setWindows(2_500_000, 2_500_000);
        control.setChunkSize(OUR_CHUNK_SIZE);
      }
    },
    CLIENT {
      @Override
      void announce(ProtocolControlHandler control) {
        control.setChunkSize(OUR_CHUNK_SIZE);
      }
    };

    abstract void announce(ProtocolControlHandler control);
  }

  private EmbeddedChannel channel;
  private ProtocolControlHandler control;
  /** Decodes what we send, as the peer would. */
  private final EmbeddedChannel peer = new EmbeddedChannel(new ChunkDecoder());

  private void open(Role role, int maxAggregateParts) {
    ChunkDecoder decoder = new ChunkDecoder();
    control = new ProtocolControlHandler(decoder, maxAggregateParts);
    channel = new EmbeddedChannel(decoder, new ChunkEncoder(), control);
    role.announce(control);
    channel.flush();
    List<Decoded> announced = sent();
    assertThat(announced).last().extracting(Decoded::typeId).isEqualTo(MessageType.SET_CHUNK_SIZE);
    assertThat(control.outboundChunkSize()).isEqualTo(OUR_CHUNK_SIZE);
  }

  private void open(Role role) {
    open(role, ProtocolControlHandler.MAX_AGGREGATE_PARTS);
  }

  @AfterEach
  void close() {
    if (channel != null) {
      channel.finishAndReleaseAll();
    }
    peer.finishAndReleaseAll();
  }

  /** The messages we sent since the last call, decoded by the peer. */
  private List<Decoded> sent() {
    for (ByteBuf b = channel.readOutbound(); b != null; b = channel.readOutbound()) {
      peer.writeInbound(b);
    }
    return drainInbound(peer);
  }

  /** {@code m} chunked at {@code chunkSize} as the peer puts it on the wire; releases {@code m}. */
  private static byte[] wire(RtmpMessage m, int chunkSize) {
    ByteBuf encoded = ChunkEncoder.encode(m, chunkSize, ALLOC);
    try {
      return ByteBufUtil.getBytes(encoded);
    } finally {
      encoded.release();
      m.release();
    }
  }

  private static byte[] wire(RtmpMessage m) {
    return wire(m, ChunkDecoder.DEFAULT_CHUNK_SIZE);
  }


  private static RtmpMessage video(long timestamp, byte[] payload) {
    return message(VIDEO_CSID, MessageType.VIDEO, timestamp, 1, payload);
  }

  @ParameterizedTest
  @EnumSource(Role.class)
  void acknowledgesEachWindowOfReceivedBytes(Role role) {
    open(role);
    feed(channel, wire(ProtocolControl.windowAckSize(ALLOC, 1000)));
    long windowAt = control.bytesReceived();
    assertThat(control.ackWindow()).isEqualTo(1000);

    byte[] frame = wire(video(0, pattern(300, 1)));
    feed(channel, frame);
    feed(channel, frame);
    assertThat(sent()).as("%d bytes received, window 1000", control.bytesReceived()).isEmpty();
    feed(channel, frame, 7);
    feed(channel, frame);
    assertThat(drainInbound(channel)).hasSize(4).allMatch(d -> d.typeId() == MessageType.VIDEO);
    List<Decoded> acks = sent();
    assertThat(acks).singleElement().satisfies(ack -> {
      assertThat(ack.typeId()).isEqualTo(MessageType.ACKNOWLEDGEMENT);
      long counted = Unpooled.wrappedBuffer(ack.payload()).getUnsignedInt(0);
      assertThat(counted).isGreaterThanOrEqualTo(windowAt + 1000).isLessThanOrEqualTo(control.bytesReceived());
    });
  }

  @ParameterizedTest
  @EnumSource(Role.class)
  void answersPingsAndPassesStreamEventsUp(Role role) {
    open(role);
    feed(channel, Payloads.bytes(wire(UserControl.pingRequest(ALLOC, 0xCAFEBABEL)),
        wire(UserControl.pingResponse(ALLOC, 7)), wire(UserControl.streamBegin(ALLOC, 1))), 1);

    assertThat(sent()).singleElement().satisfies(pong -> {
      assertThat(pong.typeId()).isEqualTo(MessageType.USER_CONTROL);
      assertThat(pong.payloadHex()).isEqualTo("0007cafebabe");
    });
    assertThat(drainInbound(channel)).singleElement().satisfies(up -> {
      assertThat(up.typeId()).isEqualTo(MessageType.USER_CONTROL);
      assertThat(up.payloadHex()).isEqualTo("000000000001");
    });
  }

  @ParameterizedTest
  @EnumSource(Role.class)
  void chunkSizeChangesMidStreamInBothDirections(Role role) {
    open(role);
    byte[] before = pattern(500, 3);
    byte[] after = pattern(5000, 9);
    feed(channel, Payloads.bytes(wire(video(0, before)), wire(ProtocolControl.setChunkSize(ALLOC, 1500)),
        wire(video(40, after), 1500)), 1);

    assertThat(control.inboundChunkSize()).isEqualTo(1500);
    assertThat(drainInbound(channel)).extracting(Decoded::payloadHex)
        .containsExactly(ByteBufUtil.hexDump(before), ByteBufUtil.hexDump(after));

    // Outbound: the announced 4096 is what the encoder chunks with, so the peer reads our 5000
    // bytes back whole (a peer still at 128 would not).
    channel.writeAndFlush(video(80, after));
    assertThat(sent()).singleElement().extracting(Decoded::payloadHex).isEqualTo(ByteBufUtil.hexDump(after));
  }

  @ParameterizedTest
  @EnumSource(Role.class)
  void abortDropsThePartialMessage(Role role) {
    open(role);
    byte[] cut = pattern(300, 5);
    byte[] whole = pattern(200, 11);
    byte[] firstChunkOnly = new Wire().fmt0(VIDEO_CSID, 0, cut.length, MessageType.VIDEO, 1).data(cut, 0, 128).bytes();
    feed(channel, Payloads.bytes(firstChunkOnly, wire(ProtocolControl.abort(ALLOC, VIDEO_CSID)),
        wire(video(40, whole))), 1);

    assertThat(drainInbound(channel)).singleElement().satisfies(d -> {
      assertThat(d.timestamp()).isEqualTo(40);
      assertThat(d.payloadHex()).isEqualTo(ByteBufUtil.hexDump(whole));
    });
    assertThat(sent()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Role.class)
  void recordsPeerBandwidthAndAcknowledgements(Role role) {
    open(role);
    feed(channel, Payloads.bytes(wire(ProtocolControl.setPeerBandwidth(ALLOC, 5_000_000, ProtocolControl.LIMIT_DYNAMIC)),
        wire(ProtocolControl.acknowledgement(ALLOC, 123_456))));

    assertThat(control.peerBandwidth()).isEqualTo(5_000_000);
    assertThat(control.peerAcknowledged()).isEqualTo(123_456);
    assertThat(drainInbound(channel)).isEmpty();
    assertThat(sent()).isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Role.class)
  void aggregatesGoUpAsTheirParts(Role role) {
    open(role);
    byte[] body = Payloads.bytes(tag(MessageType.VIDEO, 1000, pattern(20, 1)), tag(MessageType.AUDIO, 1010, pattern(5, 2)),
        tag(MessageType.DATA_AMF0, 1020, pattern(3, 3)));
    feed(channel, wire(message(VIDEO_CSID, MessageType.AGGREGATE, 5000, 1, body)), 3);

    assertThat(drainInbound(channel)).extracting(Decoded::typeId, Decoded::timestamp, Decoded::streamId)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(MessageType.VIDEO, 5000L, 1),
            org.assertj.core.groups.Tuple.tuple(MessageType.AUDIO, 5010L, 1),
            org.assertj.core.groups.Tuple.tuple(MessageType.DATA_AMF0, 5020L, 1));
  }

  @ParameterizedTest
  @EnumSource(Role.class)
  void aggregateOverThePartLimitIsAProtocolError(Role role) {
    open(role, 2);
    byte[] body = Payloads.bytes(tag(MessageType.VIDEO, 0, pattern(4, 1)), tag(MessageType.VIDEO, 40, pattern(4, 2)),
        tag(MessageType.VIDEO, 80, pattern(4, 3)));

    assertThatThrownBy(() -> feed(channel, wire(message(VIDEO_CSID, MessageType.AGGREGATE, 0, 1, body))))
        .isInstanceOfSatisfying(RtmpProtocolException.class, e -> {
          assertThat(e.reason()).isEqualTo("aggregate");
          assertThat(e).hasMessage("malformed aggregate message: more than 2 sub-messages in " + body.length + " bytes");
        });
    assertThat(drainInbound(channel)).as("no part goes up").isEmpty();
  }

  @ParameterizedTest
  @EnumSource(Role.class)
  void aggregateWithAControlPartIsAProtocolError(Role role) {
    open(role);
    byte[] body = Payloads.bytes(tag(MessageType.VIDEO, 0, pattern(4, 1)), tag(MessageType.SET_CHUNK_SIZE, 0, new byte[] {0, 0, 16, 0}));

    assertThatThrownBy(() -> feed(channel, wire(message(VIDEO_CSID, MessageType.AGGREGATE, 0, 1, body))))
        .isInstanceOfSatisfying(RtmpProtocolException.class, e -> {
          assertThat(e.reason()).isEqualTo("aggregate");
          assertThat(e.getMessage()).contains("a SetChunkSize part");
        });
    assertThat(drainInbound(channel)).as("not even the video before it goes up").isEmpty();
    assertThat(control.inboundChunkSize()).isEqualTo(ChunkDecoder.DEFAULT_CHUNK_SIZE);
  }

  @ParameterizedTest
  @EnumSource(Role.class)
  void shortControlMessageIsAProtocolError(Role role) {
    open(role);
    byte[] shortWindow = new Wire().fmt0(2, 0, 2, MessageType.WINDOW_ACK_SIZE, 0).u8(0).u8(1).bytes();

    assertThatThrownBy(() -> feed(channel, shortWindow))
        .isInstanceOfSatisfying(RtmpProtocolException.class, e -> assertThat(e.reason()).isEqualTo("protocol_control"));
    assertThat(control.ackWindow()).isZero();
  }

  @ParameterizedTest
  @EnumSource(Role.class)
  void applicationMessagesPassThroughUntouched(Role role) {
    open(role);
    byte[] command = pattern(40, 7);
    feed(channel, wire(message(3, MessageType.COMMAND_AMF0, 0, 0, command)));

    assertThat(drainInbound(channel)).singleElement().satisfies(d -> {
      assertThat(d.typeId()).isEqualTo(MessageType.COMMAND_AMF0);
      assertThat(d.payloadHex()).isEqualTo(ByteBufUtil.hexDump(command));
    });
  }

  /** One FLV tag of an aggregate body: header, data, back pointer. */
  private static byte[] tag(int type, long timestamp, byte[] data) {
    return new Wire().u8(type).u24(data.length).u24(timestamp & 0xFFFFFF).u8((int) (timestamp >>> 24)).u24(0)
        .data(data).u32(11 + data.length).bytes();
  }
}
