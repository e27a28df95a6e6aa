package io.cascade.http.hls;

import io.cascade.cmaf.CmafPart;
import io.cascade.cmaf.CmafSegmenter;
import io.cascade.cmaf.CmafSink;
import io.cascade.cmaf.TrackFormat;
import io.cascade.live.LiveStream;
import io.cascade.live.MediaFrame;
import io.cascade.live.StreamManager;
import io.cascade.live.Subscriber;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HLS packaging of one stream on one node: joins the stream on the first request (on an edge
 * that starts its pull), feeds one {@link CmafSegmenter} per rendition into that rendition's
 * {@link HlsWindow}, and answers every request for that stream from the windows. A rendition is an
 * Enhanced-RTMP video track (the default track 0 is always one; another one starts with its first
 * frame, up to {@code hls.maxRenditions}) with the default audio track muxed into it. Requests it cannot answer yet wait, bounded in time
 * ({@code hls.blockTimeout}, {@code live.playerWaitTimeout} for a stream that is not live) and in
 * number ({@code hls.maxBlockedRequests} per node); every part that arrives wakes them, and all
 * requests for one part get the same bytes (retained duplicates). Ends when no request came for
 * {@code hls.viewerIdle}, or when a publisher that left does not come back within
 * {@code live.republishWaitTimeout}. Confined to its event loop.
 *
 * <p>Audio is muxed into every rendition rather than offered as an EXT-X-MEDIA group: a player then
 * follows one playlist (one blocking reload per part instead of two), audio and video of a part
 * arrive together, and a rendition switch cannot leave audio behind; hls.js and Safari both play
 * muxed fMP4 renditions. The price is the audio's few bytes per rendition in each part.
 *
 * <p>Over 400 lines: the request side (serve, waits) and the stream side (subscriber and sink
 * callbacks that wake the waits) share the windows and the waiting list on one loop; split apart,
 * each would call back into the other.
 */
final class HlsSession implements Subscriber {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.http.hls");
  static final String PLAYLIST_TYPE = "application/vnd.apple.mpegurl";
  static final String PLAYLIST_CACHE = "no-cache";
  static final String MEDIA_CACHE = "public, max-age=31536000, immutable";

  /** A request waiting until {@code ready} holds, then served again; answered {@code status} at its deadline. */
  private final class Waiter {
    final HlsRequest request;
    final BooleanSupplier ready;
    final int timeoutStatus;
    final String timeoutReason;
    ScheduledFuture<?> timer;
    boolean extended;

    Waiter(HlsRequest request, BooleanSupplier ready, int timeoutStatus, String timeoutReason) {
      this.request = request;
      this.ready = ready;
      this.timeoutStatus = timeoutStatus;
      this.timeoutReason = timeoutReason;
    }
  }

  /** One rendition: its segmenter, its window, and what of the window's drops the meters have seen. */
  private final class Rendition implements CmafSink {
    final int track;
    final HlsWindow window;
    final CmafSegmenter segmenter;
    long reportedDropCount;
    long reportedDropBytes;

    Rendition(int track) {
      this.track = track;
      this.window = new HlsWindow(node.settings, node.wallMillis, dates);
      this.segmenter = new CmafSegmenter(key, loop, node.settings.cmaf(), node.alloc, track, this);
    }

    @Override
    public void init(int version, List<TrackFormat> formats, ByteBuf segment) {
      window.init(version, formats, segment);
    }

    @Override
    public void part(CmafPart part) {
      HlsSession.this.part(this, part);
    }

    @Override
    public void end() {
      window.end();
      if (track == 0) {
        partFirstFrameNanos = 0;
      }
      wake();
    }
  }

  private final HlsNode node;
  private final String key;
  private final EventLoop loop;
  private final String tag;
  private final HlsWindow.DateAnchor dates = new HlsWindow.DateAnchor();
  /** By track id; track 0 from the start. */
  private final TreeMap<Integer, Rendition> renditions = new TreeMap<>();
  /** The same windows, for the playlists. */
  private final TreeMap<Integer, HlsWindow> windows = new TreeMap<>();
  /**
   * The default audio track's latest configuration (sequence header, channel layout), retained: a
   * rendition that starts after it went by gets it first.
   */
  private MediaFrame audioHeader;
  private MediaFrame audioSideHeader;
  private boolean renditionsCapped;
  private final List<Waiter> waiters = new ArrayList<>();
  private LiveStream stream;
  private boolean joined;
  private boolean closed;
  private boolean everLive;
  private long lastRequestNanos;
  private ScheduledFuture<?> idleTimer;
  private ScheduledFuture<?> republishTimer;
  private long joinedNanos;
  private long partFirstFrameNanos;
  private long currentFrameNanos;

  HlsSession(HlsNode node, String key, EventLoop loop, String tag) {
    this.node = node;
    this.key = key;
    this.loop = loop;
    this.tag = tag;
    addRendition(0);
  }

  private Rendition addRendition(int track) {
    Rendition r = new Rendition(track);
    renditions.put(track, r);
    windows.put(track, r.window);
    return r;
  }

  String tag() {
    return tag;
  }

  /**
   * Serves {@code request} on the session's loop; false (and nothing done) when the session has
   * ended, so the caller makes a new one.
   */
  boolean offer(HlsRequest request) {
    if (closed) {
      return false;
    }
    lastRequestNanos = node.nanoClock.getAsLong();
    if (!joined) {
      String refused = join();
      if (refused != null) {
        refuse(request, 503, refused);
        close(refused);
        return true;
      }
    }
    serve(request);
    return true;
  }

  /** Joins the stream (on an edge, starts its pull); the limit that refused it, or null. */
  String join() {
    joined = true;
    lastRequestNanos = node.nanoClock.getAsLong();
    joinedNanos = node.nanoClock.getAsLong();
    StreamManager.JoinResult result = node.streams.join(key, this);
    if (result.stream() == null) {
      return result.refusal() == StreamManager.JoinRefusal.TOO_MANY_STREAMS ? "max_streams"
          : "max_players_per_stream";
    }
    stream = result.stream();
    LOG.info("event=hls.session.start stream={} tag={} live={}", key, tag, stream.isLive());
    armIdle(node.settings.viewerIdle());
    return null;
  }

  private void serve(HlsRequest r) {
    HlsPath path = r.path();
    if (path.kind() != HlsPath.Kind.MULTIVARIANT && path.kind() != HlsPath.Kind.MEDIA && !path.tag().equals(tag)) {
      refuse(r, 404, "not_found"); // a resource of an earlier packaging session of this stream
      return;
    }
    Rendition rendition = renditions.get(path.track());
    if (rendition == null) {
      refuse(r, 404, "not_found"); // no such video track (yet)
      return;
    }
    HlsWindow window = rendition.window;
    switch (path.kind()) {
      case MULTIVARIANT -> {
        if (window.hasCompleteSegment()) {
          answer(r, 200, PLAYLIST_TYPE, PLAYLIST_CACHE, text(Playlists.multivariant(windows, r.carriedQuery())));
        } else {
          waitFor(r, window::hasCompleteSegment, firstWait(), 404, "stream_not_found");
        }
      }
      case MEDIA -> media(r, rendition);
      case PART -> {
        HlsWindow.Part part = window.part(path.number());
        if (part != null) {
          answer(r, 200, "video/mp4", MEDIA_CACHE, part.content().retainedDuplicate());
        } else if (path.number() == window.nextPartNumber()) {
          long n = path.number();
          waitFor(r, () -> window.part(n) != null || window.nextPartNumber() > n, node.settings.blockTimeout(),
              503, "block_timeout");
        } else {
          refuse(r, 404, "not_found");
        }
      }
      case SEGMENT -> {
        HlsWindow.Segment s = window.completeSegment(path.number());
        if (s != null) {
          answer(r, 200, "video/mp4", MEDIA_CACHE, HlsWindow.content(s, node.alloc));
        } else {
          refuse(r, 404, "not_found");
        }
      }
      case INIT -> {
        ByteBuf init = path.number() <= Integer.MAX_VALUE ? window.init((int) path.number()) : null;
        if (init != null) {
          answer(r, 200, "video/mp4", MEDIA_CACHE, init.retainedDuplicate());
        } else {
          refuse(r, 404, "not_found");
        }
      }
      default -> refuse(r, 404, "not_found");
    }
  }

  private void media(HlsRequest r, Rendition rendition) {
    HlsWindow window = rendition.window;
    if (!r.blocking()) {
      if (window.hasCompleteSegment()) {
        answerMedia(r, rendition);
      } else {
        waitFor(r, window::hasCompleteSegment, firstWait(), 404, "stream_not_found");
      }
      return;
    }
    HlsWindow.Part last = window.lastPart();
    long edge = last != null ? last.msn() : window.nextMsn() - 1;
    // RFC 8216bis 6.2.5.2: more than one segment beyond the last one in the playlist is a 400.
    if (r.msn() > edge + 1) {
      refuse(r, 400, "too_far_ahead");
      return;
    }
    if (window.hasCompleteSegment() && window.holds(r.msn(), r.part())) {
      answerMedia(r, rendition);
    } else {
      boolean first = !window.hasCompleteSegment();
      waitFor(r, () -> window.hasCompleteSegment() && window.holds(r.msn(), r.part()),
          first ? firstWait() : node.settings.blockTimeout(), first ? 404 : 503,
          first ? "stream_not_found" : "block_timeout");
    }
  }

  private void answerMedia(HlsRequest r, Rendition rendition) {
    answer(r, 200, PLAYLIST_TYPE, PLAYLIST_CACHE,
        text(Playlists.media(windows, rendition.track, node.settings, tag, r.carriedQuery(), r.skip())));
  }

  /**
   * The wait for a stream's first segment: {@code live.playerWaitTimeout}, as for any player of a
   * stream that is not live yet; a stream that is live by then gets {@code hls.blockTimeout} more
   * for its first segment (see {@link #expire}).
   */
  private Duration firstWait() {
    return node.streams.settings().playerWaitTimeout();
  }

  private void waitFor(HlsRequest r, BooleanSupplier ready, Duration timeout, int status, String reason) {
    if (!node.startBlocking()) {
      refuse(r, 503, "max_blocked_requests");
      return;
    }
    Waiter w = new Waiter(r, ready, status, reason);
    w.timer = loop.schedule(() -> expire(w), timeout.toMillis(), TimeUnit.MILLISECONDS);
    waiters.add(w);
  }

  private void expire(Waiter w) {
    if (!w.extended && w.timeoutReason.equals("stream_not_found") && stream != null && stream.isLive()) {
      w.extended = true;
      w.timer = loop.schedule(() -> expire(w), node.settings.blockTimeout().toMillis(), TimeUnit.MILLISECONDS);
      return;
    }
    if (waiters.remove(w)) {
      node.stopBlocking();
      refuse(w.request, w.timeoutStatus, w.timeoutReason);
    }
  }

  /** Serves every waiting request whose condition now holds (each one once, in arrival order). */
  private void wake() {
    if (waiters.isEmpty()) {
      return;
    }
    List<Waiter> due = new ArrayList<>();
    waiters.removeIf(w -> {
      if (w.ready.getAsBoolean()) {
        due.add(w);
        return true;
      }
      return false;
    });
    for (Waiter w : due) {
      w.timer.cancel(false);
      node.stopBlocking();
      serve(w.request);
    }
  }

  private void answer(HlsRequest r, int status, String type, String cache, ByteBuf body) {
    node.meters.request(r.path().kind().meterTag, status);
    r.responder().answer(status, type, cache, body, "");
  }

  private void refuse(HlsRequest r, int status, String reason) {
    node.meters.request(r.path().kind().meterTag, status);
    node.meters.refused(reason);
    LOG.debug("event=hls.refused stream={} resource={} status={} reason={}", key, r.path().kind(), status, reason);
    r.responder().answer(status, "text/plain; charset=utf-8", "no-cache", null, reason);
  }

  private static ByteBuf text(String s) {
    return Unpooled.wrappedBuffer(s.getBytes(StandardCharsets.UTF_8));
  }

  private void armIdle(Duration after) {
    idleTimer = loop.schedule(this::checkIdle, Math.max(1, after.toMillis()), TimeUnit.MILLISECONDS);
  }

  private void checkIdle() {
    if (closed) {
      return;
    }
    long idleFor = node.nanoClock.getAsLong() - lastRequestNanos;
    long limit = node.settings.viewerIdle().toNanos();
    if (idleFor >= limit && waiters.isEmpty()) {
      close("idle");
    } else {
      armIdle(Duration.ofNanos(Math.max(limit - idleFor, limit / 4)));
    }
  }

  // --- the stream, through the segmenter ---

  @Override
  public EventLoop eventLoop() {
    return loop;
  }

  @Override
  public void onFrame(MediaFrame frame) {
    if (closed) {
      frame.release();
      return;
    }
    boolean media = frame.isAudio() || frame.isVideo();
    currentFrameNanos = media ? frame.receivedNanos() : 0;
    if (frame.isVideo() && !renditions.containsKey(frame.trackId())) {
      startRendition(frame.trackId());
    } else if (frame.isAudio() && frame.trackId() == 0 && frame.isConfig()) {
      keepAudioHeader(frame);
    }
    try {
      for (Rendition r : renditions.values()) {
        r.segmenter.onFrame(frame.retain());
      }
    } finally {
      frame.release();
    }
    if (partFirstFrameNanos == 0) {
      partFirstFrameNanos = currentFrameNanos;
    }
  }

  /** A video track seen for the first time: its rendition starts with the audio configuration in force. */
  private void startRendition(int track) {
    if (renditions.size() >= node.settings.maxRenditions()) {
      if (!renditionsCapped) {
        renditionsCapped = true;
        node.meters.refused("max_renditions");
        LOG.warn("event=hls.rendition.refused stream={} track={} reason=max_renditions limit={}", key, track,
            node.settings.maxRenditions());
      }
      return;
    }
    Rendition r = addRendition(track);
    LOG.info("event=hls.rendition.start stream={} tag={} track={}", key, tag, track);
    for (MediaFrame header : new MediaFrame[] {audioHeader, audioSideHeader}) {
      if (header != null) {
        r.segmenter.onFrame(header.retain());
      }
    }
  }

  private void keepAudioHeader(MediaFrame frame) {
    MediaFrame old;
    if (frame.isSideConfig()) {
      old = audioSideHeader;
      audioSideHeader = frame.retain();
    } else {
      old = audioHeader;
      audioHeader = frame.retain();
    }
    if (old != null) {
      old.release();
    }
  }

  @Override
  public void onFlush() {
  }

  @Override
  public boolean coalesceFlushes() {
    return false;
  }

  @Override
  public void onPublish() {
    everLive = true;
    if (republishTimer != null) {
      republishTimer.cancel(false);
      republishTimer = null;
    }
  }

  @Override
  public void onUnpublish() {
    if (closed) {
      return;
    }
    for (Rendition r : renditions.values()) {
      r.segmenter.onUnpublish();
    }
    Duration wait = node.streams.settings().republishWaitTimeout();
    republishTimer = loop.schedule(() -> close("publisher_gone"), wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  // --- what the segmenters make ---

  private void part(Rendition r, CmafPart part) {
    if (closed) {
      part.release();
      return;
    }
    HlsWindow window = r.window;
    window.part(part);
    // Part latency is the default rendition's (the others are cut at the same frames, give or take one).
    if (r.track == 0) {
      // Parts of frames from the GOP cache are as old as the cache, not delayed by packaging: not measured.
      if (partFirstFrameNanos != 0 && partFirstFrameNanos - joinedNanos >= 0) {
        node.meters.partLatency(node.nanoClock.getAsLong() - partFirstFrameNanos);
      }
      // The frame that cut this part is the first of the next one.
      partFirstFrameNanos = currentFrameNanos;
    }
    node.meters.dropped(window.droppedByCount() - r.reportedDropCount, window.droppedByBytes() - r.reportedDropBytes);
    r.reportedDropCount = window.droppedByCount();
    r.reportedDropBytes = window.droppedByBytes();
    wake();
  }

  /** Leaves the stream, answers the waiting requests, releases the window. */
  void close(String reason) {
    if (closed) {
      return;
    }
    closed = true;
    node.sessions.remove(key, this);
    if (idleTimer != null) {
      idleTimer.cancel(false);
    }
    if (republishTimer != null) {
      republishTimer.cancel(false);
    }
    if (stream != null) {
      node.streams.unsubscribe(stream, this);
    }
    List<Waiter> left = new ArrayList<>(waiters);
    waiters.clear();
    for (Waiter w : left) {
      w.timer.cancel(false);
      node.stopBlocking();
      refuse(w.request, 404, reason.equals("publisher_gone") ? "publisher_gone" : "stream_not_found");
    }
    for (Rendition r : renditions.values()) {
      r.segmenter.close();
      r.window.close();
    }
    for (MediaFrame header : new MediaFrame[] {audioHeader, audioSideHeader}) {
      if (header != null) {
        header.release();
      }
    }
    audioHeader = null;
    audioSideHeader = null;
    LOG.info("event=hls.session.end stream={} tag={} reason={} live_seen={}", key, tag, reason, everLive);
  }

  // --- for tests and the stream list ---

  boolean closed() {
    return closed;
  }

  int waiting() {
    return waiters.size();
  }

  /** The default rendition's window. */
  HlsWindow window() {
    return renditions.get(0).window;
  }

  /** The window of rendition {@code track}, or null. */
  HlsWindow window(int track) {
    Rendition r = renditions.get(track);
    return r == null ? null : r.window;
  }
}
