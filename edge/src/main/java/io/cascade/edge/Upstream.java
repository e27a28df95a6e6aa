package io.cascade.edge;

import io.cascade.cluster.StreamRecord;
import io.cascade.live.LiveStream;
import io.vertx.core.Future;

/**
 * One connection that plays a stream from the origin that owns it ({@link UpstreamTransport} over
 * RTMP). It reports to its {@link Listener} on the ingest's scheduler thread and, once told to
 * {@link #feed}, hands what it receives to the local live stream itself.
 */
interface Upstream {
  /** Opens an upstream for {@code record}'s relay address; throws IllegalArgumentException when it is unusable. */
  @FunctionalInterface
  interface Connector {
    Upstream open(StreamRecord record, String app, String name, Listener listener);
  }

  /** What an upstream reports; at most one of {@link #onFailed} and {@link #onLost}, once. */
  interface Listener {
    /** The origin answered NetStream.Play.Start; media follows at once. */
    void onPlaying(Upstream upstream);

    /** The first audio or video message after play start has reached the stream. */
    void onFirstMedia(Upstream upstream);

    /** It never played: connect, handshake or play failed, or it closed before Play.Start. */
    void onFailed(Upstream upstream, String reason);

    /**
     * It played and is gone. {@code sessionEnded}: the origin said the publish is over, so a
     * registry that still shows that session is stale.
     */
    void onLost(Upstream upstream, String reason, String detail, boolean sessionEnded);
  }

  /** From now on, media and data go to {@code stream} as {@code publisher}'s. */
  void feed(LiveStream stream, Object publisher);

  /** Closes the connection; nothing is reported after this. */
  void close();

  /** Completes when the connection is closed and everything it held is released. */
  Future<Void> closed();
}
