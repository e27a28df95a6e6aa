package io.cascade.auth;

import io.cascade.rtmp.message.NetStatus;
import io.cascade.server.SessionPolicy;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publish and play authentication in front of a node's own policy: client address lists, signed
 * stream keys and an HTTP webhook, each optional, all that are set must pass, checked in that
 * order (cheapest first). Only then does the wrapped policy (registry claim, relay check) see the
 * request. Refusals carry a reason token for logs and metrics and a description for the client,
 * neither of which contains a signature, a secret or the webhook's URL.
 *
 * <p>A relay pull (an edge with a cluster token, as the wrapped policy recognises it) is never
 * subject to player auth: the wrapped policy verifies its token instead.
 */
public final class AuthPolicy implements SessionPolicy {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.auth");

  private final SessionPolicy next;
  private final ActionRules publish;
  private final ActionRules play;
  private final Webhook webhook;
  private final String nodeId;
  private final LongSupplier nowSeconds;

  /** One action's rules with the status code its refusals carry. */
  private record ActionRules(String action, String endAction, String code, AuthSettings.Rules rules) {
    boolean appliesTo(String app) {
      return rules.active() && (rules.apps().isEmpty() || rules.apps().contains(app));
    }

    boolean hasWebhook() {
      return !rules.webhook().url().isEmpty();
    }
  }

  AuthPolicy(SessionPolicy next, AuthSettings auth, Webhook webhook, String nodeId, LongSupplier nowSeconds) {
    this.next = next;
    this.publish = new ActionRules("publish", "unpublish", NetStatus.PUBLISH_BAD_NAME, auth.publish());
    this.play = new ActionRules("play", "stop", NetStatus.PLAY_FAILED, auth.play());
    this.webhook = webhook;
    this.nodeId = nodeId;
    this.nowSeconds = nowSeconds;
  }

  /** {@code next} behind the configured rules, or {@code next} itself when no rule is set. */
  public static SessionPolicy wrap(Vertx vertx, AuthSettings auth, String nodeId, SessionPolicy next) {
    if (!auth.publish().active() && !auth.play().active()) {
      return next;
    }
    checkUrl("auth.publish.webhook.url", auth.publish().webhook().url());
    checkUrl("auth.play.webhook.url", auth.play().webhook().url());
    boolean hooks = !auth.publish().webhook().url().isEmpty() || !auth.play().webhook().url().isEmpty();
    Webhook webhook = hooks ? new Webhook(vertx, auth.webhook().maxConcurrent(), auth.webhook().maxQueued()) : null;
    LOG.info("event=auth.enabled publish=\"{}\" play=\"{}\"", describe(auth.publish()), describe(auth.play()));
    return new AuthPolicy(next, auth, webhook, nodeId, () -> System.currentTimeMillis() / 1000);
  }

  /** Fails the node's start on a URL the webhook could never call; the message leaves the URL out. */
  private static void checkUrl(String setting, String url) {
    if (url.isEmpty()) {
      return;
    }
    try {
      URI uri = new URI(url);
      if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
        throw new URISyntaxException(setting, "not an absolute http(s) URL with a host");
      }
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(setting + " is not an absolute http(s) URL with a host");
    }
  }

  private static String describe(AuthSettings.Rules r) {
    if (!r.active()) {
      return "off";
    }
    return "apps=" + (r.apps().isEmpty() ? "all" : String.join(",", r.apps())) + " allow=" + r.allow().size()
        + " deny=" + r.deny().size() + " signed=" + !r.secrets().isEmpty() + " secrets=" + r.secrets().size()
        + " webhook=" + !r.webhook().url().isEmpty() + " failOpen=" + r.webhook().failOpen();
  }

  @Override
  public Future<Void> admitPublish(Request request, PublishHandle handle) {
    return check(publish, request).compose(hooked -> next.admitPublish(request, handle).onFailure(e -> {
      if (hooked) {
        // The webhook allowed a publish that never started: close the loop for it.
        tell(publish, publish.endAction(), request);
      }
    }).mapEmpty());
  }

  @Override
  public void publishEnded(Request request, PublishHandle handle) {
    next.publishEnded(request, handle);
    if (publish.appliesTo(request.app()) && publish.hasWebhook()) {
      tell(publish, publish.endAction(), request);
    }
  }

  @Override
  public Future<Void> admitPlay(Request request) {
    if (next.isRelay(request)) {
      return next.admitPlay(request);
    }
    return check(play, request).compose(hooked -> next.admitPlay(request).onFailure(e -> {
      if (hooked) {
        tell(play, play.endAction(), request);
      }
    }).mapEmpty());
  }

  @Override
  public void playEnded(Request request) {
    next.playEnded(request);
    if (!next.isRelay(request) && play.appliesTo(request.app()) && play.hasWebhook()) {
      tell(play, play.endAction(), request);
    }
  }

  @Override
  public boolean isRelay(Request request) {
    return next.isRelay(request);
  }

  /** Completes with whether the webhook was asked (and allowed), or fails with {@link Refused}. */
  private Future<Boolean> check(ActionRules a, Request request) {
    if (!a.appliesTo(request.app())) {
      return Future.succeededFuture(false);
    }
    AuthSettings.Rules rules = a.rules();
    if (!rules.allow().isEmpty() || !rules.deny().isEmpty()) {
      InetAddress client = clientAddress(request.peer());
      boolean denied = client == null
          || rules.deny().stream().anyMatch(c -> c.contains(client))
          || (!rules.allow().isEmpty() && rules.allow().stream().noneMatch(c -> c.contains(client)));
      if (denied) {
        return refused(a, request, "address_denied", "client address not allowed");
      }
    }
    if (!rules.secrets().isEmpty()) {
      SignedKey.Verdict verdict = SignedKey.verify(rules.secrets(), request.key(), request.query(), nowSeconds.getAsLong());
      if (verdict != SignedKey.Verdict.VALID) {
        return refused(a, request, verdict.reason(), verdict.description());
      }
    }
    if (!a.hasWebhook()) {
      return Future.succeededFuture(false);
    }
    AuthSettings.RulesWebhook hook = rules.webhook();
    return webhook.ask(hook.url(), event(a.action(), request), hook.timeout()).compose(answer -> {
      if (answer.allowed()) {
        return Future.succeededFuture(true);
      }
      boolean noAnswer = answer.failure() != Webhook.Failure.NONE || answer.status() >= 500;
      String outcome = answer.failure() == Webhook.Failure.TIMEOUT ? "timeout"
          : answer.failure() == Webhook.Failure.UNREACHABLE ? "unreachable" : "status_" + answer.status();
      if (noAnswer && hook.failOpen()) {
        LOG.warn("event=auth.webhook_fail_open action={} stream={} peer={} conn={} outcome={}", a.action(),
            request.key(), request.peer(), request.connectionId(), outcome);
        return Future.succeededFuture(true);
      }
      return noAnswer
          ? refused(a, request, "webhook_error", "the auth service did not answer (" + outcome + ")")
          : refused(a, request, "webhook_denied", "denied by the auth service (HTTP " + answer.status() + ")");
    });
  }

  private static <T> Future<T> refused(ActionRules a, Request request, String reason, String why) {
    return Future.failedFuture(new Refused(a.code(), reason, a.action() + " " + request.key() + " refused: " + why));
  }

  private void tell(ActionRules a, String action, Request request) {
    webhook.tell(a.rules().webhook().url(), event(action, request), a.rules().webhook().timeout());
  }

  /** The JSON a webhook receives; params is the stream name's query (it may carry the client's token). */
  private JsonObject event(String action, Request request) {
    JsonObject params = new JsonObject();
    request.query().forEach(params::put);
    InetAddress client = clientAddress(request.peer());
    return new JsonObject()
        .put("action", action)
        .put("app", request.app())
        .put("stream", request.name())
        .put("params", params)
        .put("clientIp", client == null ? "" : client.getHostAddress())
        .put("node", nodeId);
  }

  /** The address part of {@code host:port} as the connection wrote it; null when unknown. */
  static InetAddress clientAddress(String peer) {
    int colon = peer == null ? -1 : peer.lastIndexOf(':');
    if (colon <= 0) {
      return null;
    }
    String host = peer.substring(0, colon);
    if (!host.matches("[0-9A-Fa-f:.%a-zA-Z]+") || !(host.contains(":") || host.matches("[0-9.]+"))) {
      return null;
    }
    try {
      return InetAddress.getByName(host);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
