package io.cascade.rtmp.handshake;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Cascade's client handler talking to its server handler through two embedded channels. */
class HandshakeInteropTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Recorder serverEvents = new Recorder();
  private final Recorder clientEvents = new Recorder();
  private final EmbeddedChannel server =
      new EmbeddedChannel(new ServerHandshakeHandler(TIMEOUT), serverEvents);
  private EmbeddedChannel client;

  @AfterEach
  void release() {
    server.finishAndReleaseAll();
    client.finishAndReleaseAll();
  }

  @ParameterizedTest(name = "complex={0}, fragment={1}")
  @CsvSource({"true, 100000", "false, 100000", "true, 1", "false, 1", "true, 517"})
  void bothSidesComplete(boolean complex, int fragment) {
    client = new EmbeddedChannel(new ClientHandshakeHandler(TIMEOUT, complex), clientEvents);

    while (pump(client, server, fragment) | pump(server, client, fragment)) {
      // until both sides are quiet
    }

    assertThat(serverEvents.events).containsExactly(new HandshakeCompleted(complex));
    assertThat(clientEvents.events).containsExactly(new HandshakeCompleted(complex));
    assertThat(serverEvents.exceptions).isEmpty();
    assertThat(clientEvents.exceptions).isEmpty();
    assertThat(server.pipeline().first()).isSameAs(serverEvents);
    assertThat(client.pipeline().first()).isSameAs(clientEvents);

    byte[] connect = "connect".getBytes(StandardCharsets.US_ASCII);
    client.writeOutbound(Unpooled.wrappedBuffer(connect));
    pump(client, server, fragment);
    assertThat(FlashReference.drainInbound(server)).isEqualTo(connect);
  }

  /** Moves everything {@code from} wrote into {@code to}, in pieces; true if anything moved. */
  private static boolean pump(EmbeddedChannel from, EmbeddedChannel to, int fragment) {
    boolean moved = false;
    for (ByteBuf buf; (buf = from.readOutbound()) != null; ) {
      moved = true;
      while (buf.isReadable()) {
        to.writeInbound(buf.readRetainedSlice(Math.min(fragment, buf.readableBytes())));
      }
      buf.release();
    }
    return moved;
  }
}
