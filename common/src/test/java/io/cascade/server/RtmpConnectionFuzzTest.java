package io.cascade.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.cascade.config.CascadeConfig;
import io.cascade.live.LiveSettings;
import io.cascade.live.StreamManager;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.rtmp.chunk.ChunkDecoder;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.handshake.ServerHandshakeHandler;
import io.cascade.rtmp.session.ProtocolControlHandler;
import io.cascade.testing.FuzzInput;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.util.ReferenceCountUtil;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.slf4j.LoggerFactory;

/**
 * A whole server connection (handshake, chunk decoder and encoder, protocol control,
 * {@link RtmpConnection} with a
 * {@link StreamManager}) on an EmbeddedChannel: a valid plain handshake, then fuzzed bytes in
 * reads of a fuzzed size. The seeds are complete publish and play sessions, so the fuzzer starts
 * from connect, createStream, publish, metadata and media, and a player of the same stream.
 *
 * <p>Checked: no exception reaches the end of the pipeline and none is handled as an internal
 * error (every failure is a protocol error that closes the connection with its reason); memory
 * stays a small multiple of the bytes received; and once the connection is closed its streams are
 * gone and every buffer it allocated is released.
 */
class RtmpConnectionFuzzTest {
  private static final int C1_SIZE = 1536;
  /** Small AMF limits, so that fuzzed commands reach them; the rest at the schema's defaults. */
  static final RtmpServerSettings SETTINGS = RtmpServerSettings.from(CascadeConfig.with(Map.of(
      "rtmp.host", "127.0.0.1", "rtmp.port", 0, "rtmp.eventLoops", 1, "rtmp.amf.maxDepth", 8,
      "rtmp.amf.maxStringLength", 1024, "rtmp.amf.maxElements", 1024)));
  private static final Logger RTMP_LOG = (Logger) LoggerFactory.getLogger("cascade.rtmp");
  private static final ListAppender<ILoggingEvent> WARNINGS = new ListAppender<>();
  private static Level savedLevel;

  @BeforeAll
  static void captureWarnings() {
    savedLevel = RTMP_LOG.getLevel();
    // One log line per connection and input would drown the fuzzer's output; warnings are checked.
    RTMP_LOG.setLevel(Level.WARN);
    WARNINGS.start();
    RTMP_LOG.addAppender(WARNINGS);
  }

  @AfterAll
  static void restoreLogging() {
    RTMP_LOG.detachAppender(WARNINGS);
    RTMP_LOG.setLevel(savedLevel);
  }

  /** One registry for every input: building one per execution would dominate the fuzzing time. */
  private static final RtmpMetrics METRICS = RtmpMetrics.standalone();

  @FuzzTest
  void connection(byte[] raw) {
    FuzzInput input = FuzzInput.of(raw);
    WARNINGS.list.clear();
    StreamManager streams = new StreamManager(LiveSettings.DEFAULTS, input.alloc());
    EmbeddedChannel channel = input.channel();
    ChunkDecoder decoder = new ChunkDecoder(SETTINGS.chunkLimits());
    ChunkEncoder encoder = new ChunkEncoder();
    ProtocolControlHandler control = new ProtocolControlHandler(decoder);
    channel.pipeline().addLast(new ServerHandshakeHandler(SETTINGS.handshakeTimeout()), decoder, encoder, control,
        new RtmpConnection(SETTINGS, streams, SessionPolicy.ALLOW_ALL, METRICS, control, encoder, null));
    try {
      channel.writeInbound(Unpooled.wrappedBuffer(new byte[1 + 2 * C1_SIZE]).setByte(0, 3));
      discardOutbound(channel);
      input.feed(channel, 0, (delivered, error) -> {
        assertThat(error).as("exception out of the pipeline after %d bytes", delivered).isNull();
        channel.runPendingTasks();
        discardOutbound(channel);
        assertNoInternalError();
        // GOP cache, per-player queues and encoded copies all follow the media received.
        assertThat(input.heldBytes()).as("bytes held after %d received", delivered)
            .isLessThanOrEqualTo(16L * delivered + 256 * 1024);
      });
      // Let every timer (player wait, republish wait, handshake deadline) run out.
      channel.advanceTimeBy(2, TimeUnit.MINUTES);
      channel.runScheduledPendingTasks();
      channel.runPendingTasks();
      discardOutbound(channel);
      assertNoInternalError();
      channel.close();
      channel.runPendingTasks();
      channel.checkException();
      assertThat(streams.size()).as("streams left after the connection closed").isZero();
    } finally {
      channel.finishAndReleaseAll();
    }
    assertNoInternalError();
    assertThat(input.heldBytes()).as("bytes still allocated after the channel closed").isZero();
  }

  private static void assertNoInternalError() {
    List<String> problems = WARNINGS.list.stream()
        .filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
        .map(e -> e.getFormattedMessage() + (e.getThrowableProxy() == null ? ""
            : " " + e.getThrowableProxy().getClassName() + ": " + e.getThrowableProxy().getMessage()))
        .toList();
    assertThat(problems).as("warnings from the connection").isEmpty();
  }

  private static void discardOutbound(EmbeddedChannel channel) {
    for (Object o = channel.readOutbound(); o != null; o = channel.readOutbound()) {
      ReferenceCountUtil.release(o);
    }
    for (Object o = channel.readInbound(); o != null; o = channel.readInbound()) {
      ReferenceCountUtil.release(o);
    }
  }
}
