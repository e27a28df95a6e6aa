package io.cascade.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpStatusException;
import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.client.SyntheticPublisher;
import io.cascade.config.ConfigLoader;
import io.cascade.rtmp.amf.Amf0;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.testing.Await;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
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
 * Every limit, hit on a real origin while a good publisher and player use it: the connection
 * that hits it is closed (or its publish or play refused with a status), the hit is counted in
 * {@code cascade.limits.hit} and logged with the limit's name, and the good pair goes on.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LimitsIT {
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(600, 30, 1, true);
  private static final Duration WAIT = Duration.ofSeconds(15);

  private static EventLoopGroup group;
  private static LogCapture logs;
  private static Vertx vertx;
  private OriginNode origin;
  private final List<RtmpClient> clients = new ArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();
  private SyntheticPublisher goodPublisher;
  private Counting goodPlayer;

  @BeforeAll
  static void start(Vertx v) {
    vertx = v;
    logs = LogCapture.attach();
    group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stop() {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    logs.detach();
  }

  /** The good pair is still flowing and was never closed; then everything is torn down. */
  @AfterEach
  void goodPairUndisturbed() throws Exception {
    try {
      if (goodPlayer != null) {
        long frames = goodPlayer.videoFrames;
        Await.until(WAIT, "good player still receiving", () -> goodPlayer.videoFrames >= frames + 15);
        assertThat(goodPlayer.closed).as("good player never closed").isNotDone();
        assertThat(goodPublisher.done()).as("good publisher still running").isNotDone();
      }
    } finally {
      if (goodPublisher != null) {
        goodPublisher.stop().handle((r, e) -> null).get(10, TimeUnit.SECONDS);
      }
      for (RtmpClient c : clients) {
        c.close().get(10, TimeUnit.SECONDS);
      }
      for (Socket s : sockets) {
        s.close();
      }
      InProcessOrigin.stop(origin);
    }
  }

  @Test
  void connectionsBeyondMaxConnectionsAreClosedAtOnce() throws Exception {
    startOrigin(Map.of("rtmp.maxConnections", 4, "rtmp.handshakeTimeout", "30s"));
    Socket third = open("127.0.0.1");
    Socket fourth = open("127.0.0.1");
    assertStaysOpen(third);
    assertStaysOpen(fourth);
    Socket fifth = open("127.0.0.1");
    assertClosedByServer(fifth);
    awaitHits("max_connections", 1);
    awaitLog("event=limit limit=max_connections value=4 peer=127.0.0.1");
    // A slot freed is a slot for the next connection.
    third.close();
    Await.until(WAIT, "the closed connection is gone",
        () -> origin.metrics().registry().find("cascade.connections").tag("kind", "pending").gauge().value() == 1);
    assertStaysOpen(open("127.0.0.1"));
    awaitHits("max_connections", 1);
  }

  @Test
  void connectionsBeyondMaxConnectionsPerIpAreClosedForThatAddressOnly() throws Exception {
    startOrigin(Map.of("rtmp.maxConnectionsPerIp", 2, "rtmp.handshakeTimeout", "30s"));
    // The good pair holds 127.0.0.1's two connections; other loopback addresses are other clients.
    Socket a1 = open("127.0.0.2");
    Socket a2 = open("127.0.0.2");
    assertStaysOpen(a1);
    assertStaysOpen(a2);
    assertClosedByServer(open("127.0.0.2"));
    assertClosedByServer(open("127.0.0.1"));
    assertStaysOpen(open("127.0.0.3"));
    awaitHits("max_connections_per_ip", 2);
    awaitLog("event=limit limit=max_connections_per_ip value=2 peer=127.0.0.2");
  }

  static Stream<Arguments> protocolLimits() {
    return Stream.of(
        Arguments.of("handshake_timeout", "handshake_timeout", (Attack) out -> {
          // C0 and half of C1, then nothing.
          out.write(3);
          out.write(new byte[700]);
        }),
        Arguments.of("max_chunk_size", "chunk_size", (Attack) out -> {
          connect(out);
          out.write(RawRtmpPeer.message(2, MessageType.SET_CHUNK_SIZE, 0, new byte[] {0, 1, 0, 1}));
        }),
        Arguments.of("max_message_size", "message_too_large", (Attack) out -> {
          connect(out);
          out.write(RawRtmpPeer.header(6, MessageType.VIDEO, 1, 100_000));
        }),
        Arguments.of("max_chunk_streams", "too_many_chunk_streams", (Attack) out -> {
          connect(out);
          for (int csid = 10; csid < 30; csid++) {
            out.write(RawRtmpPeer.message(csid, MessageType.ACKNOWLEDGEMENT, 0, new byte[4]));
          }
        }),
        Arguments.of("max_pending_bytes", "pending_bytes_exceeded", (Attack) out -> {
          connect(out);
          // Four partial 60,000-byte messages (each under maxMessageSize) add up past maxPendingBytes.
          out.write(RawRtmpPeer.message(2, MessageType.SET_CHUNK_SIZE, 0, new byte[] {0, 0, 0x10, 0}));
          for (int round = 0; round < 8; round++) {
            for (int csid = 4; csid < 8; csid++) {
              out.write(round == 0 ? RawRtmpPeer.header(csid, MessageType.VIDEO, 1, 60_000) : new byte[] {(byte) (0xC0 | csid)});
              out.write(new byte[4096]);
            }
          }
        }),
        Arguments.of("amf (rtmp.amf.maxDepth)", "amf", (Attack) out -> {
          connect(out);
          out.write(RawRtmpPeer.message(3, MessageType.COMMAND_AMF0, 0, nestedCommand(20)));
        }),
        Arguments.of("amf (rtmp.amf.maxStringLength)", "amf", (Attack) out -> {
          connect(out);
          out.write(RawRtmpPeer.message(3, MessageType.COMMAND_AMF0, 0, longStringCommand(5_000)));
        }),
        Arguments.of("idle_timeout", "idle", (Attack) out -> {
          connect(out);
          command(out, 0, "createStream", 2);
        }),
        Arguments.of("publisher_no_data", "publisher_no_data", (Attack) out -> {
          connect(out);
          command(out, 0, "createStream", 2);
          command(out, 1, "publish", 3, null, "silent", "live");
        }));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("protocolLimits")
  void aProtocolLimitClosesOnlyTheConnectionThatHitIt(String limit, String closeReason, Attack attack)
      throws Exception {
    startOrigin(Map.of("rtmp.handshakeTimeout", "1s", "rtmp.maxChunkSize", "4KiB", "rtmp.maxMessageSize", "64KiB",
        "rtmp.maxPendingBytes", "100KiB", "rtmp.maxChunkStreams", 12, "rtmp.amf.maxDepth", 8,
        "rtmp.amf.maxStringLength", "1KiB", "rtmp.publisherNoDataTimeout", "1s", "rtmp.idleTimeout", "3s"));
    String limitTag = limit.startsWith("amf") ? "amf" : limit;
    Socket s = open("127.0.0.1");
    var out = s.getOutputStream();
    if (!limit.equals("handshake_timeout")) {
      handshake(s);
    }
    try {
      attack.run(new DataOutputStream(out));
      out.flush();
    } catch (SocketException closedWhileWriting) {
      // The server may close before the attacker has written everything it meant to.
    }
    assertClosedByServer(s);
    awaitLog("event=close peer=127.0.0.1:" + s.getLocalPort() + " ", "reason=" + closeReason + " ");
    awaitHits(limitTag, 1);
    Await.until(WAIT, "one close counted with reason " + closeReason, () -> closes(closeReason) == 1);
  }

  @Test
  void publishesBeyondMaxStreamsAreRefused() throws Exception {
    startOrigin(Map.of("live.maxStreams", 2));
    startPublisher("second");
    RtmpClient third = client(new Counting());
    third.connect(url("third")).get(10, TimeUnit.SECONDS);
    assertStatus(third.publish("third"), NetStatus.PUBLISH_BAD_NAME, "live.maxStreams");
    RtmpClient waiting = client(new Counting());
    waiting.connect(url("not-live")).get(10, TimeUnit.SECONDS);
    assertStatus(waiting.play("not-live"), NetStatus.PLAY_FAILED, "live.maxStreams");
    awaitHits("max_streams", 2);
    awaitLog("event=close ", "reason=max_streams ");
  }

  @Test
  void playersBeyondMaxPlayersPerStreamAreRefused() throws Exception {
    startOrigin(Map.of("live.maxPlayersPerStream", 2));
    Counting second = new Counting();
    play(second, "good").get(10, TimeUnit.SECONDS);
    Counting third = new Counting();
    assertStatus(play(third, "good"), NetStatus.PLAY_FAILED, "live.maxPlayersPerStream");
    third.closed.get(10, TimeUnit.SECONDS);
    awaitHits("max_players_per_stream", 1);
    awaitLog("event=close ", "reason=max_players_per_stream ");
    long frames = second.videoFrames;
    Await.until(WAIT, "the second player still receiving", () -> second.videoFrames >= frames + 15);
  }

  @Test
  void playersBeyondMaxWaitingPlayersAreRefusedUntilOneStopsWaiting() throws Exception {
    startOrigin(Map.of("live.maxWaitingPlayers", 1));
    Counting waiter = new Counting();
    play(waiter, "later").get(10, TimeUnit.SECONDS);
    Counting second = new Counting();
    assertStatus(play(second, "much-later"), NetStatus.PLAY_FAILED, "live.maxWaitingPlayers");
    awaitHits("max_waiting_players", 1);
    awaitLog("event=close ", "reason=max_waiting_players ");
    // Plays of a live stream do not wait and are not limited by it.
    Counting live = new Counting();
    play(live, "good").get(10, TimeUnit.SECONDS);
    // The stream the waiter wants goes live: it stops waiting, and a new waiter fits.
    startPublisher("later");
    Await.until(WAIT, "the waiting player receives the stream once it is live", () -> waiter.videoFrames >= 10);
    Await.until(WAIT, "nobody waiting", () -> origin.streams().waitingPlayers() == 0);
    play(new Counting(), "much-later").get(10, TimeUnit.SECONDS);
    assertThat(origin.streams().waitingPlayers()).isEqualTo(1);
  }

  // ---- set-up

  private void startOrigin(Map<String, Object> limits) throws Exception {
    Map<String, Object> settings = new HashMap<>(limits);
    settings.putAll(Map.of("rtmp.host", "127.0.0.1", "rtmp.port", 0, "http.host", "127.0.0.1", "http.port", 0));
    origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), settings).config())
        .await(30, TimeUnit.SECONDS);
    goodPublisher = startPublisher("good");
    goodPlayer = new Counting();
    play(goodPlayer, "good").get(10, TimeUnit.SECONDS);
    Await.until(WAIT, "good player receiving", () -> goodPlayer.videoFrames >= 15);
  }

  private SyntheticPublisher startPublisher(String key) throws Exception {
    RtmpClient c = client(new Counting());
    c.connect(url(key)).get(10, TimeUnit.SECONDS);
    c.publish(key).get(10, TimeUnit.SECONDS);
    return SyntheticPublisher.start(c, PROFILE, Duration.ofMinutes(5));
  }

  private CompletableFuture<Void> play(Counting listener, String key) {
    RtmpClient c = client(listener);
    return c.connect(url(key)).thenCompose(info -> c.play(key));
  }

  private RtmpClient client(RtmpClientListener listener) {
    RtmpClient c = RtmpClient.create(group, new RtmpClientOptions(), listener);
    clients.add(c);
    return c;
  }

  private RtmpUrl url(String key) {
    return new RtmpUrl("127.0.0.1", origin.rtmpPort(), "live", key);
  }

  /** A TCP connection from {@code localAddress} (any 127/8 address is this host). */
  private Socket open(String localAddress) throws IOException {
    Socket s = new Socket();
    sockets.add(s);
    s.setTcpNoDelay(true);
    s.bind(new InetSocketAddress(localAddress, 0));
    s.connect(new InetSocketAddress("127.0.0.1", origin.rtmpPort()), 5_000);
    return s;
  }

  // ---- checks

  /**
   * Waits for the count: a refusal's status reaches the client before the close that counts it,
   * and a count that goes past {@code expected} fails at once.
   */
  private void awaitHits(String limit, double expected) {
    Await.until(WAIT, "cascade.limits.hit{limit=" + limit + "} == " + expected,
        () -> {
          double hits = limitHits(limit);
          assertThat(hits).as("cascade.limits.hit{limit=%s}", limit).isLessThanOrEqualTo(expected);
          return hits == expected;
        });
  }

  private double limitHits(String limit) {
    return origin.metrics().registry().find("cascade.limits.hit").tag("limit", limit).counter().count();
  }

  private double closes(String reason) {
    return origin.metrics().registry().find("cascade.connections.closed").tag("reason", reason).counter().count();
  }

  private static void assertStaysOpen(Socket s) throws IOException {
    s.setSoTimeout(500);
    try {
      int b = s.getInputStream().read();
      fail("expected the connection to stay open, read " + b);
    } catch (SocketTimeoutException expected) {
      // still open
    }
  }

  private static void assertClosedByServer(Socket s) throws IOException {
    s.setSoTimeout((int) WAIT.toMillis());
    InputStream in = s.getInputStream();
    long deadline = System.nanoTime() + WAIT.toNanos();
    try {
      while (System.nanoTime() < deadline) {
        if (in.read(new byte[8192]) < 0) {
          return;
        }
      }
    } catch (SocketException reset) {
      return;
    }
    fail("the server did not close the connection");
  }

  private static void assertStatus(CompletableFuture<?> f, String code, String descriptionPart) throws Exception {
    try {
      f.get(10, TimeUnit.SECONDS);
      fail("expected %s", code);
    } catch (ExecutionException e) {
      assertThat(e.getCause()).isInstanceOf(RtmpStatusException.class);
      RtmpStatusException status = (RtmpStatusException) e.getCause();
      assertThat(status.code()).isEqualTo(code);
      assertThat(String.valueOf(status.info().get("description"))).contains(descriptionPart);
    }
  }

  private static void awaitLog(String... parts) {
    Await.until(WAIT, "a log line with " + List.of(parts),
        () -> !logs.matching(l -> Stream.of(parts).allMatch(p -> l.message().contains(p))).isEmpty());
  }

  // ---- raw RTMP

  @FunctionalInterface
  interface Attack {
    void run(DataOutputStream out) throws IOException;
  }

  private static void handshake(Socket s) throws IOException {
    var out = s.getOutputStream();
    out.write(3);
    out.write(new byte[1536]);
    out.flush();
    s.setSoTimeout(5_000);
    byte[] s0s1s2 = s.getInputStream().readNBytes(1 + 2 * 1536);
    out.write(s0s1s2, 1, 1536);
    out.flush();
  }

  private static void connect(DataOutputStream out) throws IOException {
    command(out, 0, "connect", 1, Map.of("app", "live", "tcUrl", "rtmp://127.0.0.1/live"));
  }

  private static void command(DataOutputStream out, int streamId, String name, double tx, Object... values)
      throws IOException {
    Object[] args = values.length == 0 ? new Object[] {null} : values;
    RtmpMessage m = Commands.command(io.netty.buffer.UnpooledByteBufAllocator.DEFAULT, streamId == 0 ? 3 : 8,
        streamId, name, tx, args);
    try {
      byte[] payload = new byte[m.payload().readableBytes()];
      m.payload().getBytes(m.payload().readerIndex(), payload);
      out.write(RawRtmpPeer.message(streamId == 0 ? 3 : 8, m.typeId(), streamId, payload));
    } finally {
      m.release();
    }
  }

  /** A command whose argument nests {@code depth} objects. */
  private static byte[] nestedCommand(int depth) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    RawRtmpPeer.commandStart(out, "call");
    for (int i = 0; i < depth; i++) {
      out.writeByte(Amf0.OBJECT);
      out.writeShort(1);
      out.writeByte('a');
    }
    out.writeByte(Amf0.NULL);
    for (int i = 0; i < depth; i++) {
      out.writeShort(0);
      out.writeByte(Amf0.OBJECT_END);
    }
    return bytes.toByteArray();
  }

  /** A command whose argument is a real string of {@code length} bytes. */
  private static byte[] longStringCommand(int length) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(bytes);
    RawRtmpPeer.commandStart(out, "call");
    out.writeByte(Amf0.NULL);
    out.writeByte(Amf0.STRING);
    out.writeShort(length);
    out.write(new byte[length]);
    return bytes.toByteArray();
  }

  /** Counts video frames and remembers the close. */
  static final class Counting implements RtmpClientListener {
    final CompletableFuture<Throwable> closed = new CompletableFuture<>();
    volatile long videoFrames;

    @Override
    public void onMessage(RtmpMessage m) {
      if (m.typeId() == MessageType.VIDEO && SyntheticMedia.parse(m.typeId(), m.payload()) != null) {
        videoFrames++;
      }
    }

    @Override
    public void onClose(Throwable cause) {
      closed.complete(cause);
    }
  }
}
