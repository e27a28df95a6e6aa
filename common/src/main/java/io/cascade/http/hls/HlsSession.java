package io.cascade.http.hls;

import io.cascade.cmaf.CmafSegmenter;
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
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HLS packaging of one stream on one node: joins the stream on the first request (on an edge
 * that starts its pull), feeds its {@link HlsRenditions} (a {@link CmafSegmenter} and an
 * {@link HlsWindow} per Enhanced-RTMP video track, the default track 0 always), and answers every
 * request for that stream from the windows. Requests it cannot answer yet wait, bounded in time
 * ({@code hls.blockTimeout}, {@code live.playerWaitTimeout} for a stream that is not live) and in
 * number ({@code hls.maxBlockedRequests} per node); every part that arrives wakes them, and all
 * requests for one part get the same bytes (retained duplicates). Ends when no request came for
 * {@code hls.viewerIdle}, or when a publisher that left does not come back within
 * {@code live.republishWaitTimeout}. Confined to its event loop.
 *
 * <p>Audio is muxed into every rendition rather than offered as an EXT-X-MEDIA group: a player then
 * follows one playlist (one blocking reload per part instead of two), audio and video of a part
 * arrive together, and a rendition switch cannot leave audio behind; hls.js and Safari both play
 * muxed fMP4 renditions. The price is the audio's bytes once more per rendition on the server.
 *
 * <p>Just over 400 lines: the request side (serve, waits) and the stream side (subscriber and
 * rendition callbacks that wake the waits) share the windows and the waiting list on one loop;
 * split apart, each would call back into the other.
 */
final class HlsSession implements Subscriber, HlsRenditions.Listener {
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
    final long sinceNanos = node.nanoClock.getAsLong();

    Waiter(HlsRequest request, BooleanSupplier ready, int timeoutStatus, String timeoutReason) {
      this.request = request;
      this.ready = ready;
      this.timeoutStatus = timeoutStatus;
      this.timeoutReason = timeoutReason;
    }
  }

  private final HlsNode node;
  private final String key;
  private final EventLoop loop;
  private final String tag;
  private final HlsRenditions renditions;
  private final List<Waiter> waiters = new ArrayList<>();
  private LiveStream stream;
  private boolean joined;
  private boolean closed;
  private boolean everLive;
  /** Between onPublish and onUnpublish: a second onPublish then is a restart of the publish session. */
  private boolean live;
  private long lastRequestNanos;
  private ScheduledFuture<?> idleTimer;
  private ScheduledFuture<?> republishTimer;
  private final PartAvailability availability;

  HlsSession(HlsNode node, String key, EventLoop loop, String tag) {
    this.node = node;
    this.key = key;
    this.loop = loop;
    this.tag = tag;
    this.renditions = new HlsRenditions(node, key, tag, loop, this);
    this.availability = new PartAvailability(node.settings.partTarget());
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
    availability.joined(node.nanoClock.getAsLong());
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
    HlsWindow window = renditions.window(path.track());
    if (window == null) {
      refuse(r, 404, "not_found"); // no such video track (yet)
      return;
    }
    switch (path.kind()) {
      case MULTIVARIANT -> {
        if (window.hasCompleteSegment()) {
          answer(r, 200, PLAYLIST_TYPE, PLAYLIST_CACHE, text(Playlists.multivariant(renditions.windows(), r.carriedQuery())));
        } else {
          waitFor(r, window::hasCompleteSegment, firstWait(), 404, "stream_not_found");
        }
      }
      case MEDIA -> media(r, path.track(), window);
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

  private void media(HlsRequest r, int track, HlsWindow window) {
    if (!r.blocking()) {
      if (window.hasCompleteSegment()) {
        answerMedia(r, track);
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
      answerMedia(r, track);
    } else {
      boolean first = !window.hasCompleteSegment();
      waitFor(r, () -> window.hasCompleteSegment() && window.holds(r.msn(), r.part()),
          first ? firstWait() : node.settings.blockTimeout(), first ? 404 : 503,
          first ? "stream_not_found" : "block_timeout");
    }
  }

  private void answerMedia(HlsRequest r, int track) {
    answer(r, 200, PLAYLIST_TYPE, PLAYLIST_CACHE,
        text(Playlists.media(renditions.windows(), track, node.settings, tag, r.carriedQuery(), r.skip())));
  }

  /**
   * The wait for a stream's first segment: {@code live.playerWaitTimeout} as for any player of a
   * stream that is not live yet, but at most {@code hls.blockTimeout}: an HLS request is a poll that
   * players repeat (hls.js gives a playlist load 10 s), and a request silent for longer would meet
   * {@code http.idleTimeout}. A stream that is live by then gets {@code hls.blockTimeout} more for
   * its first segment (see {@link #expire}).
   */
  private Duration firstWait() {
    Duration player = node.streams.settings().playerWaitTimeout();
    Duration block = node.settings.blockTimeout();
    return player.compareTo(block) < 0 ? player : block;
  }

  private void waitFor(HlsRequest r, BooleanSupplier ready, Duration timeout, int status, String reason) {
    if (waiters.size() >= node.settings.maxBlockedPerStream()) {
      refuse(r, 503, "max_blocked_per_stream");
      return;
    }
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
      node.meters.waited(node.nanoClock.getAsLong() - w.sinceNanos, false);
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
      node.meters.waited(node.nanoClock.getAsLong() - w.sinceNanos, true);
      serve(w.request);
    }
  }

  private void answer(HlsRequest r, int status, String type, String cache, ByteBuf body) {
    node.meters.request(r.path().kind().meterTag, status);
    node.meters.bytesOut(body.readableBytes());
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

  /** The stream's HLS viewers on this node: one packaging session serves them all. */
  @Override
  public int viewers() {
    return node.viewers(key);
  }

  @Override
  public void onFrame(MediaFrame frame) {
    if (closed) {
      frame.release();
      return;
    }
    // Sequence headers and metadata are no part's samples: only media frames open parts.
    availability.arriving((frame.isAudio() || frame.isVideo()) && !frame.isConfig(), frame.receivedNanos(), frame.dts());
    renditions.onFrame(frame);
    availability.arrived();
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
    if (live && !closed) {
      // The same publisher goes on from a new source (an edge's upstream moved to another origin,
      // LiveStream.restartSession): a new encoder session, so the open segment ends here and the next
      // one carries EXT-X-DISCONTINUITY and a program date-time taken from the wall clock again.
      renditions.onUnpublish();
    }
    live = true;
    everLive = true;
    if (republishTimer != null) {
      republishTimer.cancel(false);
      republishTimer = null;
    }
  }

  @Override
  public void onUnpublish() {
    live = false;
    if (closed) {
      return;
    }
    renditions.onUnpublish();
    Duration wait = node.streams.settings().republishWaitTimeout();
    republishTimer = loop.schedule(() -> close("publisher_gone"), wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  // --- what the renditions made ---

  @Override
  public void parted(int track, long droppedByCount, long droppedByBytes) {
    if (closed) {
      return;
    }
    // Part latency is the default rendition's; the others are cut at the same frames.
    if (track == 0) {
      PartAvailability.Listed listed = availability.listed(node.nanoClock.getAsLong());
      if (listed != null) {
        node.meters.partListed(listed);
      }
    }
    node.meters.dropped(droppedByCount, droppedByBytes);
    wake();
  }

  @Override
  public void ended(int track) {
    if (track == 0) {
      availability.ended();
    }
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
    renditions.close();
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
    return renditions.window(0);
  }

  /** The window of rendition {@code track}, or null. */
  HlsWindow window(int track) {
    return renditions.window(track);
  }
}
