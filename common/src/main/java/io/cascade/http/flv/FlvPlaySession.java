package io.cascade.http.flv;

import io.cascade.flv.FlvHeader;
import io.cascade.flv.FlvTagPackager;
import io.cascade.live.DeliveryQueue;
import io.cascade.live.LiveStream;
import io.cascade.live.MediaFrame;
import io.cascade.live.Packager;
import io.cascade.live.PublisherWait;
import io.cascade.live.StreamManager;
import io.cascade.live.Subscriber;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.server.SessionPolicy;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP-FLV or WebSocket-FLV play, admitted: subscribes like an RTMP player (same limits, same
 * bounded wait for a stream that is not live, same {@link DeliveryQueue} with GOP drops and the
 * slow consumer cut). The status line and FLV header go out with the first publish, so a stream
 * that never goes live gets a 404 and a refused one a 503. Frames go one way: stream → its
 * {@link DeliveryQueue} → its {@link FlvOutput} → the socket; the session learns of every ending
 * from its transport's close. Runs on the connection's event loop.
 */
final class FlvPlaySession implements Subscriber {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.http.flv");

  private final FlvTransport transport;
  private final EventLoop loop;
  private final StreamManager streams;
  private final SessionPolicy policy;
  private final SessionPolicy.Request request;
  private final FlvMeters flvMeters;
  private final RtmpMetrics.AppMeters meters;
  private final String protocol;
  private final FlvOutput output;
  private final DeliveryQueue queue;
  private final ByteBufAllocator alloc;
  /** Gives back this player's place in the node's HTTP-FLV connection count; run once, on stop. */
  private final Runnable released;
  /** Counted in the node's waiting players until the stream goes live; the bounded waits. */
  private final PublisherWait wait;
  private LiveStream stream;
  private boolean begun;
  private boolean live;
  private boolean stopped;

  FlvPlaySession(FlvTransport transport, EventLoop loop, StreamManager streams, SessionPolicy policy,
      SessionPolicy.Request request, FlvMeters flvMeters, String protocol, int maxBatchBytes, ByteBufAllocator alloc,
      Runnable released) {
    this.released = released;
    this.transport = transport;
    this.loop = loop;
    this.streams = streams;
    this.policy = policy;
    this.request = request;
    this.flvMeters = flvMeters;
    this.meters = flvMeters.rtmp().app(request.app());
    this.protocol = protocol;
    this.alloc = alloc;
    this.output = new FlvOutput(transport, flvMeters, meters, maxBatchBytes, System::nanoTime);
    this.queue = new DeliveryQueue(output, streams.settings(), streams.stats(), System::nanoTime);
    this.wait = new PublisherWait(streams, loop);
  }

  /** Subscribes (the first viewer of an edge's stream starts its pull); refuses with 503 at a limit. */
  void start() {
    output.restartLagClock();
    transport.closeHandler(this::stop);
    StreamManager.JoinResult joined = streams.join(request.key(), this);
    if (joined.stream() == null) {
      refuse(503, joined.refusal() == StreamManager.JoinRefusal.TOO_MANY_STREAMS ? "max_streams" : "max_players_per_stream");
      return;
    }
    stream = joined.stream();
    meters.playStarted(false);
    if (!stream.isLive()) {
      if (!wait.startCounting()) {
        refuse(503, "max_waiting_players");
        return;
      }
      armWait(streams.settings().playerWaitTimeout(), "stream_not_found");
    }
    LOG.info("event=play.start peer={} protocol={} stream={} live={}", request.peer(), protocol, request.key(),
        stream.isLive());
  }

  private void refuse(int status, String reason) {
    LOG.info("event=play.refused peer={} protocol={} stream={} status={} reason={}", request.peer(), protocol,
        request.key(), status, reason);
    flvMeters.refused(reason);
    stop(reason, "");
    transport.refuse(status, reason);
  }

  private void stop(String reason, String detail) {
    if (stopped) {
      return;
    }
    stopped = true;
    wait.end();
    if (stream != null) {
      streams.unsubscribe(stream, this);
      meters.playEnded(false);
      LOG.info("event=play.end peer={} protocol={} stream={} reason={}{}", request.peer(), protocol, request.key(),
          reason, detail.isEmpty() ? "" : " detail=\"" + detail + "\"");
    }
    queue.close();
    policy.playEnded(request);
    released.run();
  }

  private void armWait(Duration timeout, String reason) {
    wait.arm(timeout, () -> {
      if (stopped || live) {
        return;
      }
      if (begun) {
        stop(reason, "waited " + timeout.toMillis() + " ms");
        output.finish();
      } else {
        refuse(404, reason);
      }
    });
  }

  @Override
  public EventLoop eventLoop() {
    return loop;
  }

  /** The stream packages each frame as one FLV tag once, for every FLV player of the node. */
  @Override
  public Packager packager() {
    return FlvTagPackager.INSTANCE;
  }

  @Override
  public void onFrame(MediaFrame frame) {
    if (stopped || !begun) {
      frame.release();
      return;
    }
    queue.offer(frame);
  }

  @Override
  public void onFlush() {
    queue.flush();
  }

  @Override
  public void onPublish() {
    if (stopped) {
      return;
    }
    wait.end();
    if (!begun) {
      begun = true;
      // Tags wait in the queue until the head and FLV header are in the socket.
      transport.begin(FlvHeader.encode(alloc, true, true)).onSuccess(v -> {
        if (!stopped) {
          output.start(queue::drain);
        }
      });
    }
    live = true;
    queue.resync();
  }

  @Override
  public void onUnpublish() {
    if (stopped || !live) {
      return;
    }
    live = false;
    armWait(streams.settings().republishWaitTimeout(), "publisher_gone");
  }
}
