package io.cascade.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.client.SyntheticMedia;
import io.cascade.flv.FlvHeader;
import io.cascade.flv.FlvTagPackager;
import io.cascade.live.MediaFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.CorruptedFrameException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The HTTP-FLV bench player's reading: an FLV stream written by the server's own
 * {@link FlvHeader} and {@link FlvTagPackager}, cut at every byte boundary and carried in HTTP
 * chunks of odd sizes, must give the same tags, and the same accounting, as read whole.
 */
class FlvTagReaderTest {
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
  private static final long SENT = 1_700_000_000_000_000L;

  /** What the sink saw of one tag: the stamp's sequence number, -1 without a stamp. */
  record Seen(int type, long timestamp, int size, int headBytes, long sequence) {}

  @Test
  void headIsLongEnoughForTheStamp() {
    assertThat(BenchPlayer.HEAD_BYTES)
        .isGreaterThanOrEqualTo(Math.max(SyntheticMedia.minVideoFrameSize(), SyntheticMedia.minAudioFrameSize()));
  }

  @Test
  void everyTwoPieceSplitAndByteByByteReadTheSameTags() {
    byte[] flv = stream(true);
    List<Seen> whole = read(flv, flv.length);
    assertThat(whole).containsExactly(
        new Seen(18, 0, 13, 13, -1),
        new Seen(9, 0, 48, 48, -1),
        new Seen(8, 0, 4, 4, -1),
        new Seen(8, 0, 0, 0, -1),
        new Seen(9, 0, 300, BenchPlayer.HEAD_BYTES, 0),
        new Seen(8, 21, 40, 40, 0),
        new Seen(9, 33, 120, BenchPlayer.HEAD_BYTES, 1),
        new Seen(8, 43, 40, 40, 1),
        new Seen(9, 0x01234567L, 120, BenchPlayer.HEAD_BYTES, 2));
    assertThat(read(flv, 1)).isEqualTo(whole);
    for (int cut = 1; cut < flv.length; cut++) {
      List<Seen> seen = new ArrayList<>();
      FlvTagReader reader = new FlvTagReader(recorder(seen));
      feed(reader, flv, 0, cut);
      feed(reader, flv, cut, flv.length);
      assertThat(seen).as("cut at byte %d", cut).isEqualTo(whole);
    }
  }

  @Test
  void theAccountingCountsFramesBytesAndGaps() {
    BenchPlayer clean = player();
    new FlvTagReader(clean::onTag).read(Unpooled.wrappedBuffer(stream(true)));
    assertThat(clean.frames).isEqualTo(5);
    assertThat(clean.payloadBytes).isEqualTo(13 + 48 + 4 + 0 + 300 + 40 + 120 + 40 + 120);
    assertThat(clean.hasGaps()).isFalse();
    assertThat(clean.firstFrameNotKeyframe).isFalse();
    assertThat(clean.timestampRegressions).isZero();

    BenchPlayer gapped = player();
    new FlvTagReader(gapped::onTag).read(Unpooled.wrappedBuffer(stream(false)));
    assertThat(gapped.gapEvents).isEqualTo(1);
    assertThat(gapped.missingFrames).isEqualTo(1);
  }

  @Test
  void aReaderThatLosesItsPlaceFailsInsteadOfMiscounting() {
    byte[] flv = stream(true);
    byte[] badPrevious = flv.clone();
    // The PreviousTagSize after the script tag: header 13, tag 11 + 13.
    badPrevious[13 + 11 + 13 + 3]++;
    assertThatThrownBy(() -> new FlvTagReader(recorder(new ArrayList<>())).read(Unpooled.wrappedBuffer(badPrevious)))
        .isInstanceOf(CorruptedFrameException.class).hasMessageContaining("PreviousTagSize 25 where 24 was due");
    byte[] notFlv = flv.clone();
    notFlv[0] = 'G';
    assertThatThrownBy(() -> new FlvTagReader(recorder(new ArrayList<>())).read(Unpooled.wrappedBuffer(notFlv)))
        .isInstanceOf(CorruptedFrameException.class).hasMessageContaining("signature");
    byte[] badType = flv.clone();
    badType[13] = 7;
    assertThatThrownBy(() -> new FlvTagReader(recorder(new ArrayList<>())).read(Unpooled.wrappedBuffer(badType)))
        .isInstanceOf(CorruptedFrameException.class).hasMessageContaining("tag type 7");
  }

  @Test
  void chunkedResponseReadInPiecesOfEverySizeIsCountedLikeTheWholeStream() {
    byte[] flv = stream(true);
    BenchPlayer reference = player();
    new FlvTagReader(reference::onTag).read(Unpooled.wrappedBuffer(flv));
    byte[] body = chunked(flv, new int[] {1, 7, 13, 100, 4096, 2, 64});
    for (int read : new int[] {1, 2, 3, 5, 11, 64, 1000, body.length}) {
      BenchPlayer p = player();
      FlvPlayerLink link = new FlvPlayerLink(null, "127.0.0.1", 8080, "/live/x.flv", 0, p);
      p.link = link;
      EmbeddedChannel ch = new EmbeddedChannel();
      try {
        link.initPipeline(ch.pipeline());
        CompletableFuture<Void> answered = link.connected(ch);
        ByteBuf request = ch.readOutbound();
        try {
          assertThat(request.toString(StandardCharsets.US_ASCII)).startsWith("GET /live/x.flv HTTP/1.1\r\n")
              .containsIgnoringCase("host: 127.0.0.1:8080\r\n");
        } finally {
          request.release();
        }
        feed(ch, ("HTTP/1.1 200 OK\r\ncontent-type: video/x-flv\r\ntransfer-encoding: chunked\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII), read);
        assertThat(answered).as("answered by the status line").isCompleted();
        feed(ch, body, read);
        assertThat(p.frames).as("reads of %d bytes", read).isEqualTo(reference.frames);
        assertThat(p.payloadBytes).isEqualTo(reference.payloadBytes);
        assertThat(p.hasGaps()).isFalse();
        assertThat(p.unexpectedClose).isNull();
        feed(ch, "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII), read);
        assertThat(p.unexpectedClose).as("the end of the response is a close by the server")
            .hasMessageContaining("ended the response after 9 tags");
        assertThat(ch.isOpen()).isFalse();
      } finally {
        ch.finishAndReleaseAll();
      }
    }
  }

  @Test
  void aRefusalFailsThePlayWithTheStatusAndReason() {
    BenchPlayer p = player();
    FlvPlayerLink link = new FlvPlayerLink(null, "127.0.0.1", 8080, "/live/none.flv", 0, p);
    p.link = link;
    EmbeddedChannel ch = new EmbeddedChannel();
    try {
      link.initPipeline(ch.pipeline());
      CompletableFuture<Void> answered = link.connected(ch);
      ((ByteBuf) ch.readOutbound()).release();
      feed(ch, "HTTP/1.1 404 Not Found\r\ncontent-type: text/plain\r\ncontent-length: 17\r\n\r\nstream_not_found\n"
          .getBytes(StandardCharsets.US_ASCII), 5);
      assertThat(answered).isCompletedExceptionally();
      assertThatThrownBy(answered::join).hasMessageContaining("404").hasMessageContaining("stream_not_found");
      assertThat(p.unexpectedClose).as("a refused play is a failed play, not a close").isNull();
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void closingByTheBenchIsNotACloseByTheServer() {
    BenchPlayer p = player();
    FlvPlayerLink link = new FlvPlayerLink(null, "127.0.0.1", 8080, "/live/x.flv", 0, p);
    p.link = link;
    EmbeddedChannel ch = new EmbeddedChannel();
    try {
      link.initPipeline(ch.pipeline());
      link.connected(ch);
      ((ByteBuf) ch.readOutbound()).release();
      feed(ch, ("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII), 1000);
      CompletableFuture<Void> closed = link.close();
      ch.runPendingTasks();
      assertThat(closed).isCompleted();
      assertThat(p.unexpectedClose).isNull();
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  private static BenchPlayer player() {
    return new BenchPlayer(0, false, new LagBook(), new LagBook());
  }

  private static FlvTagReader.Sink recorder(List<Seen> seen) {
    return (type, timestamp, head, size) -> {
      SyntheticMedia.Stamp stamp = SyntheticMedia.parse(type, head);
      seen.add(new Seen(type, timestamp, size, head.readableBytes(), stamp == null ? -1 : stamp.sequence()));
    };
  }

  private static List<Seen> read(byte[] flv, int piece) {
    List<Seen> seen = new ArrayList<>();
    FlvTagReader reader = new FlvTagReader(recorder(seen));
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

  /** Writes {@code bytes} into the channel as socket reads of {@code read} bytes. */
  private static void feed(EmbeddedChannel ch, byte[] bytes, int read) {
    for (int at = 0; at < bytes.length; at += read) {
      int n = Math.min(read, bytes.length - at);
      ByteBuf piece = ALLOC.buffer(n);
      piece.writeBytes(bytes, at, n);
      ch.writeInbound(piece);
    }
  }

  /** {@code body} in HTTP/1.1 chunks whose sizes cycle through {@code sizes}; no last chunk. */
  private static byte[] chunked(byte[] body, int[] sizes) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int at = 0;
    for (int i = 0; at < body.length; i++) {
      int n = Math.min(sizes[i % sizes.length], body.length - at);
      out.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body, at, n);
      out.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
      at += n;
    }
    return out.toByteArray();
  }

  /**
   * An FLV stream as the origin writes it: header, script data, both sequence headers, an empty
   * audio tag, then stamped video (a keyframe larger than the reader's head, inter frames) and
   * audio, the last with a timestamp past 24 bits. Without {@code complete}, video frame 1 is left
   * out (a gap).
   */
  private static byte[] stream(boolean complete) {
    List<ByteBuf> parts = new ArrayList<>();
    parts.add(FlvHeader.encode(ALLOC, true, true));
    parts.add(tag(MediaFrame.Kind.DATA, 0, Unpooled.wrappedBuffer(
        new byte[] {2, 0, 10, 'o', 'n', 'M', 'e', 't', 'a', 'D', 'a', 't', 'a'})));
    parts.add(tag(MediaFrame.Kind.VIDEO, 0, SyntheticMedia.avcSequenceHeader(ALLOC)));
    parts.add(tag(MediaFrame.Kind.AUDIO, 0, SyntheticMedia.aacSequenceHeader(ALLOC)));
    parts.add(tag(MediaFrame.Kind.AUDIO, 0, Unpooled.EMPTY_BUFFER));
    parts.add(tag(MediaFrame.Kind.VIDEO, 0, SyntheticMedia.videoFrame(ALLOC, true, 0, SENT, 300)));
    parts.add(tag(MediaFrame.Kind.AUDIO, 21, SyntheticMedia.audioFrame(ALLOC, 0, SENT, 40)));
    if (complete) {
      parts.add(tag(MediaFrame.Kind.VIDEO, 33, SyntheticMedia.videoFrame(ALLOC, false, 1, SENT, 120)));
    }
    parts.add(tag(MediaFrame.Kind.AUDIO, 43, SyntheticMedia.audioFrame(ALLOC, 1, SENT, 40)));
    parts.add(tag(MediaFrame.Kind.VIDEO, 0x01234567L, SyntheticMedia.videoFrame(ALLOC, false, 2, SENT, 120)));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ByteBuf b : parts) {
      out.writeBytes(ByteBufUtil.getBytes(b));
      b.release();
    }
    return out.toByteArray();
  }

  /** One tag by the server's packager; takes ownership of {@code body}. */
  private static ByteBuf tag(MediaFrame.Kind kind, long dts, ByteBuf body) {
    MediaFrame frame = new MediaFrame(kind, 0, dts, 0, 0, "", 0, 0, body);
    try {
      return FlvTagPackager.INSTANCE.encode(frame, ALLOC);
    } finally {
      frame.release();
    }
  }
}
