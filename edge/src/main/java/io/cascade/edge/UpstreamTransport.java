package io.cascade.edge;

import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpUrl;
import io.cascade.cluster.RelayClock;
import io.cascade.cluster.RelayToken;
import io.cascade.cluster.StreamRecord;
import io.cascade.live.LiveStream;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.NetStatus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletionException;

/**
 * An {@link Upstream} over RTMP: an {@link RtmpClient} on the ingest's event loop that connects to
 * the owner's relay address, plays the stream (signed with a relay token when the cluster has a
 * secret) and forwards what it receives to the live stream through {@link UpstreamMessages}.
 * It judges the connection: a status that ends the play, a close, or silence longer than the
 * no-data timeout is reported as a loss.
 *
 * <p>Threading: the client reports on the scheduler's event loop, so media is forwarded inline
 * and Play.Start is reported before the first message behind it; anything that arrives off the
 * loop is posted to it.
 */
final class UpstreamTransport implements Upstream, RtmpClientListener {
  private enum State { CONNECTING, PLAYING, FLOWING, DONE }

  private final LoopScheduler scheduler;
  private final EdgeSettings settings;
  private final RtmpClientOptions options;
  private final Listener listener;
  private final Promise<Void> closed = Promise.promise();
  /** The origin's receive clock from the relay's stamps, for ingest lag. */
  private final RelayClock clock = new RelayClock();
  private RtmpClient client;
  private State state = State.CONNECTING;
  private LiveStream stream;
  private Object publisher;
  private long lastMessageNanos;
  private Scheduler.Timer noDataTimer;

  private UpstreamTransport(LoopScheduler scheduler, EdgeSettings settings, RtmpClientOptions options,
      Listener listener) {
    this.scheduler = scheduler;
    this.settings = settings;
    this.options = options;
    this.listener = listener;
  }

  /** Opens RTMP upstreams on {@code scheduler}'s event loop. */
  static Connector connector(LoopScheduler scheduler, EdgeSettings settings, RtmpClientOptions options) {
    return (record, app, name, listener) -> {
      String playName = playName(settings, app, name);
      RtmpUrl url = new RtmpUrl(record.relayHost(), record.relayPort(), app, playName);
      UpstreamTransport t = new UpstreamTransport(scheduler, settings, options, listener);
      // Started from the loop, so that nothing is reported before the caller holds the upstream.
      scheduler.execute(() -> t.start(url, playName));
      return t;
    };
  }

  /** The stream name to play, with a relay token when the cluster has a secret. */
  static String playName(EdgeSettings settings, String app, String name) {
    if (settings.relaySecret().isEmpty()) {
      return name;
    }
    long expires = System.currentTimeMillis() / 1000 + settings.relayTokenTtl().toSeconds();
    return name + "?" + RelayToken.PARAMETER + "=" + RelayToken.sign(settings.relaySecret(), app + "/" + name, expires);
  }

  /** The relay address of {@code record}, for logs. */
  static String origin(StreamRecord record) {
    return record == null ? "-" : record.relayHost() + ":" + record.relayPort();
  }

  private void start(RtmpUrl url, String playName) {
    if (state == State.DONE) {
      closed.tryComplete();
      return;
    }
    RtmpClient c = RtmpClient.create(scheduler.eventLoop(), options, this);
    client = c;
    c.connect(url)
        .thenCompose(info -> c.play(playName))
        .whenComplete((v, e) -> onLoop(() -> onPlayResult(e)));
  }

  @Override
  public void feed(LiveStream target, Object from) {
    stream = target;
    publisher = from;
  }

  @Override
  public void close() {
    state = State.DONE;
    cancelNoData();
    if (client != null) {
      client.close();
    }
  }

  @Override
  public Future<Void> closed() {
    return closed.future();
  }

  private void onPlayResult(Throwable error) {
    if (state != State.CONNECTING) {
      return;
    }
    if (error != null) {
      state = State.DONE;
      listener.onFailed(this, describe(unwrap(error)));
      return;
    }
    state = State.PLAYING;
    clock.reset();
    lastMessageNanos = scheduler.nanoTime();
    armNoData(settings.upstreamNoDataTimeout().toNanos());
    listener.onPlaying(this);
  }

  // ---- RtmpClientListener: on the event loop

  @Override
  public void onMessage(RtmpMessage message) {
    if (state != State.PLAYING && state != State.FLOWING || stream == null) {
      return;
    }
    lastMessageNanos = scheduler.nanoTime();
    boolean first = state == State.PLAYING && MessageType.isMedia(message.typeId());
    if (first) {
      state = State.FLOWING;
    }
    UpstreamMessages.forward(stream, publisher, message, options.amfLimits(), client.alloc(), clock);
    if (first) {
      listener.onFirstMedia(this);
    }
  }

  @Override
  public void onStatus(Map<String, Object> info) {
    onLoop(() -> {
      Object code = info.get("code");
      if (NetStatus.PLAY_UNPUBLISH_NOTIFY.equals(code)) {
        lost("unpublished", null, true);
      } else if (NetStatus.PLAY_STOP.equals(code) || NetStatus.ERROR.equals(info.get("level"))) {
        lost("status", String.valueOf(code), true);
      }
    });
  }

  @Override
  public void onClose(Throwable cause) {
    onLoop(() -> {
      if (state == State.CONNECTING) {
        state = State.DONE;
        listener.onFailed(this, cause == null ? "closed" : describe(cause));
      } else {
        lost("closed", cause == null ? null : describe(cause), false);
      }
      closed.tryComplete();
    });
  }

  // ---- judging a playing upstream

  private void lost(String reason, String detail, boolean sessionEnded) {
    if (state != State.PLAYING && state != State.FLOWING) {
      return;
    }
    state = State.DONE;
    cancelNoData();
    listener.onLost(this, reason, detail, sessionEnded);
  }

  private void armNoData(long delayNanos) {
    noDataTimer = scheduler.schedule(Duration.ofNanos(delayNanos), this::checkNoData);
  }

  private void checkNoData() {
    noDataTimer = null;
    if (state != State.PLAYING && state != State.FLOWING) {
      return;
    }
    long timeout = settings.upstreamNoDataTimeout().toNanos();
    long silent = scheduler.nanoTime() - lastMessageNanos;
    if (silent >= timeout) {
      lost("no_data", "nothing for " + settings.upstreamNoDataTimeout().toMillis() + " ms", false);
    } else {
      armNoData(timeout - silent);
    }
  }

  private void cancelNoData() {
    if (noDataTimer != null) {
      noDataTimer.cancel();
      noDataTimer = null;
    }
  }

  private void onLoop(Runnable task) {
    if (scheduler.eventLoop().inEventLoop()) {
      task.run();
    } else {
      scheduler.execute(task);
    }
  }

  private static Throwable unwrap(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  static String describe(Throwable cause) {
    String message = cause.getMessage();
    return message == null ? cause.getClass().getSimpleName() : message.replace('"', '\'');
  }
}
