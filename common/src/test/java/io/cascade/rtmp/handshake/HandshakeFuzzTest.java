package io.cascade.rtmp.handshake;

import static io.cascade.rtmp.handshake.HandshakeDigest.PACKET_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cascade.rtmp.RtmpProtocolException;
import io.cascade.testing.FuzzInput;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;

/**
 * Feeds a peer's bytes, in reads of a fuzzed size, to each side of the handshake and checks the
 * whole exchange against what the protocol allows: the reply is exactly S0+S1+S2 (or C2) once
 * enough bytes arrived, completion comes exactly at the end of the peer's handshake and hands every
 * later byte on unchanged, the only failures are the documented {@link RtmpProtocolException}s,
 * the deadline fires only for an unfinished handshake, and nothing stays allocated.
 *
 * <p>Regression inputs live in {@code HandshakeFuzzTestInputs/<method>/}; see docs/FUZZING.md.
 */
class HandshakeFuzzTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static final int REPLY_SIZE = 1 + 2 * PACKET_SIZE;

  @FuzzTest
  void serverHandshake(byte[] raw) {
    FuzzInput input = FuzzInput.of(raw);
    byte[] peer = input.bytes();
    Recorder recorder = new Recorder();
    EmbeddedChannel channel = input.channel();
    channel.pipeline().addLast(new ServerHandshakeHandler(TIMEOUT), recorder);
    ByteArrayOutputStream reply = new ByteArrayOutputStream();
    ByteArrayOutputStream passedOn = new ByteArrayOutputStream();
    boolean badVersion = peer.length > 0 && peer[0] != 3;
    try {
      input.feed(channel, 0, (delivered, error) -> {
        assertThat(error).as("thrown out of the pipeline").isNull();
        drain(channel, reply, passedOn);
        if (badVersion) {
          assertFailed(recorder, "handshake_version");
          assertThat(reply.size()).as("reply to a bad C0").isZero();
          return;
        }
        assertThat(recorder.exceptions).as("errors after %d good bytes", delivered).isEmpty();
        assertThat(reply.size()).as("reply after %d bytes", delivered).isEqualTo(delivered >= 1 + PACKET_SIZE ? REPLY_SIZE : 0);
        assertThat(recorder.events).as("events after %d bytes", delivered).hasSize(delivered >= REPLY_SIZE ? 1 : 0);
        // Nothing may be held beyond the reply, the cumulated input and a C1 copy.
        assertThat(input.heldBytes()).isLessThanOrEqualTo(2L * delivered + 2L * REPLY_SIZE);
      });
      byte[] s = reply.toByteArray();
      if (s.length > 0) {
        assertThat(s[0]).as("S0").isEqualTo((byte) 3);
        byte[] c1 = Arrays.copyOfRange(peer, 1, 1 + PACKET_SIZE);
        if (!HandshakeDigest.hasVersion(c1)) {
          assertThat(Arrays.copyOfRange(s, 1 + PACKET_SIZE, REPLY_SIZE)).as("S2 echoes a plain C1").isEqualTo(c1);
        }
      }
      boolean completed = !badVersion && peer.length >= REPLY_SIZE;
      if (completed) {
        assertThat(recorder.events).singleElement().isInstanceOf(HandshakeCompleted.class);
        assertThat(passedOn.toByteArray()).as("bytes after C2").isEqualTo(Arrays.copyOfRange(peer, REPLY_SIZE, peer.length));
      } else {
        assertThat(passedOn.size()).as("bytes passed on before the handshake completed").isZero();
      }
      expireAndCheck(channel, recorder, completed || badVersion);
    } finally {
      channel.finishAndReleaseAll();
    }
    assertThat(input.heldBytes()).as("bytes still allocated after the channel closed").isZero();
  }

  @FuzzTest
  void clientHandshake(byte[] raw) {
    FuzzInput input = FuzzInput.of(raw);
    byte[] peer = input.bytes();
    // The read-size byte's low bit also picks the client's mode.
    boolean complex = raw.length > 0 && (raw[0] & 1) == 1;
    Recorder recorder = new Recorder();
    EmbeddedChannel channel = input.channel();
    channel.pipeline().addLast(new ClientHandshakeHandler(TIMEOUT, complex), recorder);
    ByteArrayOutputStream sent = new ByteArrayOutputStream();
    ByteArrayOutputStream passedOn = new ByteArrayOutputStream();
    boolean badVersion = peer.length > 0 && peer[0] != 3;
    boolean[] digestRefused = {false};
    try {
      drain(channel, sent, passedOn);
      assertThat(sent.size()).as("C0+C1 on connect").isEqualTo(1 + PACKET_SIZE);
      input.feed(channel, 0, (delivered, error) -> {
        assertThat(error).as("thrown out of the pipeline").isNull();
        drain(channel, sent, passedOn);
        if (badVersion) {
          assertFailed(recorder, "handshake_version");
          return;
        }
        if (!recorder.exceptions.isEmpty()) {
          // Only a digest-mode client may refuse S1, and only once it is complete.
          assertThat(complex).as("plain client refused S1: %s", recorder.exceptions).isTrue();
          assertThat(delivered).isGreaterThanOrEqualTo(REPLY_SIZE);
          assertFailed(recorder, "handshake_digest");
          digestRefused[0] = true;
          return;
        }
        int expected = 1 + PACKET_SIZE + (delivered >= REPLY_SIZE ? PACKET_SIZE : 0);
        assertThat(sent.size()).as("written after %d bytes", delivered).isEqualTo(expected);
        assertThat(recorder.events).as("events after %d bytes", delivered).hasSize(delivered >= REPLY_SIZE ? 1 : 0);
        assertThat(input.heldBytes()).isLessThanOrEqualTo(2L * delivered + 2L * REPLY_SIZE);
      });
      boolean completed = !badVersion && !digestRefused[0] && peer.length >= REPLY_SIZE;
      if (completed) {
        byte[] c0c1c2 = sent.toByteArray();
        byte[] s1 = Arrays.copyOfRange(peer, 1, 1 + PACKET_SIZE);
        if (!complex || !HandshakeDigest.hasVersion(s1)) {
          assertThat(Arrays.copyOfRange(c0c1c2, 1 + PACKET_SIZE, c0c1c2.length)).as("C2 echoes S1").isEqualTo(s1);
        }
        assertThat(passedOn.toByteArray()).as("bytes after S2").isEqualTo(Arrays.copyOfRange(peer, REPLY_SIZE, peer.length));
      } else {
        assertThat(passedOn.size()).as("bytes passed on before the handshake completed").isZero();
      }
      expireAndCheck(channel, recorder, completed || badVersion || digestRefused[0]);
    } finally {
      channel.finishAndReleaseAll();
    }
    assertThat(input.heldBytes()).as("bytes still allocated after the channel closed").isZero();
  }

  private static void assertFailed(Recorder recorder, String reason) {
    assertThat(recorder.exceptions).singleElement().isInstanceOfSatisfying(RtmpProtocolException.class,
        e -> assertThat(e.reason()).isEqualTo(reason));
    assertThat(recorder.events).isEmpty();
  }

  /** Runs the clock past the deadline: an unfinished handshake times out, a finished or failed one does not. */
  private static void expireAndCheck(EmbeddedChannel channel, Recorder recorder, boolean settled) {
    int before = recorder.exceptions.size();
    channel.advanceTimeBy(TIMEOUT.toMillis() + 1, TimeUnit.MILLISECONDS);
    channel.runScheduledPendingTasks();
    if (settled) {
      assertThat(recorder.exceptions).as("errors after the deadline of a settled handshake").hasSize(before);
    } else {
      assertThat(recorder.exceptions).singleElement().isInstanceOfSatisfying(RtmpProtocolException.class,
          e -> assertThat(e.reason()).isEqualTo("handshake_timeout"));
    }
  }

  /** Moves what the handler wrote to {@code written} and what it passed on to {@code passedOn}. */
  private static void drain(EmbeddedChannel channel, ByteArrayOutputStream written, ByteArrayOutputStream passedOn) {
    for (ByteBuf b = channel.readOutbound(); b != null; b = channel.readOutbound()) {
      try {
        written.writeBytes(ByteBufUtil.getBytes(b));
      } finally {
        b.release();
      }
    }
    for (ByteBuf b = channel.readInbound(); b != null; b = channel.readInbound()) {
      try {
        passedOn.writeBytes(ByteBufUtil.getBytes(b));
      } finally {
        b.release();
      }
    }
  }
}
