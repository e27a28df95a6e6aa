package io.cascade.origin;

import static io.cascade.testing.PlaybackAssertions.assertCleanPlayback;
import static io.cascade.testing.PlaybackAssertions.assertPublishedShare;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.auth.SignedKey;
import io.cascade.config.ConfigLoader;
import io.cascade.live.LiveStream;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.Playback;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.junit5.VertxExtension;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP-FLV and WebSocket-FLV on an in-process origin: ffmpeg publishes over RTMP, ffprobe decodes
 * {@code http://.../live/x.flv} (classic FLV for H.264/AAC, Enhanced FLV for HEVC/Opus), a Vert.x
 * WebSocket client parses the FLV it gets, and bad requests get their status codes.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpFlvIT {
  private static final Logger log = LoggerFactory.getLogger(HttpFlvIT.class);
  private static final Duration PUBLISH = Duration.ofSeconds(8);
  private static final Duration PLAY = Duration.ofSeconds(5);
  private static final Duration MIN_SPAN = PLAY.minusMillis(500);
  private static final Duration PUBLISH_START_LIMIT = Duration.ofSeconds(20);
  /** live.subscriber.maxBehindDuration of this origin: a reader behind this long is cut. */
  private static final Duration MAX_BEHIND = Duration.ofSeconds(2);
  /**
   * How long after it stops reading a reader may take to be cut beyond {@link #MAX_BEHIND}: the
   * kernel first takes a socket send buffer (http.sendBufferSize, 128 KiB by default) and Netty its
   * write buffer at this stream's ~1.4 Mbit/s, about 2 s; after the queue drops a GOP the cut comes
   * with the next queued keyframe (2 s GOP). Measured: cut 3 s after the reader stopped.
   */
  private static final Duration SLOW_CUT_LIMIT = MAX_BEHIND.plusSeconds(4);
  /** Above the two readers the other tests open at once, low enough to hit in one test. */
  private static final int MAX_CONNECTIONS = 3;
  private static final String SECRET = "httpflv-it-secret-4Kd9";

  private static Ffmpeg ffmpeg;
  private static OriginNode origin;
  private static HttpClient http;
  private static WebSocketClient websockets;

  @BeforeAll
  static void startOrigin(Vertx vertx) throws TimeoutException {
    ffmpeg = Ffmpeg.locate();
    origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), Map.ofEntries(
        Map.entry("rtmp.host", "127.0.0.1"), Map.entry("rtmp.port", 0),
        Map.entry("http.host", "127.0.0.1"), Map.entry("http.port", 0),
        Map.entry("live.playerWaitTimeout", "2s"),
        // Shorter than the plays below: a player written to all the time is never idle.
        Map.entry("http.idleTimeout", "3s"), Map.entry("hls.blockTimeout", "1s"),
        Map.entry("http.flv.maxConnections", MAX_CONNECTIONS),
        // Small queue bounds so a reader that stops reading is cut within seconds (slowReaderIsCut).
        Map.entry("live.subscriber.maxQueueBytes", "256KiB"),
        Map.entry("live.subscriber.maxQueueDuration", "500ms"),
        Map.entry("live.subscriber.maxBehindDuration", MAX_BEHIND.toMillis() + "ms"),
        Map.entry("auth.play.apps", "secure"),
        Map.entry("auth.play.secrets", SECRET))).config())
        .await(30, TimeUnit.SECONDS);
    http = vertx.createHttpClient();
    websockets = vertx.createWebSocketClient();
  }

  @AfterAll
  static void stopOrigin() throws TimeoutException {
    InProcessOrigin.stop(origin);
  }

  private static String unique(String label) {
    return label + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String rtmpUrl(String name) {
    return "rtmp://127.0.0.1:" + origin.rtmpPort() + "/live/" + name;
  }

  private static String flvUrl(String name) {
    return "http://127.0.0.1:" + origin.httpPort() + "/live/" + name + ".flv";
  }

  @ParameterizedTest
  @EnumSource(value = PublishProfile.class, names = {"H264_AAC", "HEVC_OPUS"})
  void ffprobeDecodesHttpFlv(PublishProfile profile) {
    String name = unique(profile.name().toLowerCase(Locale.ROOT));
    try (Publisher publisher = ffmpeg.publish(profile, rtmpUrl(name), PUBLISH)) {
      publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
      PlayReport report;
      try (Playback playback = ffmpeg.play(flvUrl(name), PLAY)) {
        report = playback.await();
      }
      log.info("played over http-flv profile={} {}", profile, report.summary());
      assertCleanPlayback(report, profile, MIN_SPAN);
      assertPublishedShare(report, profile, PLAY);
      var lag = origin.metrics().registry().find("cascade.edge.fanout.lag").tag("protocol", "http-flv").timer();
      assertThat(lag).as("fan-out lag of http-flv players").isNotNull();
      assertThat(lag.count()).as("http-flv fan-out lag samples").isPositive();
      assertThat(publisher.awaitExit()).as("publisher exit code\n%s", publisher.describe()).isZero();
    }
  }

  @Test
  void webSocketClientGetsFlvHeaderThenTags() throws Exception {
    String name = unique("ws");
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, rtmpUrl(name), Duration.ofSeconds(5))) {
      publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
      List<Buffer> messages = new CopyOnWriteArrayList<>();
      // The handler is set on the connection's loop as the upgrade completes, before any message.
      WebSocket ws = websockets.connect(origin.httpPort(), "127.0.0.1", "/live/" + name + ".flv")
          .andThen(ar -> {
            if (ar.succeeded()) {
              ar.result().binaryMessageHandler(messages::add);
            }
          })
          .await(10, TimeUnit.SECONDS);
      Await.until(Duration.ofSeconds(10), "45 video tags over the WebSocket", () -> countVideoTags(messages) >= 45,
          () -> messages.size() + " messages");
      ws.close().await(5, TimeUnit.SECONDS);
      publisher.awaitExit();

      Buffer stream = Buffer.buffer();
      messages.forEach(stream::appendBuffer);
      Buffer header = stream.getBuffer(0, 13);
      assertThat(messages.get(0).length()).as("the FLV header is the first message").isEqualTo(13);
      assertThat(header.getString(0, 3)).isEqualTo("FLV");
      assertThat(header.getByte(3)).isEqualTo((byte) 1);
      assertThat(header.getInt(5)).isEqualTo(9);
      List<Tag> tags = Tag.parseAll(stream, 13);
      assertThat(tags.get(0).type()).as("onMetaData first").isEqualTo(18);
      Tag firstVideo = tags.stream().filter(t -> t.type() == 9).findFirst().orElseThrow();
      assertThat(firstVideo.body().getByte(0) & 0xff).as("AVC keyframe").isEqualTo(0x17);
      assertThat(firstVideo.body().getByte(1)).as("AVC sequence header first").isEqualTo((byte) 0);
      long lastVideo = -1;
      for (Tag t : tags) {
        if (t.type() == 9) {
          assertThat(t.timestamp()).as("video timestamps never go back").isGreaterThanOrEqualTo(lastVideo);
          lastVideo = t.timestamp();
        }
      }
      assertThat(countVideoTags(messages)).as("video tags received").isGreaterThanOrEqualTo(45);
    }
  }

  /** Video tags in the complete tags received so far (messages are batches of tags: one per flush). */
  private static long countVideoTags(List<Buffer> messages) {
    Buffer stream = Buffer.buffer();
    messages.forEach(stream::appendBuffer);
    return stream.length() < 13 ? 0 : Tag.parseAll(stream, 13).stream().filter(t -> t.type() == 9).count();
  }

  /** One FLV tag of the WebSocket byte stream: header, body, PreviousTagSize. */
  private record Tag(int type, long timestamp, Buffer body) {
    /** The complete tags of {@code stream} from {@code offset}; a partial last one is left out. */
    static List<Tag> parseAll(Buffer stream, int offset) {
      List<Tag> tags = new ArrayList<>();
      int at = offset;
      while (at + 11 <= stream.length()) {
        int size = stream.getMedium(at + 1);
        if (at + 11 + size + 4 > stream.length()) {
          break;
        }
        int type = stream.getByte(at) & 0x1f;
        long ts = (stream.getMedium(at + 4) & 0xFFFFFFL) | ((long) (stream.getByte(at + 7) & 0xff) << 24);
        assertThat(stream.getInt(at + 11 + size)).as("PreviousTagSize").isEqualTo(11 + size);
        tags.add(new Tag(type, ts, stream.getBuffer(at + 11, at + 11 + size)));
        at += 11 + size + 4;
      }
      return tags;
    }
  }

  @Test
  void badRequestsGetTheirStatus() throws TimeoutException {
    assertThat(status(HttpMethod.GET, "/live/nothing-here").statusCode()).as("unknown path").isEqualTo(404);
    assertThat(status(HttpMethod.GET, "/x.flv").statusCode()).as("no app").isEqualTo(400);
    assertThat(status(HttpMethod.GET, "/live/.flv").statusCode()).as("no stream name").isEqualTo(400);
    assertThat(status(HttpMethod.GET, "/live/../x.flv").statusCode()).as("dot segments").isIn(400, 404);
    HttpClientResponse post = status(HttpMethod.POST, "/live/x.flv");
    assertThat(post.statusCode()).isEqualTo(405);
    HttpClientResponse notLive = status(HttpMethod.GET, "/live/" + unique("never") + ".flv");
    assertThat(notLive.statusCode()).as("not live within live.playerWaitTimeout").isEqualTo(404);
    assertThat(notLive.getHeader("access-control-allow-origin")).isEqualTo("*");
  }

  /** Players waiting for a stream count against http.flv.maxConnections; one more gets 503 with the reason. */
  @Test
  void overTheConnectionLimitIs503() throws Exception {
    String path = "/live/" + unique("crowd") + ".flv";
    List<io.vertx.core.Future<HttpClientResponse>> waiting = new ArrayList<>();
    for (int i = 0; i < MAX_CONNECTIONS; i++) {
      waiting.add(http.request(HttpMethod.GET, origin.httpPort(), "127.0.0.1", path)
          .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp))));
    }
    // Once all are held waiting (for live.playerWaitTimeout, 2 s) the next one is over the limit.
    String key = path.substring(1, path.length() - ".flv".length());
    Await.until(Duration.ofSeconds(2), "the origin holds " + MAX_CONNECTIONS + " players waiting for " + key,
        () -> subscribers(key) == MAX_CONNECTIONS, () -> "subscribers " + subscribers(key));
    HttpClientResponse over = status(HttpMethod.GET, path);
    assertThat(over.statusCode()).as("one more than http.flv.maxConnections").isEqualTo(503);
    for (var w : waiting) {
      assertThat(w.await(15, TimeUnit.SECONDS).statusCode()).as("the waiting ones, not live in time").isEqualTo(404);
    }
  }

  private static int subscribers(String key) {
    LiveStream stream = origin.streams().get(key);
    return stream == null ? 0 : stream.info().subscribers();
  }

  @Test
  void corsPreflightIsAnswered() throws TimeoutException {
    HttpClientResponse r = http.request(new RequestOptions().setMethod(HttpMethod.OPTIONS).setPort(origin.httpPort())
            .setHost("127.0.0.1").setURI("/live/x.flv")
            .addHeader("Origin", "https://player.example").addHeader("Access-Control-Request-Method", "GET"))
        .compose(req -> req.send()).await(10, TimeUnit.SECONDS);
    assertThat(r.statusCode()).isEqualTo(204);
    assertThat(r.getHeader("access-control-allow-origin")).isEqualTo("https://player.example");
    assertThat(r.getHeader("access-control-allow-methods")).contains("GET");
  }

  @Test
  void playAuthRefusesAnUnsignedKey() throws TimeoutException {
    String name = unique("secret");
    HttpClientResponse unsigned = status(HttpMethod.GET, "/secure/" + name + ".flv");
    assertThat(unsigned.statusCode()).isEqualTo(403);
    String signed = "/secure/" + name + ".flv?"
        + SignedKey.query(SECRET, "secure/" + name, System.currentTimeMillis() / 1000 + 600);
    assertThat(status(HttpMethod.GET, signed).statusCode()).as("admitted, then not live in time").isEqualTo(404);
  }

  /**
   * A reader that sends its GET and never reads (a 4 KiB receive window) is cut as a slow consumer
   * once its socket and queue are full, while a reader on the same stream keeps receiving.
   */
  @Test
  void slowReaderIsCutWhileAnotherKeepsReceiving() throws Exception {
    String name = unique("slow");
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, rtmpUrl(name), Duration.ofSeconds(50))) {
      publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
      double cutsBefore = slowCuts();
      AtomicLong goodBytes = new AtomicLong();
      http.request(HttpMethod.GET, origin.httpPort(), "127.0.0.1", "/live/" + name + ".flv")
          .compose(req -> req.send())
          .onSuccess(resp -> resp.handler(b -> goodBytes.addAndGet(b.length())));
      try (Socket slow = new Socket()) {
        slow.setReceiveBufferSize(4096);
        slow.connect(new InetSocketAddress("127.0.0.1", origin.httpPort()));
        slow.getOutputStream().write(("GET /live/" + name + ".flv HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        long cutMillis = Await.until(SLOW_CUT_LIMIT, "a slow_consumer cut", () -> slowCuts() > cutsBefore);
        log.info("slow reader cut after {} ms; the good reader got {} bytes meanwhile", cutMillis, goodBytes.get());
      }
      long afterCut = goodBytes.get();
      Await.until(Duration.ofSeconds(5), "20000 more bytes to the good reader after the cut",
          () -> goodBytes.get() >= afterCut + 20_000, () -> "got " + (goodBytes.get() - afterCut));
    }
  }

  private static double slowCuts() {
    var counter = origin.metrics().registry().find("cascade.httpflv.refused").tag("reason", "slow_consumer").counter();
    return counter == null ? 0 : counter.count();
  }

  private static HttpClientResponse status(HttpMethod method, String uri) throws TimeoutException {
    return http.request(method, origin.httpPort(), "127.0.0.1", uri)
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp)))
        .await(15, TimeUnit.SECONDS);
  }
}
