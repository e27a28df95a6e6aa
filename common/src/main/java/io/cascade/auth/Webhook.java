package io.cascade.auth;

import io.netty.channel.ConnectTimeoutException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs JSON events to an operator's HTTP service, as nginx-rtmp's {@code on_publish} and SRS's
 * HTTP callbacks do. Admission questions ({@link #ask}) are answered by the status code within a
 * timeout; notifications ({@link #tell}) are fire-and-forget, at most {@code maxConcurrent} in
 * flight and {@code maxQueued} waiting, further ones dropped. The two use separate connection
 * pools, so a burst of notifications never delays an admission.
 *
 * <p>URLs may carry tokens: no log line or message here contains one.
 */
public final class Webhook {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.auth");
  /** Connections kept for admission calls; more calls wait for one, within their timeout. */
  private static final int ADMISSION_POOL = 64;

  /** How an admission call ended: an HTTP status, or no answer. */
  public record Answer(int status, Failure failure) {
    public boolean allowed() {
      return status >= 200 && status < 300;
    }
  }

  /** Why a call got no HTTP answer. */
  public enum Failure { NONE, TIMEOUT, UNREACHABLE }

  private final HttpClient admissions;
  private final HttpClient notifications;
  private final int maxConcurrent;
  private final int maxQueued;
  private final Deque<Runnable> queue = new ArrayDeque<>();
  private int inFlight;
  private long dropped;

  public Webhook(Vertx vertx, int maxConcurrent, int maxQueued) {
    this.maxConcurrent = maxConcurrent;
    this.maxQueued = maxQueued;
    // One connection per call, as nginx-rtmp's on_publish does: with keep-alive, a call reusing a
    // pooled connection now and then got no answer until its timeout (AuthPolicyTest, about one
    // run in five on this machine; none in eight runs without). An auth hook is called once per
    // publish or play, so the extra connect costs little next to a refused broadcaster.
    HttpClientOptions options = new HttpClientOptions().setKeepAlive(false);
    this.admissions = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(ADMISSION_POOL));
    this.notifications = vertx.createHttpClient(options, new PoolOptions().setHttp1MaxSize(maxConcurrent));
  }

  /** Asks {@code url} whether to allow {@code event}; never fails, a missing answer is a {@link Failure}. */
  public Future<Answer> ask(String url, JsonObject event, Duration timeout) {
    return post(admissions, url, event, timeout)
        .map(status -> new Answer(status, Failure.NONE))
        .recover(e -> Future.succeededFuture(new Answer(0,
            e instanceof TimeoutException || e instanceof ConnectTimeoutException ? Failure.TIMEOUT : Failure.UNREACHABLE)));
  }

  /** Tells {@code url} of {@code event}, whenever a slot is free; the answer is ignored. */
  public void tell(String url, JsonObject event, Duration timeout) {
    Runnable send = () -> post(notifications, url, event, timeout).onComplete(ar -> {
      if (ar.failed()) {
        LOG.warn("event=webhook.notify_failed action={} app={} stream={} error={}", event.getString("action"),
            event.getString("app"), event.getString("stream"), ar.cause().getClass().getSimpleName());
      }
      next();
    });
    synchronized (this) {
      if (inFlight < maxConcurrent) {
        inFlight++;
      } else if (queue.size() < maxQueued) {
        queue.add(send);
        return;
      } else {
        dropped++;
        // One line per hundred drops: a dead webhook under load must not flood the log.
        if (dropped % 100 == 1) {
          LOG.warn("event=webhook.notify_dropped action={} app={} stream={} queued={} dropped_total={}",
              event.getString("action"), event.getString("app"), event.getString("stream"), queue.size(), dropped);
        }
        return;
      }
    }
    send.run();
  }

  private void next() {
    Runnable r;
    synchronized (this) {
      r = queue.poll();
      if (r == null) {
        inFlight--;
        return;
      }
    }
    r.run();
  }

  /** Notifications sent or waiting, for tests. */
  synchronized int pending() {
    return inFlight + queue.size();
  }

  private static Future<Integer> post(HttpClient client, String url, JsonObject event, Duration timeout) {
    long ms = Math.max(1, timeout.toMillis());
    RequestOptions options;
    try {
      options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url)
          .setConnectTimeout(ms).setIdleTimeout(ms)
          .putHeader("content-type", "application/json");
    } catch (RuntimeException e) {
      return Future.failedFuture(new IllegalArgumentException("invalid webhook URL"));
    }
    return client.request(options)
        .compose(req -> req.send(event.toBuffer()))
        .compose(resp -> resp.body().map(body -> resp.statusCode()))
        .timeout(ms, TimeUnit.MILLISECONDS);
  }

  public Future<Void> close() {
    return Future.join(admissions.close(), notifications.close()).mapEmpty();
  }
}
