package io.cascade.rtmp.handshake;

import static io.cascade.rtmp.handshake.FlashReference.DIGEST_FIRST_BASE;
import static io.cascade.rtmp.handshake.FlashReference.FMS_FULL;
import static io.cascade.rtmp.handshake.FlashReference.FP_FULL;
import static io.cascade.rtmp.handshake.FlashReference.FP_TEXT;
import static io.cascade.rtmp.handshake.FlashReference.KEY_FIRST_BASE;
import static io.cascade.rtmp.handshake.FlashReference.SIZE;
import static io.cascade.rtmp.handshake.FlashReference.concat;
import static io.cascade.rtmp.handshake.FlashReference.range;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.rtmp.RtmpProtocolException;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ClientHandshakeHandlerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(3);
  private static final byte[] S0 = {3};

  private final Random random = new Random(11);
  private final Recorder recorder = new Recorder();
  private EmbeddedChannel channel;

  @AfterEach
  void release() {
    channel.finishAndReleaseAll();
  }

  private byte[] connect(boolean complex) {
    channel = new EmbeddedChannel(new ClientHandshakeHandler(TIMEOUT, complex), recorder);
    byte[] c0c1 = FlashReference.drainOutbound(channel);
    assertThat(c0c1).hasSize(1 + SIZE);
    assertThat(c0c1[0]).isEqualTo((byte) 3);
    return range(c0c1, 1, SIZE);
  }

  @Test
  void complexC1CarriesAPlayerDigestInTheDigestFirstLayout() {
    byte[] c1 = connect(true);

    assertThat(range(c1, 4, 4)).isNotEqualTo(new byte[4]);
    assertThat(FlashReference.hasDigest(c1, FP_TEXT, DIGEST_FIRST_BASE)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(ints = {DIGEST_FIRST_BASE, KEY_FIRST_BASE})
  void complexServerGetsASignedC2(int base) {
    connect(true);
    byte[] s1 = FlashReference.fmsS1(random, base);
    byte[] tail = "after-s2".getBytes(StandardCharsets.US_ASCII);

    FlashReference.writeInFragments(channel,
        concat(S0, s1, FlashReference.randomBytes(random, SIZE), tail), 5, 700);

    byte[] c2 = FlashReference.drainOutbound(channel);
    assertThat(c2).hasSize(SIZE);
    FlashReference.assertSigned(c2, FP_FULL, FlashReference.digestAt(s1, base));
    assertCompleted(true);
    assertThat(FlashReference.drainInbound(channel)).isEqualTo(tail);
  }

  @Test
  void plainServerGetsS1EchoedEvenFromAComplexClient() {
    connect(true);
    byte[] s1 = FlashReference.randomBytes(random, SIZE);
    Arrays.fill(s1, 4, 8, (byte) 0);

    channel.writeInbound(Unpooled.wrappedBuffer(concat(S0, s1, new byte[SIZE])));

    assertThat(FlashReference.drainOutbound(channel)).isEqualTo(s1);
    assertCompleted(false);
  }

  @Test
  void plainClientSendsZeroVersionAndEchoesS1() {
    byte[] c1 = connect(false);
    assertThat(range(c1, 4, 4)).isEqualTo(new byte[4]);
    byte[] s1 = FlashReference.fmsS1(random, DIGEST_FIRST_BASE);

    FlashReference.writeInFragments(channel, concat(S0, s1, c1), 1);

    assertThat(FlashReference.drainOutbound(channel)).isEqualTo(s1);
    assertCompleted(false);
  }

  @Test
  void s1WithVersionButNoDigestIsRejected() {
    connect(true);
    byte[] s1 = FlashReference.fmsS1(random, KEY_FIRST_BASE);
    s1[SIZE - 1] ^= 1;
    s1[900] ^= 1;

    channel.writeInbound(Unpooled.wrappedBuffer(concat(S0, s1, new byte[SIZE])));

    RtmpProtocolException error = singleError();
    assertThat(error.reason()).isEqualTo("handshake_digest");
    assertThat(error.getMessage()).contains("3.5.1.1");
    assertThat(FlashReference.drainOutbound(channel)).isEmpty();
    assertThat(recorder.events).isEmpty();
    assertThat(channel.runScheduledPendingTasks()).isEqualTo(-1);
  }

  @Test
  void wrongS0IsRejected() {
    connect(true);

    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {6, 0, 0}));
    channel.writeInbound(Unpooled.wrappedBuffer(new byte[2 * SIZE]));

    assertThat(singleError().reason()).isEqualTo("handshake_version");
    assertThat(FlashReference.drainOutbound(channel)).isEmpty();
  }

  @Test
  void silentServerTimesOut() {
    connect(true);
    channel.writeInbound(Unpooled.wrappedBuffer(concat(S0, new byte[SIZE])));

    channel.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();

    RtmpProtocolException error = singleError();
    assertThat(error.reason()).isEqualTo("handshake_timeout");
    assertThat(error.getMessage()).contains("3000 ms", "1537 of 3073");
  }

  @Test
  void s2SignedByTheServerHandlerVerifiesAgainstTheClientDigest() {
    byte[] c1 = connect(true);
    EmbeddedChannel server = new EmbeddedChannel(new ServerHandshakeHandler(TIMEOUT));
    server.writeInbound(Unpooled.wrappedBuffer(concat(S0, c1)));
    byte[] reply = FlashReference.drainOutbound(server);
    server.finishAndReleaseAll();

    FlashReference.assertSigned(range(reply, 1 + SIZE, SIZE), FMS_FULL,
        FlashReference.digestAt(c1, DIGEST_FIRST_BASE));
    channel.writeInbound(Unpooled.wrappedBuffer(reply));
    assertCompleted(true);
  }

  private void assertCompleted(boolean complex) {
    assertThat(recorder.events).containsExactly(new HandshakeCompleted(complex));
    assertThat(recorder.exceptions).isEmpty();
    assertThat(channel.pipeline().get(ClientHandshakeHandler.class)).isNull();
    assertThat(channel.pipeline().first()).isSameAs(recorder);
    assertThat(channel.runScheduledPendingTasks()).isEqualTo(-1);
  }

  private RtmpProtocolException singleError() {
    assertThat(recorder.exceptions).hasSize(1);
    assertThat(recorder.exceptions.get(0)).isInstanceOf(RtmpProtocolException.class);
    return (RtmpProtocolException) recorder.exceptions.get(0);
  }
}
