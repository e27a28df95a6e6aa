package io.cascade.rtmp.chunk;

import static io.cascade.rtmp.chunk.ChunkTestSupport.drainInbound;
import static io.cascade.rtmp.chunk.ChunkTestSupport.feed;
import static io.cascade.rtmp.chunk.ChunkTestSupport.pattern;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.chunk.ChunkTestSupport.Decoded;
import io.cascade.rtmp.chunk.ChunkTestSupport.Wire;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.AbstractByteBufAllocator;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledHeapByteBuf;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class ChunkDecoderTest {
  private static final int AUDIO_CSID = 4;
  private static final int VIDEO_CSID = 6;

  private ChunkDecoder decoder = new ChunkDecoder();
  private EmbeddedChannel channel = new EmbeddedChannel(decoder);

  @AfterEach
  void closeChannel() {
    channel.finishAndReleaseAll();
  }

  private void use(ChunkDecoderLimits limits) {
    channel.finishAndReleaseAll();
    decoder = new ChunkDecoder(limits);
    channel = new EmbeddedChannel(decoder);
  }

  private static String hex(byte[] b) {
    return ByteBufUtil.hexDump(b);
  }

  private static Decoded decoded(int csid, int type, long ts, int sid, byte[] payload) {
    return new Decoded(csid, type, ts, sid, hex(payload));
  }

  @Test
  void everyChunkFormatDerivesTheMissingFieldsFromThePreviousHeader() {
    byte[] a = pattern(3, 1);
    byte[] b = pattern(2, 2);
    byte[] c = pattern(2, 3);
    byte[] d = pattern(2, 4);
    byte[] wire = new Wire()
        .fmt0(AUDIO_CSID, 1000, 3, MessageType.AUDIO, 1).data(a)
        .fmt1(AUDIO_CSID, 20, 2, MessageType.VIDEO).data(b)
        .fmt2(AUDIO_CSID, 30).data(c)
        .fmt3(AUDIO_CSID).data(d)
        .bytes();

    feed(channel, wire);

    assertThat(drainInbound(channel)).containsExactly(
        decoded(AUDIO_CSID, MessageType.AUDIO, 1000, 1, a),
        decoded(AUDIO_CSID, MessageType.VIDEO, 1020, 1, b),
        decoded(AUDIO_CSID, MessageType.VIDEO, 1050, 1, c),
        decoded(AUDIO_CSID, MessageType.VIDEO, 1080, 1, d));
    assertThat(decoder.bytesRead()).isEqualTo(wire.length);
  }

  @Test
  void typeThreeAfterTypeZeroUsesTheTimestampAsDelta() {
    byte[] wire = new Wire()
        .fmt0(AUDIO_CSID, 40, 1, MessageType.AUDIO, 1).u8(1)
        .fmt3(AUDIO_CSID).u8(2)
        .fmt3(AUDIO_CSID).u8(3)
        .bytes();

    feed(channel, wire);

    assertThat(drainInbound(channel)).extracting(Decoded::timestamp).containsExactly(40L, 80L, 120L);
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3, 63, 64, 65, 319, 320, 321, 65599})
  void basicHeaderForms(int csid) {
    byte[] payload = pattern(200, csid);
    byte[] wire = new Wire()
        .fmt0(csid, 7, 200, MessageType.VIDEO, 1).data(payload, 0, 128)
        .fmt3(csid).data(payload, 128, 200)
        .bytes();

    feed(channel, wire, 1);

    assertThat(drainInbound(channel)).containsExactly(decoded(csid, MessageType.VIDEO, 7, 1, payload));
  }

  @ParameterizedTest
  @ValueSource(ints = {64, 100, 319})
  void threeByteFormForSmallIds(int csid) {
    byte[] wire = new Wire().basic3(0, csid).u24(5).u24(1).u8(MessageType.AUDIO).u32le(1).u8(9).bytes();

    feed(channel, wire);

    assertThat(drainInbound(channel)).containsExactly(decoded(csid, MessageType.AUDIO, 5, 1, new byte[] {9}));
  }

  @ParameterizedTest
  @ValueSource(longs = {0xFFFFFFL, 0x1000000L, 0x12345678L, 0xFFFFFFFFL})
  void extendedTimestampWithRepeatedFieldOnContinuations(long ts) {
    byte[] payload = pattern(300, 7);
    byte[] wire = new Wire()
        .fmt0(VIDEO_CSID, ts, 300, MessageType.VIDEO, 1).data(payload, 0, 128)
        .fmt3(VIDEO_CSID).u32(ts).data(payload, 128, 256)
        .fmt3(VIDEO_CSID).u32(ts).data(payload, 256, 300)
        .bytes();

    feed(channel, wire);

    assertThat(drainInbound(channel)).containsExactly(decoded(VIDEO_CSID, MessageType.VIDEO, ts, 1, payload));
    assertThat(decoder.bytesRead()).isEqualTo(wire.length);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 3, 1000})
  void extendedTimestampWithoutRepeatedFieldOnContinuations(int step) {
    long ts = 0x1234567L;
    byte[] payload = pattern(300, 7);
    byte[] wire = new Wire()
        .fmt0(VIDEO_CSID, ts, 300, MessageType.VIDEO, 1).data(payload, 0, 128)
        .fmt3(VIDEO_CSID).data(payload, 128, 256)
        .fmt3(VIDEO_CSID).data(payload, 256, 300)
        .fmt0(AUDIO_CSID, 1, 1, MessageType.AUDIO, 1).u8(1)
        .bytes();

    feed(channel, wire, step);

    assertThat(drainInbound(channel)).containsExactly(
        decoded(VIDEO_CSID, MessageType.VIDEO, ts, 1, payload),
        decoded(AUDIO_CSID, MessageType.AUDIO, 1, 1, new byte[] {1}));
  }

  @Test
  void extendedDeltas() {
    long base = 0x100;
    long delta = 0x1000000;
    long ffmpegDelta = 0x2000000;
    byte[] wire = new Wire()
        .fmt0(VIDEO_CSID, base, 1, MessageType.VIDEO, 1).u8(1)
        .fmt1(VIDEO_CSID, delta, 2, MessageType.VIDEO).u8(2).u8(2)
        // Type 3 starting a message carries the extended delta, spec-conforming: the same one.
        .fmt3(VIDEO_CSID).u32(delta).u8(3).u8(3)
        .fmt2(VIDEO_CSID, delta).u8(4).u8(4)
        // ffmpeg picks type 3 whenever both fields are the 0xFFFFFF marker and writes the real delta.
        .fmt3(VIDEO_CSID).u32(ffmpegDelta).u8(5).u8(5)
        .fmt2(VIDEO_CSID, 10).u8(6).u8(6)
        .bytes();

    feed(channel, wire, 1);

    assertThat(drainInbound(channel)).extracting(Decoded::timestamp).containsExactly(
        base, base + delta, base + 2 * delta, base + 3 * delta, base + 3 * delta + ffmpegDelta,
        base + 3 * delta + ffmpegDelta + 10);
  }

  @Test
  void extendedDeltaMessageSpanningChunks() {
    long delta = 0x3000000;
    byte[] payload = pattern(200, 1);
    byte[] wire = new Wire()
        .fmt0(VIDEO_CSID, 5, 1, MessageType.VIDEO, 1).u8(1)
        .fmt1(VIDEO_CSID, delta, 200, MessageType.VIDEO).data(payload, 0, 128)
        .fmt3(VIDEO_CSID).u32(delta).data(payload, 128, 200)
        .bytes();

    feed(channel, wire);

    assertThat(drainInbound(channel)).containsExactly(
        decoded(VIDEO_CSID, MessageType.VIDEO, 5, 1, new byte[] {1}),
        decoded(VIDEO_CSID, MessageType.VIDEO, 5 + delta, 1, payload));
  }

  @Test
  void timestampsWrapAroundTwoToThe32() {
    byte[] wire = new Wire()
        .fmt0(AUDIO_CSID, 0xFFFFFFF0L, 1, MessageType.AUDIO, 1).u8(1)
        .fmt2(AUDIO_CSID, 0x20).u8(2)
        .fmt3(AUDIO_CSID).u8(3)
        .fmt1(AUDIO_CSID, 0xFFFFFFFFL, 1, MessageType.AUDIO).u8(4)
        .fmt0(VIDEO_CSID, 0xFFFFFFFFL, 1, MessageType.VIDEO, 1).u8(5)
        .fmt2(VIDEO_CSID, 0xFFFFFF).u8(6)
        .bytes();

    feed(channel, wire);

    assertThat(drainInbound(channel)).extracting(Decoded::timestamp)
        .containsExactly(0xFFFFFFF0L, 0x10L, 0x30L, 0x2FL, 0xFFFFFFFFL, 0xFFFFFEL);
  }

  @Test
  void interleavedChunkStreamsReassembleIndependently() {
    byte[] video = pattern(400, 11);
    byte[] audio1 = pattern(150, 22);
    byte[] audio2 = pattern(150, 33);
    byte[] wire = new Wire()
        .fmt0(VIDEO_CSID, 100, 400, MessageType.VIDEO, 1).data(video, 0, 128)
        .fmt0(AUDIO_CSID, 90, 150, MessageType.AUDIO, 1).data(audio1, 0, 128)
        .fmt3(VIDEO_CSID).data(video, 128, 256)
        .fmt3(AUDIO_CSID).data(audio1, 128, 150)
        .fmt3(VIDEO_CSID).data(video, 256, 384)
        .fmt2(AUDIO_CSID, 23).data(audio2, 0, 128)
        .fmt3(VIDEO_CSID).data(video, 384, 400)
        .fmt3(AUDIO_CSID).data(audio2, 128, 150)
        .bytes();

    for (int step : new int[] {wire.length, 1, 7}) {
      feed(channel, wire, step);
      assertThat(drainInbound(channel)).as("fed in pieces of %d", step).containsExactly(
          decoded(AUDIO_CSID, MessageType.AUDIO, 90, 1, audio1),
          decoded(VIDEO_CSID, MessageType.VIDEO, 100, 1, video),
          decoded(AUDIO_CSID, MessageType.AUDIO, 113, 1, audio2));
    }
  }

  @Test
  void headerRestatedMidMessageContinuesIt() {
    byte[] payload = pattern(200, 3);
    byte[] wire = new Wire()
        .fmt0(VIDEO_CSID, 50, 200, MessageType.VIDEO, 1).data(payload, 0, 128)
        .fmt1(VIDEO_CSID, 0, 200, MessageType.VIDEO).data(payload, 128, 200)
        .bytes();

    feed(channel, wire);

    assertThat(drainInbound(channel)).containsExactly(decoded(VIDEO_CSID, MessageType.VIDEO, 50, 1, payload));
  }

  @Test
  void zeroLengthMessage() {
    byte[] wire = new Wire()
        .fmt0(AUDIO_CSID, 1, 0, MessageType.DATA_AMF0, 1)
        .fmt3(AUDIO_CSID)
        .bytes();

    feed(channel, wire, 1);

    assertThat(drainInbound(channel)).containsExactly(
        decoded(AUDIO_CSID, MessageType.DATA_AMF0, 1, 1, new byte[0]),
        decoded(AUDIO_CSID, MessageType.DATA_AMF0, 2, 1, new byte[0]));
  }

  @Test
  void typeOneOpeningControlChunkStreamIsAcceptedForLibrtmp() {
    byte[] wire = new Wire().fmt1(2, 0, 6, MessageType.USER_CONTROL).u8(0).u8(7).u32(0x0D0F).bytes();

    feed(channel, wire);

    assertThat(drainInbound(channel)).containsExactly(
        decoded(2, MessageType.USER_CONTROL, 0, 0, new byte[] {0, 7, 0, 0, 0x0D, 0x0F}));
  }

  @Test
  void abortDropsThePartialMessage() {
    byte[] dropped = pattern(300, 1);
    byte[] next = pattern(10, 2);
    byte[] wire = new Wire()
        .fmt0(VIDEO_CSID, 10, 300, MessageType.VIDEO, 1).data(dropped, 0, 128)
        .fmt0(2, 0, 4, MessageType.ABORT, 0).u32(VIDEO_CSID)
        .fmt0(VIDEO_CSID, 20, 10, MessageType.VIDEO, 1).data(next)
        .bytes();

    feed(channel, wire);

    assertThat(drainInbound(channel)).containsExactly(
        decoded(2, MessageType.ABORT, 0, 0, new byte[] {0, 0, 0, VIDEO_CSID}),
        decoded(VIDEO_CSID, MessageType.VIDEO, 20, 1, next));
  }

  @Test
  void abortOfIdleOrUnknownChunkStreamIsHarmless() {
    byte[] wire = new Wire()
        .fmt0(AUDIO_CSID, 1, 1, MessageType.AUDIO, 1).u8(1)
        .fmt0(2, 0, 4, MessageType.ABORT, 0).u32(AUDIO_CSID)
        .fmt0(2, 0, 4, MessageType.ABORT, 0).u32(999)
        .fmt3(AUDIO_CSID).u8(2)
        .bytes();

    feed(channel, wire);

    assertThat(drainInbound(channel)).extracting(Decoded::typeId)
        .containsExactly(MessageType.AUDIO, MessageType.ABORT, MessageType.ABORT, MessageType.AUDIO);
  }

  @Test
  void peerSetChunkSizeAppliesToTheNextChunkOfEveryStream() {
    byte[] video = pattern(300, 1);
    byte[] big = pattern(3000, 2);
    byte[] wire = new Wire()
        .fmt0(VIDEO_CSID, 0, 300, MessageType.VIDEO, 1).data(video, 0, 128)
        .fmt0(2, 0, 4, MessageType.SET_CHUNK_SIZE, 0).u32(50)
        .fmt3(VIDEO_CSID).data(video, 128, 178)
        .fmt3(VIDEO_CSID).data(video, 178, 228)
        .fmt3(VIDEO_CSID).data(video, 228, 278)
        .fmt3(VIDEO_CSID).data(video, 278, 300)
        .fmt0(2, 0, 4, MessageType.SET_CHUNK_SIZE, 0).u32(4096)
        .fmt0(AUDIO_CSID, 1, 3000, MessageType.AUDIO, 1).data(big)
        .bytes();

    feed(channel, wire, 5);

    assertThat(drainInbound(channel)).containsExactly(
        decoded(2, MessageType.SET_CHUNK_SIZE, 0, 0, new byte[] {0, 0, 0, 50}),
        decoded(VIDEO_CSID, MessageType.VIDEO, 0, 1, video),
        decoded(2, MessageType.SET_CHUNK_SIZE, 0, 0, new byte[] {0, 0, 0x10, 0}),
        decoded(AUDIO_CSID, MessageType.AUDIO, 1, 1, big));
    assertThat(decoder.chunkSize()).isEqualTo(4096);
  }

  @Test
  void chunkSizeOfOne() {
    byte[] payload = pattern(5, 1);
    Wire wire = new Wire().fmt0(2, 0, 4, MessageType.SET_CHUNK_SIZE, 0).u32(1)
        .fmt0(VIDEO_CSID, 0x1000000, 5, MessageType.VIDEO, 1).u8(payload[0]);
    for (int i = 1; i < 5; i++) {
      wire.fmt3(VIDEO_CSID).u32(0x1000000).u8(payload[i]);
    }

    feed(channel, wire.bytes());

    assertThat(drainInbound(channel)).containsExactly(
        decoded(2, MessageType.SET_CHUNK_SIZE, 0, 0, new byte[] {0, 0, 0, 1}),
        decoded(VIDEO_CSID, MessageType.VIDEO, 0x1000000, 1, payload));
    assertThat(decoder.chunkSize()).isEqualTo(1);
  }

  static LongStream invalidChunkSizes() {
    return LongStream.of(0, 0x80000000L, 0xFFFFFFFFL, ChunkDecoderLimits.DEFAULTS.maxChunkSize() + 1L);
  }

  @ParameterizedTest
  @MethodSource("invalidChunkSizes")
  void invalidChunkSizeIsRejected(long size) {
    byte[] wire = new Wire().fmt0(2, 0, 4, MessageType.SET_CHUNK_SIZE, 0).u32(size).bytes();

    assertRejected(wire, "chunk_size");
    assertThat(decoder.chunkSize()).isEqualTo(ChunkDecoder.DEFAULT_CHUNK_SIZE);
  }

  @Test
  void shortSetChunkSizeIsRejected() {
    assertRejected(new Wire().fmt0(2, 0, 2, MessageType.SET_CHUNK_SIZE, 0).u8(0).u8(1).bytes(), "chunk_size");
  }

  /** Hands out unpooled heap buffers and remembers them, so a test can see what the decoder holds. */
  private static final class TrackingAllocator extends AbstractByteBufAllocator {
    private final List<ByteBuf> created = new ArrayList<>();
    private int largestInitialCapacity;

    TrackingAllocator() {
      super(false);
    }

    @Override
    protected ByteBuf newHeapBuffer(int initialCapacity, int maxCapacity) {
      largestInitialCapacity = Math.max(largestInitialCapacity, initialCapacity);
      ByteBuf buf = toLeakAwareBuffer(new UnpooledHeapByteBuf(this, initialCapacity, maxCapacity));
      created.add(buf);
      return buf;
    }

    @Override
    protected ByteBuf newDirectBuffer(int initialCapacity, int maxCapacity) {
      return newHeapBuffer(initialCapacity, maxCapacity);
    }

    @Override
    public boolean isDirectBufferPooled() {
      return false;
    }

    /** Total capacity of the buffers not yet released. */
    long heldCapacity() {
      return created.stream().filter(b -> b.refCnt() > 0).mapToLong(ByteBuf::capacity).sum();
    }
  }

  private TrackingAllocator track() {
    TrackingAllocator tracking = new TrackingAllocator();
    channel.config().setAllocator(tracking);
    return tracking;
  }

  @Test
  void messageOverTheLimitFailsBeforeAnyPayloadIsAllocated() {
    TrackingAllocator tracking = track();
    byte[] partial = pattern(300, 1);
    byte[] wire = new Wire()
        .fmt0(AUDIO_CSID, 0, 300, MessageType.AUDIO, 1).data(partial, 0, 128)
        .fmt0(VIDEO_CSID, 0, 0xFFFFFF, MessageType.VIDEO, 1)
        .bytes();

    RtmpProtocolException e = assertRejected(wire, "message_too_large");

    assertThat(e.getMessage()).contains("16777215", String.valueOf(ChunkDecoderLimits.DEFAULTS.maxMessageSize()));
    assertThat(tracking.largestInitialCapacity).isLessThan(1024);
  }

  /**
   * The attack the pending-bytes limit exists for: every chunk stream declares the largest message
   * and sends as little of it as the chunk size allows. Declared lengths must cost nothing.
   */
  @ParameterizedTest
  @ValueSource(ints = {1, 128})
  void declaredLengthsAloneAllocateNothing(int chunkSize) {
    TrackingAllocator tracking = track();
    int streams = ChunkDecoderLimits.DEFAULTS.maxChunkStreams();
    int declared = ChunkDecoderLimits.DEFAULTS.maxMessageSize();
    Wire wire = new Wire().fmt0(2, 0, 4, MessageType.SET_CHUNK_SIZE, 0).u32(chunkSize);
    for (int csid = 2; csid < 2 + streams; csid++) {
      wire.fmt0(csid, 0, declared, MessageType.VIDEO, 1).data(pattern(chunkSize, csid));
    }
    byte[] bytes = wire.bytes();

    feed(channel, bytes);

    assertThat(drainInbound(channel)).extracting(Decoded::typeId).containsExactly(MessageType.SET_CHUNK_SIZE);
    assertThat(decoder.pendingBytes()).isEqualTo((long) streams * chunkSize);
    assertThat(tracking.heldCapacity())
        .as("%d bytes sent, %d declared", bytes.length, (long) streams * declared)
        .isLessThanOrEqualTo(2 * decoder.pendingBytes());

    channel.finishAndReleaseAll();
    assertThat(tracking.heldCapacity()).isZero();
    assertThat(decoder.pendingBytes()).isZero();
  }

  /** Growth stops at the declared length, so a complete payload carries no slack downstream. */
  @ParameterizedTest
  @CsvSource({"200, 128, 1", "20000, 4096, 20100", "20000, 4096, 1000", "8388608, 1048576, 3000000"})
  void payloadCapacityIsTheDeclaredLength(int length, int chunkSize, int step) {
    TrackingAllocator tracking = track();
    byte[] payload = pattern(length, 5);
    Wire wire = new Wire().fmt0(2, 0, 4, MessageType.SET_CHUNK_SIZE, 0).u32(chunkSize)
        .fmt0(VIDEO_CSID, 0, length, MessageType.VIDEO, 1).data(payload, 0, Math.min(chunkSize, length));
    for (int off = chunkSize; off < length; off += chunkSize) {
      wire.fmt3(VIDEO_CSID).data(payload, off, Math.min(off + chunkSize, length));
    }

    feed(channel, wire.bytes(), step);

    RtmpMessage chunkSizeMessage = channel.readInbound();
    chunkSizeMessage.release();
    RtmpMessage frame = channel.readInbound();
    try {
      assertThat(frame.payload().capacity()).isEqualTo(length);
      assertThat(frame.payload().maxCapacity()).isEqualTo(length);
      assertThat(ByteBufUtil.getBytes(frame.payload())).isEqualTo(payload);
    } finally {
      frame.release();
    }
    assertThat(decoder.pendingBytes()).isZero();
    assertThat(tracking.heldCapacity()).isZero();
  }

  @Test
  void partialMessagesBeyondThePendingLimitAreRejected() {
    use(new ChunkDecoderLimits(4096, 1000, 8, 1500));
    byte[] a = pattern(1000, 1);
    byte[] b = pattern(1000, 2);
    Wire held = new Wire().fmt0(3, 0, 1000, MessageType.VIDEO, 1).data(a, 0, 128);
    for (int off = 128; off < 896; off += 128) {
      held.fmt3(3).data(a, off, off + 128);
    }
    held.fmt0(4, 0, 1000, MessageType.VIDEO, 1).data(b, 0, 128);
    for (int off = 128; off < 512; off += 128) {
      held.fmt3(4).data(b, off, off + 128);
    }
    feed(channel, held.bytes());
    assertThat(drainInbound(channel)).isEmpty();
    assertThat(decoder.pendingBytes()).isEqualTo(896 + 512);

    // A third chunk stream, so the limit is on the sum and not on any one message.
    RtmpProtocolException e = assertRejected(
        new Wire().fmt0(5, 0, 200, MessageType.AUDIO, 1).data(pattern(128, 3)).bytes(),
        "pending_bytes_exceeded");

    assertThat(e.getMessage()).contains("csid 5", "1536 bytes", "3 chunk streams", "limit 1500");
    assertThat(decoder.pendingBytes()).isZero();
  }

  @Test
  void completedAndAbortedMessagesGiveBackTheirPendingBytes() {
    use(new ChunkDecoderLimits(4096, 1000, 8, 1000));
    byte[] full = pattern(1000, 1);
    Wire wire = new Wire();
    for (int message = 0; message < 3; message++) {
      wire.fmt0(3, message, 1000, MessageType.VIDEO, 1).data(full, 0, 128);
      for (int off = 128; off < 1000; off += 128) {
        wire.fmt3(3).data(full, off, Math.min(off + 128, 1000));
      }
    }
    wire.fmt0(4, 0, 1000, MessageType.VIDEO, 1).data(full, 0, 128);
    wire.fmt3(4).data(full, 128, 256);

    feed(channel, wire.bytes(), 100);
    assertThat(drainInbound(channel)).hasSize(3);
    assertThat(decoder.pendingBytes()).isEqualTo(256);

    feed(channel, new Wire().fmt0(2, 0, 4, MessageType.ABORT, 0).u32(4).bytes());
    assertThat(decoder.pendingBytes()).isZero();
    feed(channel, new Wire().fmt0(3, 0, 1000, MessageType.VIDEO, 1).data(full, 0, 128).bytes());
    assertThat(decoder.pendingBytes()).isEqualTo(128);
    assertThat(drainInbound(channel)).extracting(Decoded::typeId).containsExactly(MessageType.ABORT);
  }

  @Test
  void messageAtTheLimitIsAccepted() {
    use(new ChunkDecoderLimits(4096, 1000, 4, 1000));
    byte[] payload = pattern(1000, 1);
    Wire wire = new Wire().fmt0(AUDIO_CSID, 0, 1000, MessageType.AUDIO, 1).data(payload, 0, 128);
    for (int off = 128; off < 1000; off += 128) {
      wire.fmt3(AUDIO_CSID).data(payload, off, Math.min(off + 128, 1000));
    }

    feed(channel, wire.bytes());

    assertThat(drainInbound(channel)).containsExactly(decoded(AUDIO_CSID, MessageType.AUDIO, 0, 1, payload));
    assertRejected(new Wire().fmt1(AUDIO_CSID, 0, 1001, MessageType.AUDIO).bytes(), "message_too_large");
  }

  @Test
  void tooManyChunkStreams() {
    use(new ChunkDecoderLimits(4096, 1000, 2, 1000));
    feed(channel, new Wire()
        .fmt0(3, 0, 1, MessageType.AUDIO, 1).u8(1)
        .fmt0(4, 0, 1, MessageType.AUDIO, 1).u8(1)
        .fmt3(3).u8(2)
        .bytes());
    assertThat(drainInbound(channel)).hasSize(3);

    RtmpProtocolException e = assertRejected(new Wire().fmt0(5, 0, 1, MessageType.AUDIO, 1).u8(1).bytes(),
        "too_many_chunk_streams");

    assertThat(e.getMessage()).contains("csid 5", "limit 2");
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void continuationFormatOnUnknownChunkStream(int fmt) {
    byte[] wire = new Wire().basic(fmt, 9).u24(0).u24(1).u8(MessageType.AUDIO).u8(1).bytes();

    assertRejected(wire, "no_previous_header");
  }

  @ParameterizedTest
  @ValueSource(ints = {2, 3})
  void shortFormatsOnFreshControlChunkStream(int fmt) {
    assertRejected(new Wire().basic(fmt, 2).u24(0).u8(0).bytes(), "no_previous_header");
  }

  @Test
  void lengthChangeMidMessage() {
    byte[] wire = new Wire()
        .fmt0(VIDEO_CSID, 0, 300, MessageType.VIDEO, 1).data(pattern(128, 0))
        .fmt1(VIDEO_CSID, 0, 200, MessageType.VIDEO).data(pattern(128, 0))
        .bytes();

    RtmpProtocolException e = assertRejected(wire, "message_length_changed");

    assertThat(e.getMessage()).contains("300", "200");
  }

  @Test
  void typeChangeMidMessage() {
    byte[] wire = new Wire()
        .fmt0(VIDEO_CSID, 0, 300, MessageType.VIDEO, 1).data(pattern(128, 0))
        .fmt0(VIDEO_CSID, 0, 300, MessageType.VIDEO, 2).data(pattern(128, 0))
        .bytes();

    assertRejected(wire, "message_header_changed");
  }

  @Test
  void inputAfterAnErrorIsDiscarded() {
    byte[] bad = new Wire()
        .fmt0(VIDEO_CSID, 0, 300, MessageType.VIDEO, 1).data(pattern(128, 0))
        .fmt3(40).u8(1).u8(2)
        .bytes();
    assertThatThrownBy(() -> feed(channel, bad)).isInstanceOf(RtmpProtocolException.class);
    assertThat(decoder.bytesRead()).isEqualTo(bad.length);

    byte[] good = new Wire().fmt0(AUDIO_CSID, 0, 1, MessageType.AUDIO, 1).u8(1).bytes();
    assertThat(channel.writeInbound(Unpooled.wrappedBuffer(good))).isFalse();
    channel.checkException();

    assertThat(drainInbound(channel)).isEmpty();
    assertThat(decoder.bytesRead()).isEqualTo(bad.length + good.length);
  }

  @Test
  void bytesReadCountsPartialInput() {
    byte[] wire = new Wire().fmt0(VIDEO_CSID, 0, 300, MessageType.VIDEO, 1).data(pattern(128, 0)).bytes();

    feed(channel, Arrays.copyOf(wire, 5));
    assertThat(decoder.bytesRead()).as("basic header consumed, message header incomplete").isEqualTo(1);

    feed(channel, Arrays.copyOfRange(wire, 5, wire.length));
    assertThat(decoder.bytesRead()).isEqualTo(wire.length);
    assertThat(drainInbound(channel)).isEmpty();
  }

  @Test
  void partialMessagesAreReleasedWhenTheChannelCloses() {
    feed(channel, new Wire()
        .fmt0(VIDEO_CSID, 0, 300, MessageType.VIDEO, 1).data(pattern(128, 0))
        .fmt0(AUDIO_CSID, 0, 300, MessageType.AUDIO, 1).data(pattern(10, 0))
        .bytes());

    assertThat(channel.finish()).isFalse();
  }

  /** Feeds {@code wire}, expects the error and then that a valid chunk is silently discarded. */
  private RtmpProtocolException assertRejected(byte[] wire, String reason) {
    RtmpProtocolException e = catchThrowableOfType(RtmpProtocolException.class,
        () -> channel.writeInbound(Unpooled.wrappedBuffer(wire)));
    assertThat(e).as("expected %s", reason).isNotNull();
    assertThat(e.reason()).isEqualTo(reason);
    assertThat(drainInbound(channel)).isEmpty();

    channel.writeInbound(Unpooled.wrappedBuffer(new Wire().fmt0(AUDIO_CSID, 0, 1, MessageType.AUDIO, 1).u8(1).bytes()));
    channel.checkException();
    assertThat(drainInbound(channel)).isEmpty();
    return e;
  }

  @Test
  void limitsAreValidated() {
    int big = Integer.MAX_VALUE;
    assertThatThrownBy(() -> new ChunkDecoderLimits(127, 1000, 1, big)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ChunkDecoderLimits(128, 0, 1, big)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ChunkDecoderLimits(128, 0x1000000, 1, big))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ChunkDecoderLimits(128, 1, 0, big)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ChunkDecoderLimits(128, 1, 65599, big)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ChunkDecoderLimits(128, 1000, 1, 999))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxPendingBytes (999)").hasMessageContaining("maxMessageSize (1000)");
    assertThat(new ChunkDecoderLimits(128, 0xFFFFFF, 65598, 0xFFFFFF).maxChunkStreams()).isEqualTo(65598);
    assertThat(ChunkDecoderLimits.DEFAULTS).isEqualTo(new ChunkDecoderLimits(1 << 20, 8 << 20, 64, 16 << 20));
  }
}
