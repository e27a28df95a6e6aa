package io.cascade.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.client.SyntheticMedia;
import io.cascade.testing.FlvTagReader;
import io.cascade.testing.SyntheticFlv;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The HTTP-FLV bench player: the FLV it reads (the server's own packaging, {@link SyntheticFlv})
 * is counted like the RTMP player's messages, whatever the HTTP chunks and socket reads cut it
 * into; a refusal fails the play with its status and reason; the response ending, or the server
 * starting the stream over, is a close by the server, the bench's own close is not. The reading
 * itself is {@link FlvTagReader}'s, tested on its own.
 */
class FlvPlayerLinkTest {
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;

  @Test
  void headIsLongEnoughForTheStamp() {
    assertThat(BenchPlayer.HEAD_BYTES)
        .isGreaterThanOrEqualTo(Math.max(SyntheticMedia.minVideoFrameSize(), SyntheticMedia.minAudioFrameSize()));
  }

  @Test
  void theAccountingCountsFramesBytesAndGaps() {
    BenchPlayer clean = player();
    reader(clean).read(Unpooled.wrappedBuffer(SyntheticFlv.stream(true)));
    assertThat(clean.frames).isEqualTo(5);
    assertThat(clean.payloadBytes).isEqualTo(SyntheticFlv.SIZES.stream().mapToLong(Integer::longValue).sum());
    assertThat(clean.hasGaps()).isFalse();
    assertThat(clean.firstFrameNotKeyframe).isFalse();
    assertThat(clean.timestampRegressions).isZero();

    BenchPlayer gapped = player();
    reader(gapped).read(Unpooled.wrappedBuffer(SyntheticFlv.stream(false)));
    assertThat(gapped.gapEvents).isEqualTo(1);
    assertThat(gapped.missingFrames).isEqualTo(1);
  }

  @Test
  void chunkedResponseReadInPiecesOfEverySizeIsCountedLikeTheWholeStream() {
    byte[] flv = SyntheticFlv.stream(true);
    BenchPlayer reference = player();
    reader(reference).read(Unpooled.wrappedBuffer(flv));
    byte[] body = chunked(flv, new int[] {1, 7, 13, 100, 4096, 2, 64});
    for (int read : new int[] {1, 2, 3, 5, 11, 64, 1000, body.length}) {
      Linked l = connect("/live/x.flv");
      BenchPlayer p = l.player();
      EmbeddedChannel ch = l.channel();
      CompletableFuture<Void> answered = l.answered();
      try {
        assertThat(l.request()).startsWith("GET /live/x.flv HTTP/1.1\r\n")
            .containsIgnoringCase("host: 127.0.0.1:8080\r\n");
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
    Linked l = connect("/live/none.flv");
    BenchPlayer p = l.player();
    EmbeddedChannel ch = l.channel();
    CompletableFuture<Void> answered = l.answered();
    try {
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
    Linked l = connect("/live/x.flv");
    BenchPlayer p = l.player();
    FlvPlayerLink link = l.link();
    EmbeddedChannel ch = l.channel();
    try {
      feed(ch, ("HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n").getBytes(StandardCharsets.US_ASCII), 1000);
      CompletableFuture<Void> closed = link.close();
      ch.runPendingTasks();
      assertThat(closed).isCompleted();
      assertThat(p.unexpectedClose).isNull();
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  @Test
  void aMalformedTagOrTheStreamStartingOverIsACloseByTheServerWithTheReason() {
    byte[] flv = SyntheticFlv.stream(true);
    byte[] badPrevious = flv.clone();
    // The PreviousTagSize after the script tag: header 13, tag 11 + 13.
    badPrevious[13 + 11 + 13 + 3]++;
    assertThat(closeByTheServer(badPrevious)).hasMessageContaining("PreviousTagSize 25 where 24 was due");
    byte[] twice = new byte[2 * flv.length];
    System.arraycopy(flv, 0, twice, 0, flv.length);
    System.arraycopy(flv, 0, twice, flv.length, flv.length);
    assertThat(closeByTheServer(twice)).hasMessageContaining("started the stream over: FLV header 2 before tag 10");
  }

  /** What a playing link reports as the server's close once it reads {@code flv} as the response body. */
  private static Throwable closeByTheServer(byte[] flv) {
    Linked l = connect("/live/x.flv");
    BenchPlayer p = l.player();
    EmbeddedChannel ch = l.channel();
    try {
      feed(ch, ("HTTP/1.1 200 OK\r\ncontent-type: video/x-flv\r\ncontent-length: " + flv.length + "\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII), 1000);
      feed(ch, flv, flv.length);
      assertThat(ch.isOpen()).isFalse();
      return p.unexpectedClose;
    } finally {
      ch.finishAndReleaseAll();
    }
  }

  /** A link on an embedded channel, connected: its GET already read from the channel. */
  private record Linked(BenchPlayer player, FlvPlayerLink link, EmbeddedChannel channel,
      CompletableFuture<Void> answered, String request) {
  }

  private static Linked connect(String path) {
    BenchPlayer p = player();
    FlvPlayerLink link = new FlvPlayerLink(null, "127.0.0.1", 8080, path, 0, p);
    p.link = link;
    EmbeddedChannel ch = new EmbeddedChannel();
    try {
      link.initPipeline(ch.pipeline());
      CompletableFuture<Void> answered = link.connected(ch);
      ByteBuf request = ch.readOutbound();
      try {
        return new Linked(p, link, ch, answered, request.toString(StandardCharsets.US_ASCII));
      } finally {
        request.release();
      }
    } catch (RuntimeException | Error e) {
      ch.finishAndReleaseAll();
      throw e;
    }
  }

  private static FlvTagReader reader(BenchPlayer p) {
    return new FlvTagReader(BenchPlayer.HEAD_BYTES, p::onTag);
  }

  private static BenchPlayer player() {
    return new BenchPlayer(0, false, new LagBook(), new LagBook());
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
}
