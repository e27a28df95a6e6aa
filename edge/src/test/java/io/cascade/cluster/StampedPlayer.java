package io.cascade.cluster;

import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.media.MediaTags;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.MessageType;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * An RtmpClient player of a {@link SyntheticMedia} stream that checks what it receives as it
 * arrives, keeping counters rather than frames so that a thousand of them stay cheap: frames per
 * track, sequence gaps within a publish session, publish sessions seen (the sequence starts over
 * when a new publisher takes the stream), media timestamps going backwards, the first frame, the
 * first frame sent after a {@link #mark(long) mark}, the status codes and whether the connection
 * closed. Timestamps are compared as RTMP's 32-bit serial numbers: a step forward across 2^32 ms is
 * a wrap, counted, not a regression.
 *
 * <p>Callbacks run on the client's event loop; the test thread reads through synchronized getters.
 */
final class StampedPlayer implements RtmpClientListener {
  private static final int MAX_STATUSES = 64;

  final String name;
  private final CompletableFuture<Throwable> closed = new CompletableFuture<>();
  private RtmpClient client;
  private volatile boolean closing;
  private volatile CompletableFuture<Void> started = new CompletableFuture<>();

  private long mediaMessages;
  private long videoFrames;
  private long audioFrames;
  private final long[] lastSeq = {-1, -1};
  private final boolean[] lastAfterMark = {false, false};
  private long gaps;
  private long missingFrames;
  private int sessions;
  private static final long UINT32 = 1L << 32;
  /** The last media timestamp, unwrapped to 64 bits; -1 before the first. */
  private long lastTimestamp = -1;
  private long firstTimestamp = -1;
  private int wraps;
  private long timestampRegressions;
  private String firstRegression;
  private long playCalledNanos;
  private long firstFrameNanos;
  private boolean firstFrameKeyframe;
  private long markMicros = Long.MAX_VALUE;
  private long firstAfterMarkMicros;
  private long framesAfterMark;
  private int lastInterFrameSize;
  private final List<String> statuses = new ArrayList<>();

  StampedPlayer(String name) {
    this.name = name;
  }

  /** Connects to {@code url}'s server and plays {@code url.stream()}; the future completes on Play.Start. */
  static StampedPlayer play(EventLoopGroup group, RtmpUrl url, String name) {
    StampedPlayer p = new StampedPlayer(name);
    p.start(group, url);
    return p;
  }

  /** As {@link #play(EventLoopGroup, RtmpUrl, String)} with client options of the caller's. */
  static StampedPlayer play(EventLoopGroup group, RtmpUrl url, String name, RtmpClientOptions options) {
    StampedPlayer p = new StampedPlayer(name);
    p.start(group, url, options);
    return p;
  }

  CompletableFuture<Void> start(EventLoopGroup group, RtmpUrl url) {
    return start(group, url, new RtmpClientOptions());
  }

  CompletableFuture<Void> start(EventLoopGroup group, RtmpUrl url, RtmpClientOptions options) {
    client = RtmpClient.create(group, options, this);
    synchronized (this) {
      playCalledNanos = System.nanoTime();
    }
    started = client.connect(url).thenCompose(info -> client.play(url.stream()));
    return started;
  }

  /** Completes when play started; fails when connect or play failed. */
  CompletableFuture<Void> started() {
    return started;
  }

  RtmpClient client() {
    return client;
  }

  @Override
  public synchronized void onMessage(RtmpMessage m) {
    int type = m.typeId();
    if (!MessageType.isMedia(type)) {
      return;
    }
    mediaMessages++;
    if (lastTimestamp < 0) {
      firstTimestamp = m.timestamp();
      lastTimestamp = m.timestamp();
    } else {
      long step = (m.timestamp() - lastTimestamp) & (UINT32 - 1);
      if (step >= UINT32 / 2) {
        timestampRegressions++;
        if (firstRegression == null) {
          firstRegression = MessageType.name(type) + " at " + m.timestamp() + " ms after " + (lastTimestamp % UINT32) + " ms";
        }
      } else {
        if (m.timestamp() < lastTimestamp % UINT32) {
          wraps++;
        }
        lastTimestamp += step;
      }
    }
    SyntheticMedia.Stamp stamp = SyntheticMedia.parse(type, m.payload());
    if (stamp == null) {
      return;
    }
    boolean video = type == MessageType.VIDEO;
    boolean key = video && MediaTags.has(MediaTags.classify(type, m.payload()), MediaTags.KEYFRAME);
    if (firstFrameNanos == 0 && video) {
      firstFrameNanos = System.nanoTime();
      firstFrameKeyframe = key;
    }
    if (video) {
      videoFrames++;
      if (!key) {
        lastInterFrameSize = m.payload().readableBytes();
      }
    } else {
      audioFrames++;
    }
    int track = video ? 0 : 1;
    long last = lastSeq[track];
    long seq = stamp.sequence();
    boolean afterMark = stamp.sendMicros() >= markMicros;
    // A publisher numbers from 0: a smaller number, or the first frame past the mark, opens the
    // next publish session, which starts wherever the edge joined it.
    boolean newSession = last < 0 || seq < last || afterMark != lastAfterMark[track];
    if (newSession && video) {
      sessions++;
    } else if (!newSession && seq > last + 1) {
      gaps++;
      missingFrames += seq - last - 1;
    }
    lastSeq[track] = seq;
    lastAfterMark[track] = afterMark;
    if (afterMark) {
      if (firstAfterMarkMicros == 0 && video) {
        firstAfterMarkMicros = SyntheticMedia.epochMicros();
      }
      framesAfterMark++;
    }
  }

  @Override
  public synchronized void onStatus(Map<String, Object> info) {
    if (statuses.size() < MAX_STATUSES) {
      statuses.add(String.valueOf(info.get("code")));
    }
  }

  @Override
  public void onClose(Throwable cause) {
    closed.complete(cause);
  }

  /** From now on, frames sent at or after {@code epochMicros} (the publisher's clock) count as new. */
  synchronized void mark(long epochMicros) {
    markMicros = epochMicros;
    lastAfterMark[0] = false;
    lastAfterMark[1] = false;
    firstAfterMarkMicros = 0;
    framesAfterMark = 0;
  }

  /** Audio and video messages of any kind, synthetic or not (an ffmpeg stream's frames count here only). */
  synchronized long mediaMessages() {
    return mediaMessages;
  }

  synchronized long videoFrames() {
    return videoFrames;
  }

  synchronized long audioFrames() {
    return audioFrames;
  }

  synchronized long gaps() {
    return gaps;
  }

  synchronized long missingFrames() {
    return missingFrames;
  }

  /** Publish sessions whose frames this player received. */
  synchronized int sessions() {
    return sessions;
  }

  synchronized long timestampRegressions() {
    return timestampRegressions;
  }

  /** Times the 32-bit timestamp wrapped forward past 2^32 ms. */
  synchronized int timestampWraps() {
    return wraps;
  }

  /** The first media timestamp received, -1 before it. */
  synchronized long firstTimestamp() {
    return firstTimestamp;
  }

  /** The last media timestamp, unwrapped: it keeps counting past 2^32 ms. -1 before the first. */
  synchronized long lastTimestamp() {
    return lastTimestamp;
  }

  synchronized String firstRegression() {
    return firstRegression;
  }

  /** Nanoseconds from play to the first video frame, -1 before it. */
  synchronized long timeToFirstFrameNanos() {
    return firstFrameNanos == 0 ? -1 : firstFrameNanos - playCalledNanos;
  }

  synchronized boolean firstFrameKeyframe() {
    return firstFrameKeyframe;
  }

  /** Wall clock (µs since the epoch) when the first video frame sent after the mark arrived, 0 before. */
  synchronized long firstAfterMarkMicros() {
    return firstAfterMarkMicros;
  }

  synchronized long framesAfterMark() {
    return framesAfterMark;
  }

  /** Payload size of the last non-key video frame: tells publishers with different bitrates apart. */
  synchronized int lastInterFrameSize() {
    return lastInterFrameSize;
  }

  synchronized List<String> statuses() {
    return List.copyOf(statuses);
  }

  /** True when the connection closed without this player asking for it. */
  boolean closedUnexpectedly() {
    return closed.isDone() && !closing;
  }

  /** Why the connection closed (null after our own close), or null while open. */
  Throwable closeCause() {
    return closed.getNow(null);
  }

  CompletableFuture<Void> close() {
    closing = true;
    return client == null ? CompletableFuture.completedFuture(null) : client.close();
  }

  @Override
  public synchronized String toString() {
    return name + "{media=" + mediaMessages + " video=" + videoFrames + " audio=" + audioFrames + " sessions=" + sessions
        + " gaps=" + gaps + " ts=" + firstTimestamp + ".." + lastTimestamp + " wraps=" + wraps
        + " tsRegressions=" + timestampRegressions + (firstRegression == null ? "" : " (" + firstRegression + ")")
        + " statuses=" + statuses + (closed.isDone() ? " closed=" + closed.getNow(null) : "") + "}";
  }
}
