package io.cascade.http.hls;

import io.cascade.cmaf.CmafPart;
import io.cascade.cmaf.CmafSink;
import io.cascade.cmaf.TrackFormat;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * What one stream's HLS packaging keeps on one node: init segments, and segments made of parts,
 * numbered on one media sequence line that never goes back (a republish continues it with a
 * discontinuity). Keeps {@code hls.windowSegments} complete segments, or with a DVR window ({@code
 * hls.dvrWindow}) as many more as that window needs; bounded in bytes by {@code hls.maxWindowBytes}
 * ({@code hls.dvrMaxBytes} with a DVR window). The oldest segment goes first. Owns every buffer and
 * part it was given until it drops them or is closed. Confined to the session's event loop.
 *
 * <p>Over 400 lines: the three bounds (segments, DVR duration, bytes), the media sequence line and
 * the discontinuities all act on one list of segments and parts whose buffers it owns; split, the
 * release of a dropped part would have to be followed across classes.
 */
final class HlsWindow implements CmafSink {

  /** One part as listed: its global number (its URI), its place in its segment, its bytes. */
  record Part(long number, long msn, int index, CmafPart cmaf) {
    long durationMillis() {
      return cmaf.durationMillis();
    }

    boolean independent() {
      return cmaf.independent();
    }

    ByteBuf content() {
      return cmaf.content();
    }
  }

  /** A segment: its parts, complete once the next segment (or the publisher's end) closed it. */
  static final class Segment {
    final long msn;
    final int initVersion;
    final boolean discontinuity;
    /** Set when the segment opens; the first segment of a session may move it earlier while open. */
    long programDateMillis;
    final List<Part> parts = new ArrayList<>();
    long bytes;
    long durationMillis;
    boolean complete;

    Segment(long msn, int initVersion, boolean discontinuity, long programDateMillis) {
      this.msn = msn;
      this.initVersion = initVersion;
      this.discontinuity = discontinuity;
      this.programDateMillis = programDateMillis;
    }
  }

  /**
   * Wall clock minus media time, for dating segments (EXT-X-PROGRAM-DATE-TIME): the smallest seen
   * over the first segment of a publish session, then fixed. A part is cut when the frame after it
   * arrives, so a live part began about its duration before; the parts of a GOP cache a session
   * joins with, or of the burst an edge's pull starts with, arrive late and would date it late. The
   * renditions of a stream share one, so equal media times carry equal dates in every rendition
   * (players align renditions by EXT-X-PROGRAM-DATE-TIME when they switch).
   */
  static final class DateAnchor {
    /** {@link Long#MAX_VALUE} until the session's first part. */
    private long offsetMillis = Long.MAX_VALUE;
    private boolean fixed;

    private void offer(long offset) {
      if (!fixed && offset < offsetMillis) {
        offsetMillis = offset;
      }
    }

    private void reset() {
      offsetMillis = Long.MAX_VALUE;
      fixed = false;
    }
  }

  private final HlsSettings settings;
  private final LongSupplier wallMillis;
  private final DateAnchor anchor;
  private final ArrayDeque<Segment> segments = new ArrayDeque<>();
  private final TreeMap<Integer, ByteBuf> inits = new TreeMap<>();
  private List<TrackFormat> formats = List.of();
  private int initVersion;
  private long nextMsn;
  private long nextPartNumber;
  private long discontinuitySequence;
  private boolean pendingDiscontinuity;
  /** After the byte bound dropped the open segment: parts are skipped until the next segment starts. */
  private boolean resync;
  private long bytes;
  /** Summed duration of the complete segments in the window. */
  private long completeMillis;
  private long longestSegmentMillis;
  private long peakBitsPerSecond;
  private long droppedByCount;
  private long droppedByBytes;
  private long measuredVideoSamples;
  private long measuredVideoMillis;
  /** Whether this window dated a segment since the session started. */
  private boolean sessionDated;
  /** The session's first segment while it is open: its date may still move earlier. */
  private Segment dating;
  private long datingMediaStartMillis;
  private boolean closed;

  HlsWindow(HlsSettings settings, LongSupplier wallMillis) {
    this(settings, wallMillis, new DateAnchor());
  }

  HlsWindow(HlsSettings settings, LongSupplier wallMillis, DateAnchor anchor) {
    this.settings = settings;
    this.wallMillis = wallMillis;
    this.anchor = anchor;
  }

  @Override
  public void init(int version, List<TrackFormat> trackFormats, ByteBuf segment) {
    if (closed) {
      segment.release();
      return;
    }
    ByteBuf old = inits.put(version, segment);
    if (old != null) {
      bytes -= old.readableBytes();
      old.release();
    }
    bytes += segment.readableBytes();
    initVersion = version;
    formats = List.copyOf(trackFormats);
    dropUnusedInits();
  }

  @Override
  public void part(CmafPart cmaf) {
    if (closed) {
      cmaf.release();
      return;
    }
    Segment open = openSegment();
    boolean newSegment = open == null || cmaf.startsSegment() || cmaf.initVersion() != open.initVersion;
    if (resync && !cmaf.startsSegment()) {
      cmaf.release();
      return;
    }
    resync = false;
    if (newSegment) {
      if (open != null) {
        complete(open);
      }
      if (open != null && open == dating) {
        anchor.fixed = true;
      }
      long offset = wallMillis.getAsLong() - cmaf.durationMillis() - cmaf.startMillis();
      boolean firstOfSession = !sessionDated;
      if (firstOfSession) {
        anchor.offer(offset);
        sessionDated = true;
      }
      dating = null;
      open = new Segment(nextMsn++, cmaf.initVersion(), pendingDiscontinuity, cmaf.startMillis() + anchor.offsetMillis);
      pendingDiscontinuity = false;
      segments.addLast(open);
      if (firstOfSession) {
        dating = open;
        datingMediaStartMillis = cmaf.startMillis();
      }
    } else if (open == dating) {
      anchor.offer(wallMillis.getAsLong() - cmaf.durationMillis() - cmaf.startMillis());
      open.programDateMillis = datingMediaStartMillis + anchor.offsetMillis;
    }
    open.parts.add(new Part(nextPartNumber++, open.msn, open.parts.size(), cmaf));
    int size = cmaf.content().readableBytes();
    open.bytes += size;
    open.durationMillis += cmaf.durationMillis();
    bytes += size;
    bound();
  }

  /** The publisher left: the open segment is complete, the next one starts a discontinuity. */
  @Override
  public void end() {
    Segment open = openSegment();
    if (open != null) {
      complete(open);
    }
    if (!segments.isEmpty()) {
      pendingDiscontinuity = true;
    }
    anchor.reset();
    sessionDated = false;
    dating = null;
  }

  private void complete(Segment s) {
    s.complete = true;
    completeMillis += s.durationMillis;
    longestSegmentMillis = Math.max(longestSegmentMillis, s.durationMillis);
    if (s.durationMillis > 0) {
      peakBitsPerSecond = Math.max(peakBitsPerSecond, s.bytes * 8_000 / s.durationMillis);
      int pictures = 0;
      for (Part p : s.parts) {
        pictures += p.cmaf().videoSamples();
      }
      if (pictures > 0) {
        measuredVideoSamples += pictures;
        measuredVideoMillis += s.durationMillis;
      }
    }
  }

  private void bound() {
    long dvrMillis = settings.dvrWindow().toMillis();
    // Beyond hls.windowSegments, the oldest segment stays while the newer ones cover less than the DVR window.
    while (completeCount() > settings.windowSegments()
        && completeMillis - segments.peekFirst().durationMillis >= dvrMillis) {
      drop(segments.pollFirst());
      droppedByCount++;
    }
    while (bytes > settings.windowBytes() && !segments.isEmpty()) {
      Segment oldest = segments.pollFirst();
      if (!oldest.complete) {
        // The open segment alone is over the bound: give it up and start again at the next segment.
        resync = true;
        pendingDiscontinuity = true;
      }
      drop(oldest);
      droppedByBytes++;
    }
    dropUnusedInits();
  }

  private void drop(Segment s) {
    if (s.discontinuity) {
      discontinuitySequence++;
    }
    if (s.complete) {
      completeMillis -= s.durationMillis;
    }
    for (Part p : s.parts) {
      bytes -= p.content().readableBytes();
      p.cmaf().release();
    }
    s.parts.clear();
  }

  private void dropUnusedInits() {
    int oldestUsed = segments.isEmpty() ? initVersion : segments.peekFirst().initVersion;
    Iterator<Map.Entry<Integer, ByteBuf>> it = inits.entrySet().iterator();
    while (it.hasNext()) {
      Map.Entry<Integer, ByteBuf> e = it.next();
      if (e.getKey() >= Math.min(oldestUsed, initVersion)) {
        break;
      }
      bytes -= e.getValue().readableBytes();
      e.getValue().release();
      it.remove();
    }
  }

  private int completeCount() {
    int n = segments.size();
    Segment last = segments.peekLast();
    return last != null && !last.complete ? n - 1 : n;
  }

  /** Releases every buffer; later parts and inits are released on arrival. */
  void close() {
    if (closed) {
      return;
    }
    closed = true;
    segments.forEach(this::drop);
    segments.clear();
    inits.values().forEach(ByteBuf::release);
    inits.clear();
  }

  Segment openSegment() {
    Segment last = segments.peekLast();
    return last != null && !last.complete ? last : null;
  }

  /** The segments in the window, oldest first (the last one may be open). */
  List<Segment> segments() {
    return List.copyOf(segments);
  }

  boolean hasCompleteSegment() {
    for (Segment s : segments) {
      if (s.complete) {
        return true;
      }
    }
    return false;
  }

  /** MSN of the newest complete segment, -1 without one. */
  long lastCompleteMsn() {
    Iterator<Segment> it = segments.descendingIterator();
    while (it.hasNext()) {
      Segment s = it.next();
      if (s.complete) {
        return s.msn;
      }
    }
    return -1;
  }

  /** The newest part, or null. */
  Part lastPart() {
    Segment last = segments.peekLast();
    return last == null || last.parts.isEmpty() ? null : last.parts.get(last.parts.size() - 1);
  }

  /** The MSN the next new segment will get. */
  long nextMsn() {
    return nextMsn;
  }

  /** The number the next part will get: the preload hint's URI. */
  long nextPartNumber() {
    return nextPartNumber;
  }

  /**
   * Whether a playlist now holds what a blocking reload asked for: segment {@code msn} complete
   * (part &lt; 0), or part {@code part} of segment {@code msn}, or anything later.
   */
  boolean holds(long msn, int part) {
    if (part < 0) {
      return lastCompleteMsn() >= msn;
    }
    Part last = lastPart();
    if (last == null) {
      return false;
    }
    if (last.msn() > msn) {
      return true;
    }
    if (last.msn() < msn) {
      return false;
    }
    Segment s = segments.peekLast();
    return last.index() >= part || s.complete;
  }

  Part part(long number) {
    Iterator<Segment> it = segments.descendingIterator();
    while (it.hasNext()) {
      Segment s = it.next();
      if (s.parts.isEmpty() || s.parts.get(0).number() > number) {
        continue;
      }
      long i = number - s.parts.get(0).number();
      return i < s.parts.size() ? s.parts.get((int) i) : null;
    }
    return null;
  }

  Segment completeSegment(long msn) {
    for (Segment s : segments) {
      if (s.msn == msn) {
        return s.complete ? s : null;
      }
    }
    return null;
  }

  /** A complete segment's bytes: its parts, retained and shared, never copied. */
  static ByteBuf content(Segment s, ByteBufAllocator alloc) {
    CompositeByteBuf whole = alloc.compositeBuffer(Math.max(2, s.parts.size()));
    for (Part p : s.parts) {
      whole.addComponent(true, p.content().retainedDuplicate());
    }
    return whole;
  }

  ByteBuf init(int version) {
    return inits.get(version);
  }

  int initVersion() {
    return initVersion;
  }

  List<TrackFormat> formats() {
    return formats;
  }

  long discontinuitySequence() {
    return discontinuitySequence;
  }

  /** EXT-X-TARGETDURATION in seconds: the segment target or the longest segment seen, rounded up. */
  int targetDurationSeconds() {
    long ms = Math.max(settings.segmentTarget().toMillis(), longestSegmentMillis);
    return (int) ((ms + 999) / 1000);
  }

  /** Peak bit rate of a complete segment so far (for BANDWIDTH). */
  long peakBitsPerSecond() {
    return peakBitsPerSecond;
  }

  /** Video pictures per second over the complete segments so far; 0 without video. */
  double frameRate() {
    return measuredVideoMillis > 0 ? measuredVideoSamples * 1000.0 / measuredVideoMillis : 0;
  }

  long bytes() {
    return bytes;
  }

  /** Summed duration of the complete segments in the window (what a player can seek back over). */
  long completeMillis() {
    return completeMillis;
  }

  long droppedByCount() {
    return droppedByCount;
  }

  long droppedByBytes() {
    return droppedByBytes;
  }
}
