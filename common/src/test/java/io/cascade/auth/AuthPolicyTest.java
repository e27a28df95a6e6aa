package io.cascade.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.config.CascadeConfig;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.server.SessionPolicy;
import io.cascade.server.SessionPolicy.Refused;
import io.cascade.server.SessionPolicy.Request;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The auth policy against a real HTTP server on loopback: what the webhook is sent, how its
 * answers, silences and errors decide, notifications, and how the address and signing rules
 * combine with it and with the wrapped policy.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AuthPolicyTest {
  private static final long NOW = 1_800_000_000L;
  private static final long WAIT = 10;
  private static Vertx vertx;
  private static HttpServer server;
  private static final BlockingQueue<JsonObject> received = new LinkedBlockingQueue<>();
  /** What the hook answers: a status, or 0 to never answer. */
  private static final AtomicInteger answer = new AtomicInteger(200);
  /** Responses held back (answer 0), oldest first, for a test to end when it chooses. */
  private static final BlockingQueue<HttpServerResponse> unanswered = new LinkedBlockingQueue<>();
  /** Requests that arrived while an earlier one was still held back. */
  private static final AtomicInteger overlapping = new AtomicInteger();
  private static int port;

  @BeforeAll
  static void startVertx() {
    vertx = Vertx.vertx();
  }

  /**
   * A hook server per test, closed with its connections after it: a request a test leaves
   * unanswered, or a connection it leaves half-used, cannot hold up the next test's requests.
   */
  @BeforeEach
  void startHook() throws Exception {
    server = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      JsonObject event = body.toJsonObject();
      event.put("_path", req.uri()).put("_method", req.method().name())
          .put("_contentType", String.valueOf(req.getHeader("content-type")));
      received.add(event);
      int status = answer.get();
      if (status != 0) {
        req.response().setStatusCode(status).end();
      } else {
        if (!unanswered.isEmpty()) {
          overlapping.incrementAndGet();
        }
        unanswered.add(req.response());
      }
    })).listen(0, "127.0.0.1").await(WAIT, TimeUnit.SECONDS);
    port = server.actualPort();
  }

  @AfterEach
  void stopHook() throws Exception {
    server.close().await(WAIT, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    vertx.close().await(WAIT, TimeUnit.SECONDS);
  }

  @BeforeEach
  void reset() {
    received.clear();
    answer.set(200);
    unanswered.clear();
    overlapping.set(0);
  }

  @Test
  void aTwoHundredAllowsAndTheHookGetsTheEventAsJson() throws Exception {
    SessionPolicy policy = policy(Map.of("auth.publish.webhook.url", hook("/on_publish?token=t0k")));
    admitPublish(policy, request("live", "cam1", Map.of("key", "abc"), "127.0.0.1:40000")).await(WAIT, TimeUnit.SECONDS);
    JsonObject event = received.poll(WAIT, TimeUnit.SECONDS);
    assertThat(event).isNotNull();
    assertThat(event.getString("_method")).isEqualTo("POST");
    assertThat(event.getString("_path")).isEqualTo("/on_publish?token=t0k");
    assertThat(event.getString("_contentType")).isEqualTo("application/json");
    assertThat(event.getString("action")).isEqualTo("publish");
    assertThat(event.getString("app")).isEqualTo("live");
    assertThat(event.getString("stream")).isEqualTo("cam1");
    assertThat(event.getJsonObject("params").getMap()).isEqualTo(Map.of("key", "abc"));
    assertThat(event.getString("clientIp")).isEqualTo("127.0.0.1");
    assertThat(event.getString("node")).isEqualTo("node-a");
  }

  @Test
  void anyOtherStatusRefusesWithBadName() {
    answer.set(403);
    SessionPolicy policy = policy(Map.of("auth.publish.webhook.url", hook("/on_publish")));
    assertRefused(admitPublish(policy, request("live", "cam1", Map.of(), "127.0.0.1:1")), NetStatus.PUBLISH_BAD_NAME,
        "webhook_denied", "HTTP 403");
    answer.set(302);
    assertRefused(admitPublish(policy, request("live", "cam1", Map.of(), "127.0.0.1:1")), NetStatus.PUBLISH_BAD_NAME,
        "webhook_denied", "HTTP 302");
  }

  @Test
  void aSilentHookRefusesAfterTheTimeoutUnlessFailOpen() throws Exception {
    // A hook of its own that reads each request and never answers, closed (with its connections)
    // at the end: nothing it leaves half-answered can stall the shared hook's later requests.
    HttpServer silent = vertx.createHttpServer().requestHandler(req -> req.body())
        .listen(0, "127.0.0.1").await(WAIT, TimeUnit.SECONDS);
    String url = "http://127.0.0.1:" + silent.actualPort() + "/slow";
    try {
      SessionPolicy closed = policy(Map.of("auth.publish.webhook.url", url, "auth.publish.webhook.timeout", "300ms"));
      long start = System.nanoTime();
      assertRefused(admitPublish(closed, request("live", "cam1", Map.of(), "127.0.0.1:1")), NetStatus.PUBLISH_BAD_NAME,
          "webhook_error", "timeout");
      long ms = (System.nanoTime() - start) / 1_000_000;
      assertThat(ms).as("refused after the 300 ms timeout").isBetween(250L, 5_000L);

      SessionPolicy open = policy(Map.of("auth.publish.webhook.url", url, "auth.publish.webhook.timeout", "300ms",
          "auth.publish.webhook.failOpen", "true"));
      assertThat(admitPublish(open, request("live", "cam1", Map.of(), "127.0.0.1:1")).await(WAIT, TimeUnit.SECONDS))
          .isNull();
    } finally {
      silent.close().await(WAIT, TimeUnit.SECONDS);
    }
  }

  @Test
  void serverErrorsAndUnreachableHooksAreFailuresNotDenials() throws Exception {
    answer.set(503);
    assertRefused(admitPublish(policy(Map.of("auth.publish.webhook.url", hook("/x"))),
        request("live", "a", Map.of(), "127.0.0.1:1")), NetStatus.PUBLISH_BAD_NAME, "webhook_error", "status_503");
    admitPublish(policy(Map.of("auth.publish.webhook.url", hook("/x"), "auth.publish.webhook.failOpen", "true")),
        request("live", "a", Map.of(), "127.0.0.1:1")).await(WAIT, TimeUnit.SECONDS);
    // A 4xx is an answer: fail-open does not turn it into an allow.
    answer.set(401);
    assertRefused(admitPublish(policy(Map.of("auth.publish.webhook.url", hook("/x"), "auth.publish.webhook.failOpen", "true")),
        request("live", "a", Map.of(), "127.0.0.1:1")), NetStatus.PUBLISH_BAD_NAME, "webhook_denied", "401");

    int closedPort;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    assertRefused(admitPublish(policy(Map.of("auth.publish.webhook.url", "http://127.0.0.1:" + closedPort + "/x")),
        request("live", "a", Map.of(), "127.0.0.1:1")), NetStatus.PUBLISH_BAD_NAME, "webhook_error", "unreachable");
  }

  @Test
  void endsAreNotifiedAsUnpublishAndStop() throws Exception {
    SessionPolicy policy = policy(Map.of("auth.publish.webhook.url", hook("/pub"), "auth.play.webhook.url", hook("/play")));
    Request pub = request("live", "cam1", Map.of(), "127.0.0.1:5");
    admitPublish(policy, pub).await(WAIT, TimeUnit.SECONDS);
    policy.publishEnded(pub, handle(pub));
    Request play = request("live", "cam1", Map.of(), "127.0.0.1:6");
    policy.admitPlay(play).await(WAIT, TimeUnit.SECONDS);
    policy.playEnded(play);
    List<String> seen = new java.util.ArrayList<>();
    for (int i = 0; i < 4; i++) {
      JsonObject e = received.poll(WAIT, TimeUnit.SECONDS);
      assertThat(e).as("event %d", i).isNotNull();
      seen.add(e.getString("_path") + " " + e.getString("action"));
    }
    assertThat(seen).containsExactlyInAnyOrder("/pub publish", "/pub unpublish", "/play play", "/play stop");
  }

  @Test
  void anAllowedPublishThatTheNodeRefusesIsReportedEnded() throws Exception {
    SessionPolicy refusing = new SessionPolicy() {
      @Override
      public Future<Void> admitPublish(Request request, PublishHandle handle) {
        return Future.failedFuture(new Refused(NetStatus.PUBLISH_BAD_NAME, "publish_rejected", "taken"));
      }
    };
    SessionPolicy policy = AuthPolicy.wrap(vertx, auth(Map.of("auth.publish.webhook.url", hook("/pub"))), "node-a", refusing);
    assertRefused(admitPublish(policy, request("live", "cam1", Map.of(), "127.0.0.1:5")), NetStatus.PUBLISH_BAD_NAME,
        "publish_rejected", "taken");
    assertThat(received.poll(WAIT, TimeUnit.SECONDS).getString("action")).isEqualTo("publish");
    assertThat(received.poll(WAIT, TimeUnit.SECONDS).getString("action")).isEqualTo("unpublish");
  }

  @Test
  void notificationsAreBoundedInFlightAndQueued() throws Exception {
    answer.set(0);
    Webhook webhook = new Webhook(vertx, 1, 2);
    for (int i = 0; i < 10; i++) {
      webhook.tell(hook("/stall"), notification("s" + i), Duration.ofSeconds(30));
    }
    assertThat(received.poll(WAIT, TimeUnit.SECONDS).getString("stream")).isEqualTo("s0");
    assertThat(webhook.pending()).as("one in flight, two queued, seven dropped").isEqualTo(3);
    // Each answer lets the next queued notification go, and only then.
    for (String next : List.of("s1", "s2")) {
      unanswered.poll(WAIT, TimeUnit.SECONDS).setStatusCode(200).end();
      assertThat(received.poll(WAIT, TimeUnit.SECONDS).getString("stream")).isEqualTo(next);
    }
    HttpServerResponse last = unanswered.poll(WAIT, TimeUnit.SECONDS);
    answer.set(200);
    last.setStatusCode(200).end();
    // A later notification is the next to arrive: the dropped ones were never sent.
    webhook.tell(hook("/after"), notification("after"), Duration.ofSeconds(30));
    assertThat(received.poll(WAIT, TimeUnit.SECONDS).getString("stream")).isEqualTo("after");
    assertThat(overlapping).as("requests that arrived while one was unanswered (maxConcurrent 1)").hasValue(0);
    webhook.close().await(WAIT, TimeUnit.SECONDS);
  }

  private static JsonObject notification(String stream) {
    return new JsonObject().put("action", "stop").put("app", "live").put("stream", stream);
  }

  @Test
  void addressListsDenyFirstThenAllow() throws Exception {
    SessionPolicy policy = policy(Map.of("auth.publish.allow", "10.0.0.0/8,127.0.0.1", "auth.publish.deny", "10.9.0.0/16"));
    admitPublish(policy, request("live", "a", Map.of(), "127.0.0.1:1")).await(WAIT, TimeUnit.SECONDS);
    admitPublish(policy, request("live", "a", Map.of(), "10.1.2.3:1")).await(WAIT, TimeUnit.SECONDS);
    assertRefused(admitPublish(policy, request("live", "a", Map.of(), "10.9.2.3:1")), NetStatus.PUBLISH_BAD_NAME,
        "address_denied", "not allowed");
    assertRefused(admitPublish(policy, request("live", "a", Map.of(), "192.0.2.1:1")), NetStatus.PUBLISH_BAD_NAME,
        "address_denied", "not allowed");
    assertRefused(admitPublish(policy, request("live", "a", Map.of(), "?")), NetStatus.PUBLISH_BAD_NAME,
        "address_denied", "not allowed");
    SessionPolicy v6 = policy(Map.of("auth.play.deny", "::1"));
    assertRefused(v6.admitPlay(request("live", "a", Map.of(), "0:0:0:0:0:0:0:1:4444")), NetStatus.PLAY_FAILED,
        "address_denied", "not allowed");
  }

  @Test
  void signedKeysAreCheckedBeforeTheWebhookIsAsked() throws Exception {
    SessionPolicy policy = policy(Map.of("auth.publish.secrets", "old,new", "auth.publish.webhook.url", hook("/pub")));
    Map<String, String> good = signed("new", "live/cam1", NOW + 60);
    admitPublish(policy, request("live", "cam1", good, "127.0.0.1:1")).await(WAIT, TimeUnit.SECONDS);
    assertThat(received.poll(WAIT, TimeUnit.SECONDS).getJsonObject("params").getString("exp")).isEqualTo(good.get("exp"));

    assertRefused(admitPublish(policy, request("live", "cam1", signed("new", "live/cam1", NOW - 1), "127.0.0.1:1")),
        NetStatus.PUBLISH_BAD_NAME, "signature_expired", "expired");
    assertRefused(admitPublish(policy, request("live", "cam1", signed("other", "live/cam1", NOW + 60), "127.0.0.1:1")),
        NetStatus.PUBLISH_BAD_NAME, "signature_invalid", "does not match");
    assertRefused(admitPublish(policy, request("live", "cam1", Map.of(), "127.0.0.1:1")),
        NetStatus.PUBLISH_BAD_NAME, "signature_missing", "required");
    // The next request the hook sees is a later good publish: none was sent for the bad signatures.
    admitPublish(policy, request("live", "cam2", signed("new", "live/cam2", NOW + 60), "127.0.0.1:1"))
        .await(WAIT, TimeUnit.SECONDS);
    assertThat(received.poll(WAIT, TimeUnit.SECONDS).getString("stream"))
        .as("the webhook is not asked after a bad signature").isEqualTo("cam2");
  }

  @Test
  void rulesApplyToTheirAppsAndActionsOnly() throws Exception {
    SessionPolicy policy = policy(Map.of("auth.publish.secrets", "k", "auth.publish.apps", "secure"));
    admitPublish(policy, request("live", "cam1", Map.of(), "127.0.0.1:1")).await(WAIT, TimeUnit.SECONDS);
    policy.admitPlay(request("secure", "cam1", Map.of(), "127.0.0.1:1")).await(WAIT, TimeUnit.SECONDS);
    assertRefused(admitPublish(policy, request("secure", "cam1", Map.of(), "127.0.0.1:1")),
        NetStatus.PUBLISH_BAD_NAME, "signature_missing", "required");
  }

  @Test
  void relayPullsSkipPlayerAuthAndAreJudgedByTheWrappedPolicy() throws Exception {
    Map<String, Boolean> asked = new HashMap<>();
    SessionPolicy origin = new SessionPolicy() {
      @Override
      public Future<Void> admitPlay(Request request) {
        asked.put(request.name(), true);
        return "valid".equals(request.query().get("cascade_relay")) ? Future.succeededFuture()
            : Future.failedFuture(new Refused(NetStatus.PLAY_FAILED, "relay_auth_failed", "bad token"));
      }

      @Override
      public boolean isRelay(Request request) {
        return request.query().containsKey("cascade_relay");
      }
    };
    SessionPolicy policy = AuthPolicy.wrap(vertx, auth(Map.of("auth.play.secrets", "k", "auth.play.deny", "127.0.0.0/8")),
        "origin-a", origin);
    policy.admitPlay(request("live", "relayed", Map.of("cascade_relay", "valid"), "127.0.0.1:1"))
        .await(WAIT, TimeUnit.SECONDS);
    assertRefused(policy.admitPlay(request("live", "forged", Map.of("cascade_relay", "forged"), "127.0.0.1:1")),
        NetStatus.PLAY_FAILED, "relay_auth_failed", "bad token");
    assertRefused(policy.admitPlay(request("live", "player", Map.of(), "127.0.0.1:1")),
        NetStatus.PLAY_FAILED, "address_denied", "not allowed");
    assertThat(asked).containsOnlyKeys("relayed", "forged");
    assertThat(policy.isRelay(request("live", "x", Map.of("cascade_relay", "valid"), "127.0.0.1:1"))).isTrue();
  }

  @Test
  void aWebhookUrlThatCannotBeCalledStopsTheStartWithoutQuotingIt() {
    for (String url : List.of("ftp://hooks.example/x?token=s3cr3t", "/relative?token=s3cr3t", "http://?token=s3cr3t")) {
      assertThatThrownBy(() -> AuthPolicy.wrap(vertx, auth(Map.of("auth.play.webhook.url", url)), "n",
          SessionPolicy.ALLOW_ALL))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("auth.play.webhook.url")
          .hasMessageNotContaining("s3cr3t");
    }
  }

  @Test
  void noRulesLeaveThePolicyAsItWas() {
    assertThat(AuthPolicy.wrap(vertx, auth(Map.of()), "n", SessionPolicy.ALLOW_ALL)).isSameAs(SessionPolicy.ALLOW_ALL);
  }

  private static Map<String, String> signed(String secret, String key, long exp) {
    return Map.of("exp", Long.toString(exp), "sig", SignedKey.sign(secret, key, exp));
  }

  private static String hook(String path) {
    return "http://127.0.0.1:" + port + path;
  }

  /**
   * The settings under test, with both webhook timeouts at 8 s (inside the tests' {@link #WAIT})
   * unless a test sets its own:
   * the default 3 s is a production figure, and a test about what an answer decides must not turn
   * into a timeout test when the shared CI machine stalls for a few seconds (it did, once).
   */
  private static AuthSettings auth(Map<String, Object> settings) {
    Map<String, Object> all = new HashMap<>(settings);
    all.putIfAbsent("auth.publish.webhook.timeout", "8s");
    all.putIfAbsent("auth.play.webhook.timeout", "8s");
    return AuthSettings.from(CascadeConfig.with(all));
  }

  private static SessionPolicy policy(Map<String, Object> settings) {
    return new AuthPolicy(SessionPolicy.ALLOW_ALL, auth(settings), new Webhook(vertx, 4, 100), "node-a", () -> NOW);
  }

  private static Request request(String app, String name, Map<String, String> query, String peer) {
    return new Request(app, name, app + "/" + name, query, peer, 1);
  }

  private static Future<Void> admitPublish(SessionPolicy policy, Request request) {
    return policy.admitPublish(request, handle(request));
  }

  private static SessionPolicy.PublishHandle handle(Request request) {
    return new SessionPolicy.PublishHandle() {
      @Override
      public String key() {
        return request.key();
      }

      @Override
      public void revoke(String code, String description, String reason) {
      }
    };
  }

  private static void assertRefused(Future<Void> admission, String code, String reason, String descriptionPart) {
    assertThatThrownBy(() -> admission.await(WAIT, TimeUnit.SECONDS))
        .isInstanceOfSatisfying(Refused.class, r -> {
          assertThat(r.code()).as(r.getMessage()).isEqualTo(code);
          assertThat(r.reason()).as(r.getMessage()).isEqualTo(reason);
          assertThat(r.getMessage()).contains(descriptionPart);
        });
  }
}
