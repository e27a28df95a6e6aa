package io.cascade.origin;

import static io.cascade.testing.PlaybackAssertions.assertCleanPlayback;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.cascade.auth.SignedKey;
import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpStatusException;
import io.cascade.client.RtmpUrl;
import io.cascade.config.ConfigLoader;
import io.cascade.config.ConfigSchema;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.Playback;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Publish and play auth on a real origin with real clients: publishes need a key signed with one
 * of two rotating secrets, plays are asked of an HTTP webhook. A refused client gets the error
 * status with a reason and is disconnected; an allowed ffmpeg publish plays in ffprobe. No
 * signature or secret shows up in the node's logs or metrics.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class AuthIT {
  private static final String OLD_SECRET = "auth-it-old-7Hq2";
  private static final String NEW_SECRET = "auth-it-new-9Zx4";
  private static final Duration PUBLISH = Duration.ofSeconds(8);
  private static final Duration PLAY = Duration.ofSeconds(4);

  private static OriginNode origin;
  private static HttpServer hook;
  private static EventLoopGroup group;
  private static LogCapture logs;
  private static final BlockingQueue<JsonObject> hookEvents = new LinkedBlockingQueue<>();

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    logs = LogCapture.attach();
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    // The play webhook allows streams whose name starts with "open-".
    hook = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      JsonObject event = body.toJsonObject();
      hookEvents.add(event);
      req.response().setStatusCode(event.getString("stream", "").startsWith("open-") ? 204 : 403).end();
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), Map.of(
        "rtmp.host", "127.0.0.1", "rtmp.port", 0, "http.host", "127.0.0.1", "http.port", 0,
        "auth.publish.secrets", OLD_SECRET + "," + NEW_SECRET,
        "auth.play.webhook.url", "http://127.0.0.1:" + hook.actualPort() + "/on_play")).config())
        .await(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    InProcessOrigin.stop(origin);
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    if (logs != null) {
      logs.detach();
    }
  }

  @Test
  void publishesWithAMissingWrongOrExpiredKeyGetBadNameAndAreClosed() throws Exception {
    long now = System.currentTimeMillis() / 1000;
    String name = unique("refused");
    String key = "live/" + name;
    Map<String, String> cases = Map.of(
        name, "signed stream key (exp and sig) is required",
        name + "?" + SignedKey.query("not-a-cluster-secret", key, now + 600), "signature does not match",
        name + "?" + SignedKey.query(NEW_SECRET, key, now - 5), "stream key has expired",
        name + "?" + SignedKey.query(NEW_SECRET, "live/another-stream", now + 600), "signature does not match",
        name + "?exp=" + (now + 600) + "&sig=xyz", "malformed");
    for (Map.Entry<String, String> c : cases.entrySet()) {
      CompletableFuture<Throwable> closed = new CompletableFuture<>();
      RtmpClient client = RtmpClient.create(group, new RtmpClientOptions(), new RtmpClientListener() {
        @Override
        public void onClose(Throwable cause) {
          closed.complete(cause);
        }
      });
      try {
        client.connect(new RtmpUrl("127.0.0.1", origin.rtmpPort(), "live", name)).get(10, TimeUnit.SECONDS);
        Throwable refused = Futures.failure(client.publish(c.getKey()));
        assertThat(refused).as(c.getValue()).isInstanceOf(RtmpStatusException.class);
        RtmpStatusException status = (RtmpStatusException) refused;
        assertThat(status.code()).isEqualTo(NetStatus.PUBLISH_BAD_NAME);
        assertThat(String.valueOf(status.info().get("description"))).contains(key).contains(c.getValue());
        closed.get(10, TimeUnit.SECONDS);
        assertThat(client.isOpen()).as("the server closed the refused publisher").isFalse();
      } finally {
        client.close().get(10, TimeUnit.SECONDS);
      }
    }
    assertThat(origin.streams().get(key)).as("no stream was created").isNull();
    assertThat(authFailures("publish", "signature_missing")).isGreaterThanOrEqualTo(1);
    assertThat(authFailures("publish", "signature_invalid")).isGreaterThanOrEqualTo(2);
    assertThat(authFailures("publish", "signature_expired")).isGreaterThanOrEqualTo(1);
    assertThat(authFailures("publish", "signature_malformed")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void ffmpegWithAnExpiredKeyIsRefusedWithTheReason() {
    Ffmpeg ffmpeg = Ffmpeg.locate();
    String name = unique("expired");
    long exp = System.currentTimeMillis() / 1000 - 60;
    String url = "rtmp://127.0.0.1:" + origin.rtmpPort() + "/live/" + name + "?"
        + SignedKey.query(OLD_SECRET, "live/" + name, exp);
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, url, Duration.ofSeconds(3))) {
      int exit = publisher.awaitExit();
      assertThat(exit).as("ffmpeg exit code\n%s", publisher.describe()).isNotZero();
      assertThat(publisher.describe()).as("ffmpeg's stderr names the refusal").contains("stream key has expired");
      assertThat(publisher.framesSent()).isZero();
    }
  }

  @Test
  void aSignedPublishPlaysWhenTheWebhookAllowsThePlay() throws Exception {
    Ffmpeg ffmpeg = Ffmpeg.locate();
    String name = unique("open-signed");
    String key = "live/" + name;
    long exp = System.currentTimeMillis() / 1000 + 600;
    // Signed with the older of the two active secrets: both verify during a rotation.
    String publishUrl = "rtmp://127.0.0.1:" + origin.rtmpPort() + "/" + key + "?" + SignedKey.query(OLD_SECRET, key, exp);
    String playUrl = "rtmp://127.0.0.1:" + origin.rtmpPort() + "/" + key + "?viewer=v1";
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, publishUrl, PUBLISH)) {
      publisher.awaitFramesSent(30, Duration.ofSeconds(20));
      PlayReport report;
      try (Playback playback = ffmpeg.play(playUrl, PLAY)) {
        report = playback.await();
      }
      assertCleanPlayback(report, PublishProfile.H264_AAC, PLAY.minusMillis(500));
      assertThat(publisher.awaitExit()).as("publisher exit\n%s", publisher.describe()).isZero();
    }
    JsonObject play = awaitHookEvent(name, "play");
    assertThat(play.getString("app")).isEqualTo("live");
    assertThat(play.getJsonObject("params").getString("viewer")).isEqualTo("v1");
    assertThat(play.getString("clientIp")).isEqualTo("127.0.0.1");
    assertThat(play.getString("node")).isEqualTo(origin.config().get(ConfigSchema.NODE_ID));
    awaitHookEvent(name, "stop");
  }

  @Test
  void aPlayTheWebhookDeniesGetsPlayFailed() throws Exception {
    String name = unique("closed");
    CompletableFuture<Throwable> closed = new CompletableFuture<>();
    RtmpClient client = RtmpClient.create(group, new RtmpClientOptions(), new RtmpClientListener() {
      @Override
      public void onClose(Throwable cause) {
        closed.complete(cause);
      }
    });
    try {
      client.connect(new RtmpUrl("127.0.0.1", origin.rtmpPort(), "live", name)).get(10, TimeUnit.SECONDS);
      Throwable refused = Futures.failure(client.play(name));
      assertThat(refused).isInstanceOf(RtmpStatusException.class);
      assertThat(((RtmpStatusException) refused).code()).isEqualTo(NetStatus.PLAY_FAILED);
      assertThat(String.valueOf(((RtmpStatusException) refused).info().get("description")))
          .contains("denied by the auth service (HTTP 403)");
      closed.get(10, TimeUnit.SECONDS);
    } finally {
      client.close().get(10, TimeUnit.SECONDS);
    }
    awaitHookEvent(name, "play");
    assertThat(authFailures("play", "webhook_denied")).isGreaterThanOrEqualTo(1);
  }

  /** Runs last in effect: checks everything logged and exposed while the class ran so far. */
  @Test
  void noSignatureOrSecretInLogsOrMetrics() throws Exception {
    publishesWithAMissingWrongOrExpiredKeyGetBadNameAndAreClosed();
    long now = System.currentTimeMillis() / 1000;
    List<String> forbidden = new java.util.ArrayList<>(List.of(OLD_SECRET, NEW_SECRET, "sig="));
    String name = unique("leak");
    String sig = SignedKey.sign(NEW_SECRET, "live/" + name, now + 600);
    forbidden.add(sig);
    RtmpClient client = RtmpClient.create(group, new RtmpClientOptions(), new RtmpClientListener() {
    });
    try {
      client.connect(new RtmpUrl("127.0.0.1", origin.rtmpPort(), "live", name)).get(10, TimeUnit.SECONDS);
      // Right signature for another stream: refused, and its signature must not be echoed anywhere.
      Futures.failure(client.publish("other?" + "exp=" + (now + 600) + "&sig=" + sig));
    } finally {
      client.close().get(10, TimeUnit.SECONDS);
    }
    HttpResponse<String> metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + origin.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(metrics.body()).contains("cascade_auth_failures_total");
    for (String secret : forbidden) {
      assertThat(metrics.body()).as("metrics").doesNotContain(secret);
      // The test harness itself logs the URLs it runs ffmpeg with; everything else is the node's.
      assertThat(logs.matching(l -> !l.logger().startsWith("io.cascade.testing")
              && (l.message().contains(secret) || String.valueOf(l.thrown()).contains(secret))))
          .as("log lines containing %s", secret).isEmpty();
    }
    assertThat(logs.matching(l -> l.message().contains("reason=signature_invalid"))).as("the refusal is logged").isNotEmpty();
  }

  private static double authFailures(String action, String reason) {
    var counter = origin.metrics().registry().find("cascade.auth.failures").tag("action", action).tag("reason", reason)
        .counter();
    return counter == null ? 0 : counter.count();
  }

  private static JsonObject awaitHookEvent(String stream, String action) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    List<JsonObject> seen = new java.util.ArrayList<>();
    while (System.nanoTime() < deadline) {
      JsonObject e = hookEvents.poll(200, TimeUnit.MILLISECONDS);
      if (e != null && stream.equals(e.getString("stream")) && action.equals(e.getString("action"))) {
        hookEvents.addAll(seen);
        return e;
      }
      if (e != null) {
        seen.add(e);
      }
    }
    hookEvents.addAll(seen);
    return fail("no %s event for %s; saw %s", action, stream, seen);
  }

  private static String unique(String label) {
    return label + "-" + UUID.randomUUID().toString().substring(0, 8);
  }
}
