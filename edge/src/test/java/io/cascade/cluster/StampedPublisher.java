package io.cascade.cluster;

import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.client.SyntheticPublisher;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A broadcaster on Cascade's RtmpClient: publishes a {@link SyntheticMedia} stream and records
 * every {@code onStatus} and how its connection ended, so a test can see a server revoke it
 * (NetStream.Publish.BadName) or close it.
 */
final class StampedPublisher implements RtmpClientListener {
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(30);
  private final String name;
  private final CompletableFuture<Throwable> closed = new CompletableFuture<>();
  private final List<String> statuses = new ArrayList<>();
  private RtmpClient client;
  private SyntheticPublisher media;
  private volatile boolean closing;

  private StampedPublisher(String name) {
    this.name = name;
  }

  /**
   * Connects and publishes {@code url.stream()}; once the server accepted, sends {@code profile}
   * in real time for {@code duration}.
   *
   * @throws Exception the refusal ({@link io.cascade.client.RtmpStatusException}) or connection failure
   */
  static StampedPublisher start(EventLoopGroup group, RtmpUrl url, SyntheticMedia.Profile profile, Duration duration,
      String name) throws Exception {
    return start(group, url, profile, duration, 0, name);
  }

  /** As above, with media timestamps counted from {@code startTimestamp} ms (wrapping at 2^32). */
  static StampedPublisher start(EventLoopGroup group, RtmpUrl url, SyntheticMedia.Profile profile, Duration duration,
      long startTimestamp, String name) throws Exception {
    StampedPublisher p = new StampedPublisher(name);
    try {
      // A claim can wait for the cluster to settle (a partition, a member being removed).
      p.client = RtmpClient.create(group, new RtmpClientOptions().commandTimeout(COMMAND_TIMEOUT), p);
      p.client.connect(url).thenCompose(info -> p.client.publish(url.stream()))
          .get(COMMAND_TIMEOUT.toSeconds() + 10, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      p.close();
      throw e.getCause() instanceof Exception cause ? cause : e;
    } catch (TimeoutException e) {
      p.close();
      throw e;
    }
    p.media = SyntheticPublisher.start(p.client, profile, duration, startTimestamp);
    return p;
  }

  @Override
  public synchronized void onStatus(Map<String, Object> info) {
    statuses.add(info.get("level") + ":" + info.get("code"));
  }

  @Override
  public void onClose(Throwable cause) {
    closed.complete(cause);
  }

  long videoFramesSent() {
    return media == null ? 0 : media.videoFramesSent();
  }

  long audioFramesSent() {
    return media == null ? 0 : media.audioFramesSent();
  }

  /** Completes when the media run ends (its duration is over or it was stopped). */
  CompletableFuture<SyntheticPublisher.Result> done() {
    return media.done();
  }

  /** Status codes received, as {@code level:code}. */
  synchronized List<String> statuses() {
    return List.copyOf(statuses);
  }

  synchronized boolean receivedStatus(String code) {
    return statuses.stream().anyMatch(s -> s.endsWith(":" + code));
  }

  /** True when the server (or the network) ended the connection, not this publisher. */
  boolean closedByPeer() {
    return closed.isDone() && !closing;
  }

  Throwable closeCause() {
    return closed.getNow(null);
  }

  boolean isOpen() {
    return client != null && client.isOpen();
  }

  void close() {
    closing = !closed.isDone();
    if (media != null) {
      media.stop();
    }
    if (client != null) {
      try {
        client.close().get(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        // Closing is best effort; the event loop group's shutdown releases the rest.
      }
    }
  }

  @Override
  public synchronized String toString() {
    return name + "{sent=" + videoFramesSent() + " statuses=" + statuses
        + (closed.isDone() ? " closed=" + closed.getNow(null) : " open") + "}";
  }
}
