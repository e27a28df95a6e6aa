package io.cascade.http.flv;

import io.cascade.flv.FlvHeader;
import io.cascade.flv.FlvTagPackager;
import io.cascade.live.DeliveryQueue;
import io.cascade.live.LiveStream;
import io.cascade.live.MediaFrame;
import io.cascade.live.MediaOutput;
import io.cascade.live.Packager;
import io.cascade.live.PublisherWait;
import io.cascade.live.StreamManager;
import io.cascade.live.Subscriber;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.server.SessionPolicy;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP-FLV or WebSocket-FLV viewer: subscribes like an RTMP player (same limits, same bounded
 * wait for a stream that is not live, same {@link DeliveryQueue} with GOP drops and the slow
 * consumer cut) and writes each frame as one FLV tag. The status line goes out with the first
 * publish, so a stream that never goes live gets a 404 and a refused one a 503. Runs on the
 * connection's event loop.
 */
final class FlvPlayer implements Subscriber, MediaOutput {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.http.flv");

  /** The fan-out lag {@code protocol} tag of both HTTP-FLV and WebSocket-FLV players. */
  private static final String LAG_PROTOCOL = "http-flv";

  private final FlvTransport transport;
  private final EventLoop loop;
  private final StreamManager streams;
  private final SessionPolicy policy;
  private final SessionPolicy.Request request;
  private final FlvMeters flvMeters;
  private final RtmpMetrics metrics;
  private final RtmpMetrics.AppMeters meters;
  private final String protocol;
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
  private int lagStride;
  private long startedNanos;

  FlvPlayer(FlvTransport transport, EventLoop loop, StreamManager streams, SessionPolicy policy,
      SessionPolicy.Request request, FlvMeters flvMeters, String protocol, ByteBufAllocator alloc,
      Runnable released) {
    this.released = released;
    this.transport = transport;
    this.loop = loop;
    this.streams = streams;
    this.policy = policy;
    this.request = request;
    this.flvMeters = flvMeters;
    this.metrics = flvMeters.rtmp();
    this.meters = metrics.app(request.app());
    this.protocol = protocol;
    this.alloc = alloc;
    this.queue = new DeliveryQueue(this, streams.settings(), streams.stats(), System::nanoTime);
    this.wait = new PublisherWait(streams, loop);
  }

  /** Subscribes (the first viewer of an edge's stream starts its pull); refuses with 503 at a limit. */
  void start() {
    startedNanos = System.nanoTime();
    transport.closeHandler(() -> stop("closed_by_player", ""));
    transport.drainHandler(queue::drain);
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
        transport.end();
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
      transport.begin(FlvHeader.encode(alloc, true, true));
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

  @Override
  public boolean isWritable() {
    return !stopped && transport.isWritable();
  }

  @Override
  public void write(MediaFrame frame) {
    ByteBuf tag = tag(frame);
    metrics.bytesOut(tag.readableBytes());
    boolean media = frame.isAudio() || frame.isVideo();
    // GOP-cache frames are as old as the cache, not delayed by delivery: only later ones are measured.
    boolean sample = metrics.measureLag() && media && frame.receivedNanos() >= startedNanos
        && lagStride++ % RtmpMetrics.LAG_SAMPLE_EVERY == 0;
    long received = frame.receivedNanos();
    long origin = frame.originMillis();
    frame.release();
    if (sample) {
      transport.send(tag).onSuccess(v -> meters.delivered(LAG_PROTOCOL, System.nanoTime() - received,
          origin > 0 ? Math.max(0, System.currentTimeMillis() - origin) : -1));
    } else {
      transport.send(tag);
    }
  }

  /**
   * The frame's FLV tag as the stream packaged it once for all FLV players, by reference (a
   * duplicate: the socket moves its own indexes); packaged here only if the stream did not.
   */
  private ByteBuf tag(MediaFrame frame) {
    ByteBuf shared = frame.wire(FlvTagPackager.INSTANCE);
    return shared != null ? shared.retainedDuplicate() : FlvTagPackager.INSTANCE.encode(frame, alloc);
  }

  @Override
  public void flush() {
    // Vert.x flushes each write of the response or WebSocket itself.
  }

  /** The queue gave up on this reader ({@code slow_consumer}): cut the connection. */
  @Override
  public void close(String reason, String detail) {
    if (stopped) {
      return;
    }
    flvMeters.refused(reason);
    stop(reason, detail);
    transport.abort();
  }
}
