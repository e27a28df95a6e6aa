package io.cascade.origin;

import io.cascade.rtmp.media.RtmpChunkPackager;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.client.SyntheticPublisher;
import io.cascade.config.ConfigLoader;
import io.cascade.live.LiveStats;
import io.cascade.live.LiveStream;
import io.cascade.rtmp.amf.Amf0;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.MessageType;
import io.cascade.testing.Await;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Hostile and broken peers against one origin while a well-behaved publisher and player use it.
 *
 * <p>Each attack is its own raw TCP connection. The server must close it within a bounded time,
 * log exactly one close line for it naming the attacker's address and the expected reason, and
 * leave the good pair alone: the good player must see every frame of {@code live/good}, in order,
 * with no pause longer than {@link #MAX_FRAME_GAP}. Nothing may escape the event loop: no warning,
 * error or exception from Netty, Vert.x or Cascade while the class runs (LeakGuard adds the
 * buffer-leak check on top).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputIT {
  private static final String RTMP_LOGGER = "cascade.rtmp";
  private static final String GOOD_KEY = "good";
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(900, 30, 1, true);
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final Duration CLOSE_LIMIT = Duration.ofSeconds(10);
  /**
   * How long a player that stops reading may take to be cut. Before the server's queue sees any
   * backlog the kernel takes a full socket send buffer; rtmp.sendBufferSize (64 KiB here) keeps
   * that to about a second of this stream, then maxQueueDuration and maxBehindDuration apply.
   */
  private static final Duration SLOW_CUT_LIMIT = Duration.ofSeconds(10);
  private static final Duration MAX_FRAME_GAP = Duration.ofSeconds(1);
  private static final int MAX_MESSAGE_SIZE = 1 << 20;
  private static final int NESTING = 10_000;
  private static final Pattern CLOSE_LINE = Pattern.compile("^event=(close|disconnect) peer=(\\S+) .*\\breason=(\\S+)");

  private static OriginNode origin;
  private static EventLoopGroup group;
  private static LogCapture logs;
  private static RtmpClient publisherClient;
  private static RtmpClient playerClient;
  private static SyntheticPublisher publisher;
  private static GoodPlayer player;
  private static final CompletableFuture<Throwable> publisherClosed = new CompletableFuture<>();
  /** Local port of every attacker connection → what it did; any other close line is a victim. */
  private static final Map<Integer, String> attackers = new ConcurrentHashMap<>();
  private static final List<String> report = new CopyOnWriteArrayList<>();
  /**
   * When the latest attacker connection on each local port was opened (System.nanoTime): the
   * system reuses ephemeral ports, so a port names a connection only in the lines logged after.
   */
  private static final Map<Integer, Long> connectedSince = new ConcurrentHashMap<>();
  /** An attacker connection whose close line was checked: its port and when it was opened. */
  private record Closed(int port, long since) {}
  /** Attacker connections whose close line was checked; each must have exactly one when the run ends. */
  private static final List<Closed> closedAttackers = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    logs = LogCapture.attach();
    group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    // Small limits so that every attack hits one quickly and a stalled player is cut soon after its
    // socket buffers fill (see SLOW_CUT_LIMIT).
    origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), Map.ofEntries(
        Map.entry("rtmp.host", "127.0.0.1"), Map.entry("rtmp.port", 0),
        Map.entry("http.host", "127.0.0.1"), Map.entry("http.port", 0),
        Map.entry("rtmp.maxMessageSize", "1MiB"),
        Map.entry("rtmp.handshakeTimeout", "1s"),
        Map.entry("rtmp.idleTimeout", "2s"),
        Map.entry("rtmp.sendBufferSize", "64KiB"),
        Map.entry("rtmp.amf.maxDepth", 32),
        Map.entry("rtmp.amf.maxStringLength", "1MiB"),
        Map.entry("live.subscriber.maxQueueBytes", "256KiB"),
        Map.entry("live.subscriber.maxQueueDuration", "500ms"),
        Map.entry("live.subscriber.maxBehindDuration", "2s"))).config())
        .await(30, TimeUnit.SECONDS);

    RtmpUrl url = new RtmpUrl("127.0.0.1", origin.rtmpPort(), "live", GOOD_KEY);
    publisherClient = RtmpClient.create(group, new RtmpClientOptions(), new RtmpClientListener() {
      @Override
      public void onClose(Throwable cause) {
        publisherClosed.complete(cause);
      }
    });
    publisherClient.connect(url).get(10, TimeUnit.SECONDS);
    publisherClient.publish(GOOD_KEY).get(10, TimeUnit.SECONDS);
    publisher = SyntheticPublisher.start(publisherClient, PROFILE, Duration.ofMinutes(10));

    player = new GoodPlayer();
    playerClient = RtmpClient.create(group, new RtmpClientOptions(), player);
    playerClient.connect(url).thenCompose(info -> playerClient.play(GOOD_KEY)).get(10, TimeUnit.SECONDS);
    Await.until(WAIT, "good player receiving before the first attack", () -> player.videoFrames() >= 30);
  }

  @AfterAll
  static void stop() throws Exception {
    boolean healthy = false;
    try {
      if (player != null) {
        assertGoodPairHealthy();
        // Stop the source and let the last frames arrive: the player must end on the last one sent.
        SyntheticPublisher.Result sent = publisher.stop().get(10, TimeUnit.SECONDS);
        Await.until(WAIT, "good player received the last frames sent",
            () -> player.lastSeq(MessageType.VIDEO) == sent.videoFrames() - 1
                && player.lastSeq(MessageType.AUDIO) == sent.audioFrames() - 1);
        List<Frame> frames = player.snapshot();
        assertNoGaps(frames);
        report.add(String.format("good player: %d video + %d audio frames (from video #%d), max inter-frame gap %d ms; "
                + "publisher sent %d video + %d audio", count(frames, MessageType.VIDEO), count(frames, MessageType.AUDIO),
            frames.stream().filter(f -> f.type() == MessageType.VIDEO && f.seq() >= 0).findFirst().orElseThrow().seq(),
            maxGapNanos(frames) / 1_000_000, sent.videoFrames(), sent.audioFrames()));
        healthy = true;
      }
    } finally {
      System.out.println("BadInputIT report:\n  " + String.join("\n  ", report));
      if (publisher != null) {
        publisher.stop().handle((r, e) -> null).get(10, TimeUnit.SECONDS);
      }
      for (RtmpClient c : new RtmpClient[] {playerClient, publisherClient}) {
        if (c != null) {
          c.close().get(10, TimeUnit.SECONDS);
        }
      }
      if (origin != null) {
        origin.stop().await(30, TimeUnit.SECONDS);
      }
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
      logs.detach();
    }
    if (healthy) {
      assertOneCloseLineEach();
    }
  }

  /** After every attack: the good pair still flows, untouched, and nothing escaped. */
  @AfterEach
  void goodPairUndisturbed() throws Exception {
    long frames = player.videoFrames();
    Await.until(WAIT, "good player still receiving after the attack", () -> player.videoFrames() >= frames + 15);
    assertGoodPairHealthy();
  }

  // ---- the attacks

  /** What an attacker does on its connection before it waits for the server to close it. */
  @FunctionalInterface
  interface Script {
    void run(RawRtmpPeer peer) throws Exception;
  }

  static Stream<Arguments> attacks() {
    return Stream.of(
        attack("random bytes before the handshake", "handshake_version", p -> {
          byte[] junk = p.randomBytes(64);
          junk[0] = (byte) 0xA7;
          p.send(junk);
        }),
        attack("an HTTP request", "handshake_version",
            p -> p.send("GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII))),
        attack("version byte 0x06 (RTMPE)", "handshake_version", p -> p.send(c0c1(p, 0x06))),
        attack("version byte 0xFF", "handshake_version", p -> p.send(c0c1(p, 0xFF))),
        attack("stops in the middle of C1", "handshake_timeout", p -> p.send(slice(c0c1(p, 3), 1 + 700))),
        attack("stops in the middle of C2", "handshake_timeout", p -> {
          p.sendC0C1();
          p.send(slice(p.readS0S1S2(), 700));
        }),
        // A junk C2 is accepted on purpose (clients send junk there); the junk after it is not a chunk.
        attack("junk as C2 and after it", "no_previous_header", p -> {
          p.sendC0C1();
          p.readS0S1S2();
          byte[] junk = p.randomBytes(RawRtmpPeer.C1_SIZE + 64);
          junk[RawRtmpPeer.C1_SIZE] = (byte) 0xC3;
          p.send(junk);
        }),
        attack("chunk header announcing a message, then silence", "idle", p -> {
          connected(p);
          p.send(concat(RawRtmpPeer.header(Commands.CSID_COMMAND, MessageType.COMMAND_AMF0, 0, 300), p.randomBytes(40)));
        }),
        attack("half-closes in the middle of a chunk", "peer_closed", p -> {
          connected(p);
          p.send(concat(RawRtmpPeer.header(Commands.CSID_COMMAND, MessageType.COMMAND_AMF0, 0, 300), p.randomBytes(40)));
          p.shutdownOutput();
        }),
        attack("resets in the middle of a chunk", "io_error", p -> {
          connected(p);
          p.send(concat(RawRtmpPeer.header(Commands.CSID_COMMAND, MessageType.COMMAND_AMF0, 0, 300), p.randomBytes(40)));
          p.abort();
        }),
        attack("Set Chunk Size 0", "chunk_size", p -> setChunkSize(p, 0)),
        attack("Set Chunk Size 0x80000000", "chunk_size", p -> setChunkSize(p, 0x80000000)),
        attack("Set Chunk Size 0xFFFFFFFF", "chunk_size", p -> setChunkSize(p, 0xFFFFFFFF)),
        attack("a 2 MiB message with a 1 MiB limit", "message_too_large", p -> {
          connected(p);
          p.send(concat(RawRtmpPeer.header(RtmpChunkPackager.CSID_VIDEO, MessageType.VIDEO, 1, 2 * MAX_MESSAGE_SIZE), p.randomBytes(100)));
        }),
        attack("unknown message type 0x30", "unknown_message_type", p -> {
          connected(p);
          p.send(RawRtmpPeer.message(4, 0x30, 0, new byte[] {1, 2, 3, 4}));
        }),
        attack("command with objects nested 10,000 deep", "amf", p -> {
          connected(p);
          p.send(RawRtmpPeer.message(Commands.CSID_COMMAND, MessageType.COMMAND_AMF0, 0, deepCommand(false)));
        }),
        attack("command with strict arrays nested 10,000 deep", "amf", p -> {
          connected(p);
          p.send(RawRtmpPeer.message(Commands.CSID_COMMAND, MessageType.COMMAND_AMF0, 0, deepCommand(true)));
        }),
        attack("command with a string claiming 4 GB", "amf", p -> {
          connected(p);
          p.send(RawRtmpPeer.message(Commands.CSID_COMMAND, MessageType.COMMAND_AMF0, 0, hugeStringCommand()));
        }),
        attack("createStream before connect", "command_before_connect", p -> {
          p.handshake();
          p.sendCommand(Commands.CSID_COMMAND, 0, "createStream", 2, (Object) null);
        }),
        attack("play before connect", "command_before_connect", p -> {
          p.handshake();
          p.sendCommand(Commands.CSID_STREAM, RtmpChunkPackager.SHARED_STREAM_ID, "play", 0, null, GOOD_KEY, -2000.0);
        }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("attacks")
  void attackerIsClosedWithOneLogLine(String name, String reason, Script script) throws Exception {
    long openedAt = System.nanoTime();
    try (RawRtmpPeer peer = RawRtmpPeer.connect(origin.rtmpPort(), 0, name.hashCode())) {
      attacker(peer.localPort(), name, openedAt);
      long connectedAt = System.nanoTime();
      script.run(peer);
      long silentAt = System.nanoTime();
      if (!peer.isClosedLocally()) {
        assertThat(peer.awaitServerClose(CLOSE_LIMIT))
            .as("server closes the connection of '%s' within %d s", name, CLOSE_LIMIT.toSeconds()).isTrue();
      }
      long closedAt = System.nanoTime();
      LogCapture.Line line = awaitOneCloseLine(peer.localPort(), reason);
      report.add(String.format("%-50s reason=%-22s closed %5d ms after its last byte (%5d ms after connect), good frames meanwhile %d; %s",
          name, reason, (closedAt - silentAt) / 1_000_000, (closedAt - connectedAt) / 1_000_000,
          player.framesBetween(connectedAt, closedAt), line.message()));
    }
  }

  @Test
  @Timeout(value = 90, unit = TimeUnit.SECONDS)
  void playerThatStopsReadingIsDisconnectedAsSlow() throws Exception {
    LiveStats stats = origin.streams().stats();
    long slowBefore = stats.slowDisconnects();
    long droppedBefore = stats.framesDroppedSlow();
    // A tiny receive window, so the server's socket fills within a second instead of megabytes later.
    long openedAt = System.nanoTime();
    try (RawRtmpPeer peer = RawRtmpPeer.connect(origin.rtmpPort(), 4096, 42)) {
      attacker(peer.localPort(), "stalled player", openedAt);
      connected(peer);
      peer.sendCommand(Commands.CSID_COMMAND, 0, "createStream", 2, (Object) null);
      peer.sendCommand(Commands.CSID_STREAM, RtmpChunkPackager.SHARED_STREAM_ID, "play", 0, null, GOOD_KEY, -2000.0);
      awaitLine(peer.localPort(), "event=play.start ");
      long playingAt = System.nanoTime();

      // It never reads again until the server has given up on it.
      LogCapture.Line line = awaitOneCloseLine(peer.localPort(), "slow_consumer", SLOW_CUT_LIMIT);
      long cutAt = line.nanos();
      assertThat(peer.awaitServerClose(CLOSE_LIMIT)).as("connection closed once drained").isTrue();
      report.add(String.format("%-50s reason=%-22s cut %5d ms after play.start, good frames meanwhile %d; %s",
          "stalled player", "slow_consumer", (cutAt - playingAt) / 1_000_000, player.framesBetween(playingAt, cutAt),
          line.message()));
    }
    assertThat(stats.slowDisconnects() - slowBefore).as("slow disconnects counted").isEqualTo(1);
    assertThat(stats.framesDroppedSlow() - droppedBefore).as("frames dropped for the stalled player").isPositive();
    report.add("LiveStats: slowDisconnects +" + (stats.slowDisconnects() - slowBefore)
        + ", framesDroppedSlow +" + (stats.framesDroppedSlow() - droppedBefore)
        + ", framesDroppedWaitingKeyframe " + stats.framesDroppedWaitingKeyframe());
  }

  // ---- byte builders

  private static Arguments attack(String name, String reason, Script script) {
    return Arguments.of(name, reason, script);
  }

  /** Handshake and connect to {@code live}, and wait until the server has accepted the connect. */
  private static void connected(RawRtmpPeer p) throws Exception {
    p.handshake();
    p.sendConnect("live");
    awaitLine(p.localPort(), "event=connect ");
  }

  private static void setChunkSize(RawRtmpPeer p, int size) throws Exception {
    connected(p);
    byte[] payload = {(byte) (size >>> 24), (byte) (size >>> 16), (byte) (size >>> 8), (byte) size};
    p.send(RawRtmpPeer.message(2, MessageType.SET_CHUNK_SIZE, 0, payload));
  }

  private static byte[] c0c1(RawRtmpPeer p, int version) {
    byte[] b = p.randomBytes(1 + RawRtmpPeer.C1_SIZE);
    b[0] = (byte) version;
    return b;
  }

  /**
   * {@code publish} whose command object is {@link #NESTING} levels of objects (or strict arrays)
   * around a null, written by hand: the project's encoder refuses to nest that deep.
   */
  private static byte[] deepCommand(boolean arrays) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    RawRtmpPeer.commandStart(out, "publish");
    for (int i = 0; i < NESTING; i++) {
      if (arrays) {
        out.writeByte(Amf0.STRICT_ARRAY);
        out.writeInt(1);
      } else {
        out.writeByte(Amf0.OBJECT);
        out.writeShort(1);
        out.writeByte('a');
      }
    }
    out.writeByte(Amf0.NULL);
    if (!arrays) {
      for (int i = 0; i < NESTING; i++) {
        out.writeShort(0);
        out.writeByte(Amf0.OBJECT_END);
      }
    }
    return bytes.toByteArray();
  }

  /** {@code publish} with a null command object and a long string that claims 0xFFFFFFFF bytes. */
  private static byte[] hugeStringCommand() throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    RawRtmpPeer.commandStart(out, "publish");
    out.writeByte(Amf0.NULL);
    out.writeByte(Amf0.LONG_STRING);
    out.writeInt(0xFFFFFFFF);
    out.writeBytes("abc");
    return bytes.toByteArray();
  }

  private static byte[] slice(byte[] b, int length) {
    byte[] s = new byte[length];
    System.arraycopy(b, 0, s, 0, length);
    return s;
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = new byte[a.length + b.length];
    System.arraycopy(a, 0, c, 0, a.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  // ---- log checks

  private static String peerOf(int port) {
    return "peer=127.0.0.1:" + port + " ";
  }

  /** Waits for a {@code cascade.rtmp} line about {@code port} that starts with {@code prefix}. */
  private static void awaitLine(int port, String prefix) {
    Await.until(WAIT, "'" + prefix + "' logged for port " + port,
        () -> !logs.matching(l -> RTMP_LOGGER.equals(l.logger()) && l.message().startsWith(prefix)
            && l.message().contains(peerOf(port)) && l.nanos() >= connectedSince.get(port)).isEmpty());
  }

  /** The one close or disconnect line about {@code port}; fails on none, two, or another reason. */
  /**
   * The close or disconnect line about {@code port}, checked for its format and reason. That it
   * stays the only one is checked when the run ends ({@link #assertOneCloseLineEach()}).
   */
  private static LogCapture.Line awaitOneCloseLine(int port, String reason) {
    return awaitOneCloseLine(port, reason, WAIT);
  }

  private static LogCapture.Line awaitOneCloseLine(int port, String reason, Duration limit) {
    long since = connectedSince.get(port);
    Await.until(limit, "close line for port " + port, () -> !closeLines(port, since, Long.MAX_VALUE).isEmpty());
    closedAttackers.add(new Closed(port, since));
    LogCapture.Line line = closeLines(port, since, Long.MAX_VALUE).get(0);
    assertThat(line.level()).as(line.message()).isEqualTo(Level.INFO);
    Matcher m = CLOSE_LINE.matcher(line.message());
    assertThat(m.find()).as("close line format: %s", line.message()).isTrue();
    assertThat(m.group(3)).as("reason in: %s", line.message()).isEqualTo(reason);
    return line;
  }

  /**
   * A second close line would be written by the connection's own event loop right after the first.
   * The good pair's server-side disconnect lines, logged once its clients closed at the end of the
   * run, come whole tests after every attacker's first line: once they are in, a duplicate would be
   * too, so counting then cannot pass merely because the count came early.
   */
  private static void assertOneCloseLineEach() {
    Await.until(WAIT, "the server's disconnect lines for the good publisher and player",
        () -> logs.matching(l -> RTMP_LOGGER.equals(l.logger()) && CLOSE_LINE.matcher(l.message()).find()
            && !attackers.containsKey(portOf(l))).size() >= 2);
    for (Closed c : closedAttackers) {
      // Up to the next attacker connection on the same port, if the system gave it out again.
      long until = closedAttackers.stream().filter(o -> o.port() == c.port() && o.since() > c.since())
          .mapToLong(Closed::since).min().orElse(Long.MAX_VALUE);
      assertThat(closeLines(c.port(), c.since(), until)).as("close lines for port %d", c.port()).hasSize(1);
    }
  }

  private static int portOf(LogCapture.Line l) {
    Matcher m = CLOSE_LINE.matcher(l.message());
    if (!m.find()) {
      return -1;
    }
    return Integer.parseInt(m.group(2).substring(m.group(2).lastIndexOf(':') + 1));
  }

  private static void attacker(int port, String name, long openedAt) {
    attackers.put(port, name);
    connectedSince.put(port, openedAt);
  }

  /** Close lines about {@code port} logged from {@code since} until before {@code until}. */
  private static List<LogCapture.Line> closeLines(int port, long since, long until) {
    return logs.matching(l -> RTMP_LOGGER.equals(l.logger()) && CLOSE_LINE.matcher(l.message()).find()
        && l.message().contains(peerOf(port)) && l.nanos() >= since && l.nanos() < until);
  }

  private static void assertGoodPairHealthy() {
    assertThat(publisherClosed).as("good publisher still connected").isNotDone();
    assertThat(publisher.done()).as("good publisher still running").isNotDone();
    assertThat(player.closed).as("good player still connected").isNotDone();

    List<String> victims = new ArrayList<>();
    for (LogCapture.Line l : logs.matching(l -> RTMP_LOGGER.equals(l.logger()))) {
      int port = portOf(l);
      if (port >= 0 && !attackers.containsKey(port)) {
        victims.add(l.message());
      }
    }
    assertThat(victims).as("connections closed that no attacker opened").isEmpty();

    List<LogCapture.Line> escaped = logs.matching(l -> l.message().contains("internal_error")
        || (watched(l.logger()) && (l.level().isGreaterOrEqual(Level.WARN) || l.thrown() != null)));
    assertThat(escaped).as("warnings, errors or exceptions from Netty, Vert.x or Cascade").isEmpty();

    List<Frame> frames = player.snapshot();
    assertNoGaps(frames);
    assertMonotonic(frames);
    assertThat(maxGapNanos(frames) / 1_000_000).as("longest pause between frames at the good player, ms")
        .isLessThan(MAX_FRAME_GAP.toMillis());
  }

  private static boolean watched(String logger) {
    return logger.startsWith("io.netty") || logger.startsWith("io.vertx") || logger.startsWith("cascade")
        || logger.startsWith("io.cascade");
  }

  // ---- the good player's record

  /** Per track, every sequence number follows the one before. */
  private static void assertNoGaps(List<Frame> frames) {
    long[] last = {-1, -1};
    for (Frame f : frames) {
      if (f.seq() < 0) {
        continue;
      }
      int track = f.type() == MessageType.VIDEO ? 0 : 1;
      if (last[track] >= 0) {
        assertThat(f.seq()).as("sequence after %d on %s", last[track], MessageType.name(f.type())).isEqualTo(last[track] + 1);
      }
      last[track] = f.seq();
    }
  }

  /** Audio and video timestamps together never go backwards. */
  private static void assertMonotonic(List<Frame> frames) {
    long last = -1;
    for (Frame f : frames) {
      assertThat(f.timestamp()).as("timestamp of %s after %d", f, last).isGreaterThanOrEqualTo(last);
      last = f.timestamp();
    }
  }

  private static long count(List<Frame> frames, int type) {
    return frames.stream().filter(f -> f.type() == type && f.seq() >= 0).count();
  }

  /** Longest wall-clock pause between two stamped frames' arrivals. */
  private static long maxGapNanos(List<Frame> frames) {
    long max = 0;
    long previous = -1;
    for (Frame f : frames) {
      if (f.seq() < 0) {
        continue;
      }
      if (previous >= 0) {
        max = Math.max(max, f.arrivalNanos() - previous);
      }
      previous = f.arrivalNanos();
    }
    return max;
  }

  /** A media message the good player received; {@code seq} is -1 for sequence headers. */
  record Frame(int type, long timestamp, long seq, long arrivalNanos) {}

  /** Records every media message; the client releases the messages itself. */
  static final class GoodPlayer implements RtmpClientListener {
    final CompletableFuture<Throwable> closed = new CompletableFuture<>();
    private final List<Frame> frames = new ArrayList<>();
    private volatile long videoFrames;

    @Override
    public void onMessage(RtmpMessage m) {
      if (!MessageType.isMedia(m.typeId())) {
        return;
      }
      SyntheticMedia.Stamp stamp = SyntheticMedia.parse(m.typeId(), m.payload());
      synchronized (this) {
        frames.add(new Frame(m.typeId(), m.timestamp(), stamp == null ? -1 : stamp.sequence(), System.nanoTime()));
      }
      if (stamp != null && m.typeId() == MessageType.VIDEO) {
        videoFrames++;
      }
    }

    @Override
    public void onClose(Throwable cause) {
      closed.complete(cause);
    }

    /** Stamped video frames that arrived between the two {@link System#nanoTime()} readings. */
    synchronized long framesBetween(long fromNanos, long toNanos) {
      return frames.stream().filter(f -> f.type() == MessageType.VIDEO && f.seq() >= 0
          && f.arrivalNanos() >= fromNanos && f.arrivalNanos() <= toNanos).count();
    }

    /** The sequence number of the last stamped frame of a track, -1 before the first. */
    synchronized long lastSeq(int type) {
      for (int i = frames.size() - 1; i >= 0; i--) {
        Frame f = frames.get(i);
        if (f.type() == type && f.seq() >= 0) {
          return f.seq();
        }
      }
      return -1;
    }

    synchronized List<Frame> snapshot() {
      return List.copyOf(frames);
    }

    long videoFrames() {
      return videoFrames;
    }
  }
}
