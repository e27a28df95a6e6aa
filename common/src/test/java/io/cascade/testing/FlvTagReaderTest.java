package io.cascade.testing;

import static io.cascade.testing.Payloads.bytes;
import static io.cascade.testing.Payloads.u24;
import static io.cascade.testing.Payloads.u32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.client.SyntheticMedia;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The FLV reader of the bench's HTTP-FLV players and the HTTP-FLV ITs: an FLV stream written by the
 * server's own packager ({@link SyntheticFlv}), cut at every byte boundary, must give the same tags
 * as read whole, with head-only or whole bodies; a second FLV header is counted, and a stream that
 * is not FLV, or a reader that lost its place, fails with the reason.
 */
class FlvTagReaderTest {
  /** Enough of a body for {@link SyntheticMedia#parse}, as the bench keeps. */
  private static final int HEAD = 64;
  private static final byte[] HEADER = bytes("FLV", 1, 5, u32(9), u32(0));

  /** What the sink saw of one tag: the stamp's sequence number, -1 without a stamp. */
  record Seen(int type, long timestamp, int size, int kept, long sequence) {}

  @Test
  void headIsEnoughForTheStamp() {
    assertThat(HEAD).isGreaterThanOrEqualTo(Math.max(SyntheticMedia.minVideoFrameSize(), SyntheticMedia.minAudioFrameSize()));
  }

  @Test
  void everyTwoPieceSplitAndByteByByteReadTheSameTags() {
    byte[] flv = SyntheticFlv.stream(true);
    List<Seen> whole = read(HEAD, flv, flv.length);
    assertThat(whole).containsExactly(
        new Seen(18, 0, 13, 13, -1),
        new Seen(9, 0, 48, 48, -1),
        new Seen(8, 0, 4, 4, -1),
        new Seen(8, 0, 0, 0, -1),
        new Seen(9, 0, 300, HEAD, 0),
        new Seen(8, 21, 40, 40, 0),
        new Seen(9, 33, 120, HEAD, 1),
        new Seen(8, 43, 40, 40, 1),
        new Seen(9, 0x01234567L, 120, HEAD, 2));
    assertThat(whole).extracting(Seen::size).isEqualTo(SyntheticFlv.SIZES);
    assertThat(read(HEAD, flv, 1)).isEqualTo(whole);
    for (int cut = 1; cut < flv.length; cut++) {
      List<Seen> seen = new ArrayList<>();
      FlvTagReader reader = new FlvTagReader(HEAD, recorder(seen));
      feed(reader, flv, 0, cut);
      feed(reader, flv, cut, flv.length);
      assertThat(seen).as("cut at byte %d", cut).isEqualTo(whole);
      assertThat(reader.headers()).isEqualTo(1);
      assertThat(reader.tags()).isEqualTo(9);
      assertThat(reader.bytes()).isEqualTo(flv.length);
    }
  }

  @Test
  void wholeBodiesAreTheTagsBodiesByteForByte() {
    byte[] flv = SyntheticFlv.stream(true);
    List<byte[]> bodies = new ArrayList<>();
    FlvTagReader reader = new FlvTagReader(FlvTagReader.WHOLE_BODIES, (type, timestamp, body, size) -> {
      assertThat(body.readableBytes()).isEqualTo(size);
      bodies.add(ByteBufUtil.getBytes(body));
    });
    for (int at = 0; at < flv.length; at += 7) {
      feed(reader, flv, at, Math.min(flv.length, at + 7));
    }
    assertThat(bodies).extracting(b -> b.length).isEqualTo(SyntheticFlv.SIZES);
    // Each body sits in the stream after its 11-byte tag header and before its PreviousTagSize.
    int at = 13;
    for (byte[] body : bodies) {
      at += 11;
      assertThat(body).isEqualTo(Arrays.copyOfRange(flv, at, at + body.length));
      at += body.length + 4;
    }
    assertThat(at).isEqualTo(flv.length);
  }

  @Test
  void wholeBodiesOfHandBuiltTagsFedOneByteAtATime() {
    byte[] stream = bytes(HEADER, tag(9, 0x01020304L, bytes(0x17, 0)), tag(8, 40, bytes(0xAF, 1, 2)));
    List<Integer> types = new ArrayList<>();
    List<Long> timestamps = new ArrayList<>();
    List<byte[]> bodies = new ArrayList<>();
    FlvTagReader reader = new FlvTagReader(FlvTagReader.WHOLE_BODIES, (type, timestamp, body, size) -> {
      types.add(type);
      timestamps.add(timestamp);
      bodies.add(ByteBufUtil.getBytes(body));
    });
    for (int i = 0; i < stream.length; i++) {
      feed(reader, stream, i, i + 1);
    }
    assertThat(reader.problem()).isNull();
    assertThat(types).containsExactly(9, 8);
    assertThat(timestamps).as("extended byte on top").containsExactly(0x01020304L, 40L);
    assertThat(bodies.get(1)).containsExactly(0xAF, 1, 2);
  }

  @Test
  void aBodyLargerThanTheFirstBufferIsKeptWhole() {
    byte[] big = new byte[200_000];
    for (int i = 0; i < big.length; i++) {
      big[i] = (byte) (i * 31);
    }
    byte[] stream = bytes(HEADER, tag(9, 0, bytes(0x17, 0)), tag(9, 40, big), tag(9, 80, bytes(0x27, 1)));
    List<byte[]> bodies = new ArrayList<>();
    FlvTagReader reader = new FlvTagReader(FlvTagReader.WHOLE_BODIES,
        (type, timestamp, body, size) -> bodies.add(ByteBufUtil.getBytes(body)));
    feed(reader, stream, 0, stream.length);
    assertThat(bodies).hasSize(3);
    assertThat(bodies.get(1)).isEqualTo(big);
    assertThat(bodies.get(2)).containsExactly(0x27, 1);
  }

  @Test
  void headOnlyReadingHandsTheSameBufferForEveryTag() {
    byte[] flv = SyntheticFlv.stream(true);
    List<ByteBuf> buffers = new ArrayList<>();
    FlvTagReader reader = new FlvTagReader(HEAD, (type, timestamp, body, size) -> buffers.add(body));
    feed(reader, flv, 0, flv.length);
    Set<Integer> identities = buffers.stream().map(System::identityHashCode).collect(Collectors.toSet());
    assertThat(buffers).hasSize(9);
    assertThat(identities).as("one buffer, reused: nothing allocated per tag").hasSize(1);
  }

  @Test
  void aDataOffsetPastTheHeaderIsSkipped() {
    byte[] stream = bytes("FLV", 1, 5, u32(12), 0xEE, 0xEE, 0xEE, u32(0), tag(8, 5, bytes(0xAF, 1)));
    List<Seen> seen = read(HEAD, stream, 1);
    assertThat(seen).containsExactly(new Seen(8, 5, 2, 2, -1));
  }

  @Test
  void countsASecondHeaderWhereATagShouldStart() {
    byte[] stream = bytes(HEADER, tag(9, 0, bytes(0x17, 0)), HEADER, tag(9, 33, bytes(0x27, 1)));
    for (int piece : new int[] {1, 2, 5, stream.length}) {
      List<Seen> seen = new ArrayList<>();
      FlvTagReader reader = new FlvTagReader(FlvTagReader.WHOLE_BODIES, recorder(seen));
      for (int at = 0; at < stream.length; at += piece) {
        feed(reader, stream, at, Math.min(stream.length, at + piece));
      }
      assertThat(reader.headers()).as("pieces of %d", piece).isEqualTo(2);
      assertThat(reader.problem()).isNull();
      assertThat(seen).extracting(Seen::timestamp).containsExactly(0L, 33L);
    }
  }

  @Test
  void aReaderThatLosesItsPlaceFailsInsteadOfMiscounting() {
    byte[] flv = SyntheticFlv.stream(true);
    byte[] badPrevious = flv.clone();
    // The PreviousTagSize after the script tag: header 13, tag 11 + 13.
    badPrevious[13 + 11 + 13 + 3]++;
    assertFails(badPrevious, 1, "PreviousTagSize 25 where 24 was due");
    byte[] badType = flv.clone();
    badType[13] = 7;
    assertFails(badType, 0, "byte 0x07: not an audio, video or script tag");
    byte[] reserved = flv.clone();
    reserved[13] = (byte) (0x80 | 18);
    assertFails(reserved, 0, "byte 0x92");
    byte[] streamId = flv.clone();
    streamId[13 + 10] = 1;
    assertFails(streamId, 0, "stream id 1");
    byte[] notFlvAgain = bytes(HEADER, tag(9, 0, bytes(0x17, 0)), "FLX", 1, 5, u32(9), u32(0));
    assertFails(notFlvAgain, 1, "no FLV signature");
    byte[] shortOffset = bytes("FLV", 1, 5, u32(4), u32(0));
    assertFails(shortOffset, 0, "DataOffset 4");
  }

  @Test
  void refusesAStreamWithoutHeader() {
    byte[] stream = tag(9, 0, bytes(0x17, 0));
    assertFails(stream, 0, "does not start with an FLV header");
    byte[] notFlv = SyntheticFlv.stream(true);
    notFlv[0] = 'G';
    assertFails(notFlv, 0, "does not start with an FLV header");
  }

  @Test
  void afterAFailureEveryReadFailsTheSameAndNothingMoreIsHandedOn() {
    byte[] bad = tag(8, 0, bytes(1, 2, 3));
    bad[bad.length - 1]++;
    byte[] stream = bytes(HEADER, bad, tag(8, 20, bytes(4)));
    List<Seen> seen = new ArrayList<>();
    FlvTagReader reader = new FlvTagReader(HEAD, recorder(seen));
    ByteBuf in = Unpooled.wrappedBuffer(stream);
    assertThatThrownBy(() -> reader.read(in)).isInstanceOf(CorruptedFrameException.class)
        .hasMessageContaining("PreviousTagSize 15 where 14 was due").hasMessageContaining("after 1 headers and 1 tags");
    assertThat(reader.problem()).contains("PreviousTagSize 15");
    assertThatThrownBy(() -> reader.read(Unpooled.wrappedBuffer(tag(8, 40, bytes(5)))))
        .isInstanceOf(CorruptedFrameException.class).hasMessageContaining("PreviousTagSize 15");
    assertThat(seen).as("only the tag before the bad PreviousTagSize").hasSize(1);
  }

  private static void assertFails(byte[] stream, int tagsBefore, String reason) {
    List<Seen> seen = new ArrayList<>();
    FlvTagReader reader = new FlvTagReader(HEAD, recorder(seen));
    assertThatThrownBy(() -> reader.read(Unpooled.wrappedBuffer(stream)))
        .isInstanceOf(CorruptedFrameException.class).hasMessageContaining(reason);
    assertThat(reader.problem()).contains(reason);
    assertThat(seen).hasSize(tagsBefore);
  }

  private static FlvTagReader.Sink recorder(List<Seen> seen) {
    return (type, timestamp, body, size) -> {
      SyntheticMedia.Stamp stamp = SyntheticMedia.parse(type, body);
      seen.add(new Seen(type, timestamp, size, body.readableBytes(), stamp == null ? -1 : stamp.sequence()));
    };
  }

  private static List<Seen> read(int keep, byte[] flv, int piece) {
    List<Seen> seen = new ArrayList<>();
    FlvTagReader reader = new FlvTagReader(keep, recorder(seen));
    for (int at = 0; at < flv.length; at += piece) {
      feed(reader, flv, at, Math.min(flv.length, at + piece));
    }
    return seen;
  }

  private static void feed(FlvTagReader reader, byte[] bytes, int from, int to) {
    ByteBuf piece = Unpooled.wrappedBuffer(bytes, from, to - from);
    reader.read(piece);
    assertThat(piece.isReadable()).as("the reader takes every byte it is given").isFalse();
  }

  /** A tag as FLV 10.1 E.4.1 lays it out, stream id 0, followed by its PreviousTagSize. */
  private static byte[] tag(int type, long timestamp, byte[] body) {
    return bytes(type, u24(body.length), u24((int) timestamp), (int) (timestamp >>> 24) & 0xFF, u24(0), body,
        u32(11 + body.length));
  }
}
