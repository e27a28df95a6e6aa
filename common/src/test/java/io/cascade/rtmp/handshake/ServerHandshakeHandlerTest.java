package io.cascade.rtmp.handshake;

import static io.cascade.rtmp.handshake.FlashReference.DIGEST_FIRST_BASE;
import static io.cascade.rtmp.handshake.FlashReference.FMS_FULL;
import static io.cascade.rtmp.handshake.FlashReference.FMS_TEXT;
import static io.cascade.rtmp.handshake.FlashReference.KEY_FIRST_BASE;
import static io.cascade.rtmp.handshake.FlashReference.SIZE;
import static io.cascade.rtmp.handshake.FlashReference.concat;
import static io.cascade.rtmp.handshake.FlashReference.range;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.rtmp.RtmpProtocolException;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelInboundHandlerAdapter;
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

class ServerHandshakeHandlerTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static final byte[] C0 = {3};
  private static final byte[] TAIL = "connect-chunk-bytes".getBytes(StandardCharsets.US_ASCII);

  private final Random random = new Random(7);
  private final Recorder recorder = new Recorder();
  private final EmbeddedChannel channel =
      new EmbeddedChannel(new ServerHandshakeHandler(TIMEOUT), recorder);

  @AfterEach
  void release() {
    channel.finishAndReleaseAll();
  }

  @Test
  void plainHandshakeEchoesC1() {
    byte[] c1 = FlashReference.randomBytes(random, SIZE);
    Arrays.fill(c1, 4, 8, (byte) 0);

    channel.writeInbound(Unpooled.wrappedBuffer(concat(C0, c1)));
    byte[] reply = FlashReference.drainOutbound(channel);

    assertThat(reply).hasSize(1 + 2 * SIZE);
    assertThat(reply[0]).isEqualTo((byte) 3);
    assertThat(range(reply, 1, 8)).containsOnly(0);
    assertThat(range(reply, 1 + SIZE, SIZE)).isEqualTo(c1);
    assertThat(recorder.events).isEmpty();

    channel.writeInbound(Unpooled.wrappedBuffer(FlashReference.randomBytes(random, SIZE)));
    assertCompleted(false);
  }

  @ParameterizedTest
  @ValueSource(ints = {DIGEST_FIRST_BASE, KEY_FIRST_BASE})
  void complexHandshakeSignsS1AndS2InTheClientsLayout(int base) {
    byte[] c1 = FlashReference.flashC1(random, base);

    channel.writeInbound(Unpooled.wrappedBuffer(concat(C0, c1)));
    byte[] reply = FlashReference.drainOutbound(channel);

    assertThat(reply).hasSize(1 + 2 * SIZE);
    assertThat(reply[0]).isEqualTo((byte) 3);
    byte[] s1 = range(reply, 1, SIZE);
    byte[] s2 = range(reply, 1 + SIZE, SIZE);
    // ffmpeg only checks the digest when the first version byte is at least 3
    assertThat(s1[4] & 0xFF).isGreaterThanOrEqualTo(3);
    assertThat(FlashReference.hasDigest(s1, FMS_TEXT, base)).isTrue();
    FlashReference.assertSigned(s2, FMS_FULL, FlashReference.digestAt(c1, base));

    channel.writeInbound(Unpooled.wrappedBuffer(FlashReference.randomBytes(random, SIZE)));
    assertCompleted(true);
  }

  @Test
  void versionWithoutValidDigestFallsBackToPlain() {
    byte[] c1 = FlashReference.flashC1(random, DIGEST_FIRST_BASE);
    c1[100] ^= 0x55;

    channel.writeInbound(Unpooled.wrappedBuffer(concat(C0, c1)));
    byte[] reply = FlashReference.drainOutbound(channel);

    assertThat(range(reply, 1 + 4, 4)).containsOnly(0);
    assertThat(range(reply, 1 + SIZE, SIZE)).isEqualTo(c1);
    channel.writeInbound(Unpooled.wrappedBuffer(new byte[SIZE]));
    assertCompleted(false);
  }

  @Test
  void zeroVersionIsPlainEvenWithADigest() {
    byte[] c1 = FlashReference.randomBytes(random, SIZE);
    Arrays.fill(c1, 4, 8, (byte) 0);
    HandshakeDigest.writeClientDigest(c1, HandshakeDigest.Layout.DIGEST_FIRST);

    channel.writeInbound(Unpooled.wrappedBuffer(concat(C0, c1)));
    byte[] reply = FlashReference.drainOutbound(channel);

    assertThat(range(reply, 1 + SIZE, SIZE)).isEqualTo(c1);
    channel.writeInbound(Unpooled.wrappedBuffer(new byte[SIZE]));
    assertCompleted(false);
  }

  @Test
  void byteByByteInputCompletesAndForwardsTheTail() {
    byte[] c1 = FlashReference.flashC1(random, KEY_FIRST_BASE);
    byte[] c2 = FlashReference.randomBytes(random, SIZE);

    FlashReference.writeInFragments(channel, concat(C0, c1), 1);
    assertThat(FlashReference.drainOutbound(channel)).hasSize(1 + 2 * SIZE);
    FlashReference.writeInFragments(channel, concat(c2, TAIL), 1);

    assertCompleted(true);
    assertThat(FlashReference.drainInbound(channel)).isEqualTo(TAIL);
  }

  @Test
  void oddFragmentsAcrossEveryBoundary() {
    byte[] c1 = FlashReference.flashC1(random, DIGEST_FIRST_BASE);
    byte[] c2 = FlashReference.randomBytes(random, SIZE);
    byte[] all = concat(C0, c1, c2, TAIL);

    FlashReference.writeInFragments(channel, all, 7, 1, 333, 1024, 2);

    assertThat(FlashReference.drainOutbound(channel)).hasSize(1 + 2 * SIZE);
    assertCompleted(true);
    assertThat(FlashReference.drainInbound(channel)).isEqualTo(TAIL);
  }

  @Test
  void everythingInOneReadForwardsBytesAfterC2InOrder() {
    byte[] later = "more-after".getBytes(StandardCharsets.US_ASCII);
    byte[] input = concat(C0, FlashReference.flashC1(random, DIGEST_FIRST_BASE),
        FlashReference.randomBytes(random, SIZE), TAIL);

    channel.writeInbound(Unpooled.wrappedBuffer(input));
    channel.writeInbound(Unpooled.wrappedBuffer(later));

    assertCompleted(true);
    assertThat(recorder.dataBeforeEvent).isFalse();
    assertThat(FlashReference.drainInbound(channel)).isEqualTo(concat(TAIL, later));
  }

  @ParameterizedTest
  @ValueSource(ints = {6, 0xFF, 'G'})
  void wrongVersionByteIsRejectedAtOnce(int version) {
    channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {(byte) version}));

    RtmpProtocolException error = singleError();
    assertThat(error.reason()).isEqualTo("handshake_version");
    assertThat(error.getMessage()).contains("version byte " + version);
    if (version == 6) {
      assertThat(error.getMessage()).contains("RTMPE");
    }
    assertThat(FlashReference.drainOutbound(channel)).isEmpty();
    assertNoTimerLeft();
  }

  @Test
  void garbageIsRejectedAndLaterInputDiscarded() {
    byte[] garbage = FlashReference.randomBytes(random, 3000);
    garbage[0] = (byte) 0x9C;

    FlashReference.writeInFragments(channel, garbage, 1000);
    channel.writeInbound(Unpooled.wrappedBuffer(concat(C0, new byte[2 * SIZE])));

    assertThat(singleError().reason()).isEqualTo("handshake_version");
    assertThat(FlashReference.drainOutbound(channel)).isEmpty();
    assertThat(FlashReference.drainInbound(channel)).isEmpty();
    assertThat(recorder.events).isEmpty();
  }

  @Test
  void truncatedC1TimesOut() {
    channel.writeInbound(Unpooled.wrappedBuffer(concat(C0, new byte[99])));

    // The embedded clock also follows real time, so stay well clear of the deadline first.
    channel.advanceTimeBy(TIMEOUT.toMillis() / 2, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    assertThat(recorder.exceptions).isEmpty();

    channel.advanceTimeBy(TIMEOUT.toMillis() / 2, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();

    RtmpProtocolException error = singleError();
    assertThat(error.reason()).isEqualTo("handshake_timeout");
    assertThat(error.getMessage()).contains("5000 ms", "C0+C1", "100 of 1537");
    assertThat(FlashReference.drainOutbound(channel)).isEmpty();

    channel.writeInbound(Unpooled.wrappedBuffer(new byte[2 * SIZE]));
    assertThat(FlashReference.drainOutbound(channel)).isEmpty();
    assertThat(recorder.exceptions).hasSize(1);
  }

  @Test
  void missingC2TimesOut() {
    channel.writeInbound(Unpooled.wrappedBuffer(
        concat(C0, FlashReference.flashC1(random, DIGEST_FIRST_BASE), new byte[10])));
    FlashReference.drainOutbound(channel);

    channel.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();

    RtmpProtocolException error = singleError();
    assertThat(error.reason()).isEqualTo("handshake_timeout");
    assertThat(error.getMessage()).contains("C2", "10 of 1536");
    assertThat(recorder.events).isEmpty();
  }

  @Test
  void closeBeforeTheEndCancelsTheTimerQuietly() {
    channel.writeInbound(Unpooled.wrappedBuffer(concat(C0, new byte[10])));
    channel.close();

    channel.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    assertThat(recorder.exceptions).isEmpty();
  }

  @Test
  void addedToAnActiveChannelStartsTheTimer() {
    EmbeddedChannel active = new EmbeddedChannel(new ChannelInboundHandlerAdapter());
    Recorder late = new Recorder();
    active.pipeline().addLast(new ServerHandshakeHandler(TIMEOUT), late);

    active.advanceTimeBy(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    active.runScheduledPendingTasks();

    assertThat(late.exceptions).singleElement()
        .extracting(e -> ((RtmpProtocolException) e).reason()).isEqualTo("handshake_timeout");
    active.finishAndReleaseAll();
  }

  @Test
  void timeoutMustBePositive() {
    assertThatThrownBy(() -> new ServerHandshakeHandler(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new ServerHandshakeHandler(null))
        .isInstanceOf(NullPointerException.class);
  }

  private void assertCompleted(boolean complex) {
    assertThat(recorder.events).containsExactly(new HandshakeCompleted(complex));
    assertThat(recorder.exceptions).isEmpty();
    assertThat(channel.pipeline().get(ServerHandshakeHandler.class)).isNull();
    assertThat(channel.pipeline().first()).isSameAs(recorder);
    assertNoTimerLeft();
  }

  private void assertNoTimerLeft() {
    // -1: nothing scheduled, so the timeout was cancelled
    assertThat(channel.runScheduledPendingTasks()).isEqualTo(-1);
  }

  private RtmpProtocolException singleError() {
    assertThat(recorder.exceptions).hasSize(1);
    assertThat(recorder.exceptions.get(0)).isInstanceOf(RtmpProtocolException.class);
    return (RtmpProtocolException) recorder.exceptions.get(0);
  }
}
