package io.cascade.rtmp.message;

import static io.cascade.testing.Payloads.bytes;
import static io.cascade.testing.Payloads.u24;
import static io.cascade.testing.Payloads.u32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.testing.Payloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AggregateMessagesTest {
  private static final int CSID = 6;
  private static final int STREAM_ID = 1;

  private final List<RtmpMessage> emitted = new ArrayList<>();

  @AfterEach
  void releaseEmitted() {
    emitted.forEach(RtmpMessage::release);
  }

  /** One FLV tag: header, body, back pointer (11 + size unless given). */
  private static byte[] tag(int type, long timestamp, byte[] body) {
    return tag(type, timestamp, body, 11 + body.length);
  }

  private static byte[] tag(int type, long timestamp, byte[] body, long backPointer) {
    return bytes(type, u24(body.length), u24((int) timestamp), (int) (timestamp >>> 24 & 0xFF), u24(0), body,
        u32(backPointer));
  }

  private static RtmpMessage aggregate(long timestamp, Object... tags) {
    return new RtmpMessage(CSID, MessageType.AGGREGATE, timestamp, STREAM_ID, Payloads.framed(bytes(tags)));
  }

  private static byte[] hex(ByteBuf buf) {
    return ByteBufUtil.getBytes(buf);
  }

  @Test
  void splitsThreeSubMessagesRebasedOnTheAggregateTimestamp() {
    byte[] video1 = bytes(0x17, 0x01, u24(0), 0x65, 0x88);
    byte[] audio = bytes(0xAF, 0x01, 0x21);
    byte[] video2 = bytes(0x27, 0x01, u24(0), 0x41);
    RtmpMessage aggregate = aggregate(5_000,
        tag(MessageType.VIDEO, 1_000, video1), tag(MessageType.AUDIO, 1_023, audio), tag(MessageType.VIDEO, 1_040, video2));
    try {
      int count = AggregateMessages.split(aggregate, 16, emitted::add);

      assertThat(count).isEqualTo(3);
      assertThat(emitted).extracting(RtmpMessage::typeId)
          .containsExactly(MessageType.VIDEO, MessageType.AUDIO, MessageType.VIDEO);
      assertThat(emitted).extracting(RtmpMessage::timestamp).containsExactly(5_000L, 5_023L, 5_040L);
      assertThat(emitted).extracting(RtmpMessage::streamId).containsOnly(STREAM_ID);
      assertThat(emitted).extracting(RtmpMessage::chunkStreamId).containsOnly(CSID);
      assertThat(hex(emitted.get(0).payload())).isEqualTo(video1);
      assertThat(hex(emitted.get(1).payload())).isEqualTo(audio);
      assertThat(hex(emitted.get(2).payload())).isEqualTo(video2);
    } finally {
      aggregate.release();
    }
  }

  @Test
  void subMessagesShareTheAggregateMemoryAndHoldAReference() {
    RtmpMessage aggregate = aggregate(0, tag(MessageType.AUDIO, 0, bytes(0xAF, 0x01, 0x00)),
        tag(MessageType.AUDIO, 21, bytes(0xAF, 0x01, 0x00)));
    ByteBuf body = aggregate.payload();
    int readerIndex = body.readerIndex();
    AggregateMessages.split(aggregate, 16, emitted::add);

    assertThat(body.readerIndex()).isEqualTo(readerIndex);
    assertThat(body.refCnt()).isEqualTo(3);
    // A write through the aggregate shows in the sub-message: same memory, no copy.
    body.setByte(readerIndex + 11 + 2, 0x7E);
    assertThat(emitted.get(0).payload().getByte(emitted.get(0).payload().readerIndex() + 2)).isEqualTo((byte) 0x7E);

    aggregate.release();
    assertThat(body.refCnt()).isEqualTo(2);
    emitted.forEach(RtmpMessage::release);
    emitted.clear();
    assertThat(body.refCnt()).isZero();
  }

  @Test
  void timestampsUseTheExtensionByteAndWrapAt32Bits() {
    long first = 0x01FF_FFF0L;
    RtmpMessage aggregate = aggregate(0xFFFF_FFF8L,
        tag(MessageType.VIDEO, first, bytes(0x27)), tag(MessageType.VIDEO, first + 0x20, bytes(0x27)));
    try {
      AggregateMessages.split(aggregate, 16, emitted::add);

      assertThat(emitted).extracting(RtmpMessage::timestamp).containsExactly(0xFFFF_FFF8L, 0x18L);
    } finally {
      aggregate.release();
    }
  }

  @Test
  void laterSubMessageMayPrecedeTheFirst() {
    RtmpMessage aggregate = aggregate(1_000,
        tag(MessageType.VIDEO, 500, bytes(0x27)), tag(MessageType.AUDIO, 480, bytes(0xAF, 0x01)));
    try {
      AggregateMessages.split(aggregate, 16, emitted::add);

      assertThat(emitted).extracting(RtmpMessage::timestamp).containsExactly(1_000L, 980L);
    } finally {
      aggregate.release();
    }
  }

  @Test
  void backPointerValueIsNotChecked() {
    RtmpMessage aggregate = aggregate(0, tag(MessageType.AUDIO, 0, bytes(0xAF, 0x01), 2),
        tag(MessageType.AUDIO, 23, bytes(0xAF, 0x01), 0));
    try {
      assertThat(AggregateMessages.split(aggregate, 16, emitted::add)).isEqualTo(2);
    } finally {
      aggregate.release();
    }
  }

  @Test
  void emptySubMessageBodyAndEmptyAggregate() {
    RtmpMessage aggregate = aggregate(7, tag(MessageType.AUDIO, 0, new byte[0]));
    RtmpMessage empty = aggregate(7);
    try {
      assertThat(AggregateMessages.split(aggregate, 16, emitted::add)).isEqualTo(1);
      assertThat(emitted.get(0).length()).isZero();
      assertThat(AggregateMessages.split(empty, 16, emitted::add)).isZero();
      assertThat(emitted).hasSize(1);
    } finally {
      aggregate.release();
      empty.release();
    }
  }

  @Test
  void sizePastTheEndEmitsNothing() {
    byte[] good = tag(MessageType.AUDIO, 0, bytes(0xAF, 0x01, 0x00));
    byte[] bad = tag(MessageType.VIDEO, 10, bytes(0x17, 0x01));
    bad[3] = 0x40; // data size 2 -> 64, past the end
    assertRejected(aggregate(0, good, bad), "overrun");
  }

  @Test
  void truncatedHeaderEmitsNothing() {
    assertRejected(aggregate(0, tag(MessageType.AUDIO, 0, bytes(0xAF, 0x01)), bytes(0x09, 0x00, 0x00)), "header cut off");
  }

  @Test
  void missingBackPointerEmitsNothing() {
    byte[] last = tag(MessageType.AUDIO, 0, bytes(0xAF, 0x01));
    byte[] withoutBackPointer = Arrays.copyOf(last, last.length - 4);
    assertRejected(aggregate(0, tag(MessageType.AUDIO, 0, bytes(0xAF, 0x01)), withoutBackPointer), "back pointer");
  }

  @Test
  void tooManySubMessagesEmitsNothing() {
    byte[] one = tag(MessageType.AUDIO, 0, bytes(0xAF, 0x01));
    RtmpMessage aggregate = aggregate(0, one, one, one);
    try {
      assertThatThrownBy(() -> AggregateMessages.split(aggregate, 2, emitted::add))
          .isInstanceOf(RtmpProtocolException.class)
          .hasMessageContaining("more than 2");
      assertThat(emitted).isEmpty();
      assertThat(AggregateMessages.split(aggregate, 3, emitted::add)).isEqualTo(3);
    } finally {
      aggregate.release();
    }
  }

  @Test
  void rejectsNonPositiveLimit() {
    RtmpMessage aggregate = aggregate(0);
    try {
      assertThatThrownBy(() -> AggregateMessages.split(aggregate, 0, emitted::add))
          .isInstanceOf(IllegalArgumentException.class);
    } finally {
      aggregate.release();
    }
  }

  private void assertRejected(RtmpMessage aggregate, String detail) {
    try {
      assertThatThrownBy(() -> AggregateMessages.split(aggregate, 16, emitted::add))
          .isInstanceOfSatisfying(RtmpProtocolException.class, e -> assertThat(e.reason()).isEqualTo("aggregate"))
          .hasMessageContaining(detail);
      assertThat(emitted).isEmpty();
      assertThat(aggregate.refCnt()).isEqualTo(1);
    } finally {
      aggregate.release();
    }
  }
}
