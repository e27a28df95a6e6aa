package io.cascade.rtmp.chunk;

import static io.cascade.rtmp.chunk.ChunkTestSupport.drainInbound;
import static io.cascade.rtmp.chunk.ChunkTestSupport.drainOutbound;
import static io.cascade.rtmp.chunk.ChunkTestSupport.feed;
import static io.cascade.rtmp.chunk.ChunkTestSupport.message;
import static io.cascade.rtmp.chunk.ChunkTestSupport.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.cascade.rtmp.chunk.ChunkTestSupport.Decoded;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.ProtocolControl;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Encoder channel → bytes → decoder channel, as between two peers. */
class ChunkCodecRoundTripTest {
  private static final long SEED = 0x5EED_CA5CADEL;

  private final ChunkEncoder encoder = new ChunkEncoder();
  private final EmbeddedChannel sender = new EmbeddedChannel(encoder);
  private final ChunkDecoder decoder = new ChunkDecoder();
  private final EmbeddedChannel receiver = new EmbeddedChannel(decoder);

  @AfterEach
  void closeChannels() {
    sender.finishAndReleaseAll();
    receiver.finishAndReleaseAll();
  }

  static Stream<Integer> chunkSizes() {
    Random random = new Random(SEED);
    IntStream randomSizes = random.ints(6, 130, 65535);
    return Stream.concat(Stream.of(1, 2, 127, 128, 129, 4096, 65535, 65536), randomSizes.boxed());
  }

  @ParameterizedTest
  @MethodSource("chunkSizes")
  void messagesOfVariousLengthsSurviveEveryChunkSize(int chunkSize) {
    Random random = new Random(SEED + chunkSize);
    List<Decoded> sent = new ArrayList<>();
    sender.writeOutbound(ProtocolControl.setChunkSize(ByteBufAllocator.DEFAULT, chunkSize));
    sent.add(new Decoded(2, MessageType.SET_CHUNK_SIZE, 0, 0, String.format("%08x", chunkSize)));
    // Above 64 KiB for the large chunk sizes; smaller for tiny ones, where paranoid leak detection
    // makes every per-chunk buffer call slow.
    int large = Math.min(70_000, 2_000 * chunkSize);
    int[] lengths = {0, 1, chunkSize - 1, chunkSize, chunkSize + 1, 2 * chunkSize + 3, 1000, large};
    int[] csids = {3, 64, 320, 65599};
    long[] timestamps = {0, 40, 0xFFFFFE, 0xFFFFFF, 0x12345678L, 0xFFFFFFFFL};
    for (int i = 0; i < lengths.length; i++) {
      if (lengths[i] == 0 && i > 0) {
        continue;
      }
      byte[] payload = new byte[lengths[i]];
      random.nextBytes(payload);
      int csid = csids[i % csids.length];
      long ts = timestamps[i % timestamps.length];
      sender.writeOutbound(message(csid, MessageType.VIDEO, ts, 1, payload));
      sent.add(new Decoded(csid, MessageType.VIDEO, ts, 1, ByteBufUtil.hexDump(payload)));
    }

    byte[] wire = drainOutbound(sender);
    feed(receiver, wire, 1 + random.nextInt(5000));

    assertThat(drainInbound(receiver)).containsExactlyElementsOf(sent);
    assertThat(decoder.chunkSize()).isEqualTo(chunkSize);
    assertThat(decoder.bytesRead()).isEqualTo(wire.length);
  }

  @Test
  void oneMegabyteKeyframeAtChunkSize128() {
    byte[] keyframe = new byte[1_000_000];
    new Random(SEED).nextBytes(keyframe);
    keyframe[0] = 0x17;
    long ts = 0x1000010L;

    sender.writeOutbound(message(6, MessageType.VIDEO, ts, 1, keyframe));
    byte[] wire = drainOutbound(sender);
    assertThat(wire).hasSize(ChunkEncoder.encodedLength(6, ts, keyframe.length, 128));

    // Fragments of random size, as TCP would deliver them.
    Random random = new Random(SEED);
    for (int off = 0; off < wire.length; ) {
      int n = Math.min(wire.length - off, 1 + random.nextInt(3000));
      receiver.writeInbound(Unpooled.wrappedBuffer(wire, off, n));
      off += n;
    }

    RtmpMessage received = receiver.readInbound();
    try {
      assertThat(received.typeId()).isEqualTo(MessageType.VIDEO);
      assertThat(received.timestamp()).isEqualTo(ts);
      assertThat(received.streamId()).isEqualTo(1);
      assertThat(received.chunkStreamId()).isEqualTo(6);
      assertThat(ByteBufUtil.getBytes(received.payload())).isEqualTo(keyframe);
    } finally {
      received.release();
    }
    Object next = receiver.readInbound();
    assertThat(next).isNull();
  }

  @Test
  void sequenceFedByteByByte() {
    List<RtmpMessage> messages = List.of(
        message(3, MessageType.COMMAND_AMF0, 0, 0, pattern(300, 1)),
        message(4, MessageType.AUDIO, 0xFFFFFF, 1, pattern(129, 2)),
        message(6, MessageType.VIDEO, 0xFFFFFFFFL, 1, pattern(700, 3)),
        message(4, MessageType.AUDIO, 5, 1, new byte[0]));
    List<Decoded> sent = new ArrayList<>();
    for (RtmpMessage m : messages) {
      sent.add(new Decoded(m.chunkStreamId(), m.typeId(), m.timestamp(), m.streamId(),
          ByteBufUtil.hexDump(m.payload())));
      sender.writeOutbound(m);
    }

    feed(receiver, drainOutbound(sender), 1);

    assertThat(drainInbound(receiver)).containsExactlyElementsOf(sent);
  }

  @Test
  void encodeOnceWriteToManyConnections() {
    byte[] payload = pattern(5000, 9);
    RtmpMessage frame = message(6, MessageType.VIDEO, 123_456, 1, payload);
    ByteBuf encoded;
    try {
      encoded = ChunkEncoder.encode(frame, 4096, ByteBufAllocator.DEFAULT);
    } finally {
      frame.release();
    }

    List<EmbeddedChannel> viewers = new ArrayList<>();
    try {
      for (int i = 0; i < 3; i++) {
        EmbeddedChannel viewer = new EmbeddedChannel(new ChunkEncoder());
        viewers.add(viewer);
        viewer.writeOutbound(ProtocolControl.setChunkSize(ByteBufAllocator.DEFAULT, 4096));
        viewer.writeOutbound(encoded.retainedDuplicate());
        ChunkDecoder viewerDecoder = new ChunkDecoder();
        EmbeddedChannel client = new EmbeddedChannel(viewerDecoder);
        viewers.add(client);

        feed(client, drainOutbound(viewer));

        assertThat(drainInbound(client)).extracting(Decoded::typeId, Decoded::timestamp)
            .containsExactly(
                tuple(MessageType.SET_CHUNK_SIZE, 0L),
                tuple(MessageType.VIDEO, 123_456L));
      }
      assertThat(encoded.refCnt()).isEqualTo(1);
      assertThat(encoded.readerIndex()).isZero();
    } finally {
      encoded.release();
      viewers.forEach(EmbeddedChannel::finishAndReleaseAll);
    }
  }

  @Test
  void encodedLengthMatchesTheEncodedBytes() {
    int[] csids = {2, 3, 63, 64, 319, 320, 65599};
    long[] timestamps = {0, 0xFFFFFE, 0xFFFFFF, 0x1000000, 0xFFFFFFFFL};
    int[] lengths = {0, 1, 127, 128, 129, 1000, 4096, 65536};
    int[] chunkSizes = {1, 2, 128, 129, 4096, 65536, Integer.MAX_VALUE};
    int checked = 0;
    for (int length : lengths) {
      byte[] payload = pattern(length, 0);
      for (int csid : csids) {
        for (long ts : timestamps) {
          RtmpMessage m = message(csid, MessageType.VIDEO, ts, 1, payload);
          try {
            for (int chunkSize : chunkSizes) {
              ByteBuf out = Unpooled.buffer();
              try {
                ChunkEncoder.encode(m, chunkSize, out);
                assertThat(ChunkEncoder.encodedLength(csid, ts, length, chunkSize))
                    .as("csid=%d ts=%d len=%d chunk=%d", csid, ts, length, chunkSize)
                    .isEqualTo(out.readableBytes());
                checked++;
              } finally {
                out.release();
              }
            }
          } finally {
            m.release();
          }
        }
      }
    }
    assertThat(checked).isEqualTo(lengths.length * csids.length * timestamps.length * chunkSizes.length);
  }

  @Test
  void abortSentMidMessageDropsItAtTheReceiver() {
    byte[] wire = drainOutboundOf(message(6, MessageType.VIDEO, 0, 1, pattern(300, 1)));
    byte[] abort = drainOutboundOf(ProtocolControl.abort(ByteBufAllocator.DEFAULT, 6));
    byte[] next = drainOutboundOf(message(6, MessageType.VIDEO, 40, 1, pattern(20, 2)));

    // Cut after the first chunk: an Abort can only arrive between chunks.
    feed(receiver, Arrays.copyOf(wire, 12 + 128));
    feed(receiver, abort);
    feed(receiver, next);

    assertThat(drainInbound(receiver)).extracting(Decoded::typeId, Decoded::timestamp).containsExactly(
        tuple(MessageType.ABORT, 0L),
        tuple(MessageType.VIDEO, 40L));
  }

  private byte[] drainOutboundOf(RtmpMessage m) {
    sender.writeOutbound(m);
    return drainOutbound(sender);
  }
}
