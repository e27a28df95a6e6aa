package io.cascade.cmaf;

import io.cascade.live.MediaFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Turns a live stream's frames into fragmented MP4: an init segment per track set and parts
 * ({@code moof} + {@code mdat}) of at most about {@link CmafSettings#partTarget()}, grouped into
 * segments that start at video keyframes.
 *
 * <h2>Where it sits on the live core</h2>
 * A {@link io.cascade.live.Packager} makes one frame's wire bytes, statelessly, once per frame. A part
 * is many frames of several tracks, and its last sample's duration is only known when the next
 * frame arrives, so fMP4 is not a per-frame format. It is one stateful consumer per stream per node:
 * a {@link CmafSegmenter} subscribes to the stream like a player that reads only frame bodies, feeds
 * this class on its event loop, and hands init segments and parts on to whatever serves them; every
 * LL-HLS viewer of that node then reads the same parts. The core needs no change: the subscriber join
 * order (sequence headers, then the cached GOP from its keyframe, then live) gives a clean start at
 * a keyframe, and the stream's 64-bit timeline is monotonic across republish and failover.
 *
 * <h2>Times</h2>
 * Video runs at 90 kHz: frame times are whole milliseconds, and ms × 90 is exact; 90 kHz is the MPEG
 * clock every HLS tool reads, and it leaves room for sub-millisecond sources (Enhanced RTMP's
 * nanosecond offsets, MPEG-TS ingest) without changing the init segment. At 90 kHz a 32-bit decode
 * time wraps after 13.3 hours, so {@code tfdt} is version 1 (64-bit). Audio runs at its sample rate,
 * so a sample lasts exactly its frame length (1024 for AAC, the TOC's count for Opus): a sample starts
 * where the previous one ended as long as the frame's millisecond time agrees within
 * {@value #AUDIO_SNAP_MILLIS} ms, and at its own time after a real gap.
 *
 * <h2>Durations and cuts</h2>
 * Audio durations come from the codec, so audio samples are complete on arrival. A video sample is
 * held back until the next video frame gives its duration. Cuts happen when a frame of the lead track
 * (video, or audio for audio-only streams) arrives: a segment (and a part) starts at a video keyframe
 * whose presentation time is at least {@link CmafSettings#segmentTarget()} (less half a frame) after
 * that of the keyframe that began the segment; a part ends at the frame
 * boundary beyond which another frame of the last frame's duration would pass the part target. A
 * part that reaches {@link CmafSettings#maxPartBytes()} is closed at the next frame of any track.
 * Each track's samples in a part are those that arrived while it was open; each traf carries its own
 * decode time, so audio and video need not be cut at the same instant.
 *
 * <p>Not thread-safe: one event loop feeds it. Frames are read, never retained as a whole: sample
 * data is a retained slice of the body, released when its part is written.
 */
public final class Fragmenter {
  static final int AUDIO_SNAP_MILLIS = 10;
  /** Guess for a lone video frame's duration at end of stream (one frame at 30 fps). */
  private static final int FALLBACK_VIDEO_MILLIS = 33;
  /** Guess for an audio frame whose codec does not say (20 ms, the usual packet). */
  private static final int FALLBACK_AUDIO_MILLIS = 20;
  /**
   * A stream whose first instant is negative (see the timeline's unwrapping) is shifted up by this
   * much beyond it, so samples slightly earlier than the first keyframe stay non-negative.
   */
  private static final long NEGATIVE_START_MARGIN_MILLIS = 10_000;

  private final CmafSettings settings;
  private final ByteBufAllocator alloc;
  /** The Enhanced-RTMP video track packaged here; audio is always the default track's. */
  private final int videoTrack;
  private final PartLayout layout;
  private final TrackBuffer video = new TrackBuffer(true);
  private final TrackBuffer audio = new TrackBuffer(false);
  /** Tracks of the init segment in force, in track id order; empty until the first start. */
  private final List<TrackBuffer> inInit = new ArrayList<>(2);
  private int initVersion;
  private boolean started;
  private int sequenceNumber;
  private Long timeOffsetMillis;
  private long partStartMillis;
  /** Presentation time of the keyframe that began the segment: segment lengths are what a player sees. */
  private long segmentStartPts;
  private boolean partIndependent;
  private boolean partStartsSegment;
  private long partBytes;
  private long droppedFrames;
  private long rejectedHeaders;
  private String lastRejection = "";

  public Fragmenter(CmafSettings settings, ByteBufAllocator alloc) {
    this(settings, alloc, 0, PartLayout.CONTIGUOUS);
  }

  /**
   * A fragmenter of one rendition: the video of Enhanced-RTMP track {@code videoTrack} with the
   * default track's audio (muxed, so each rendition plays on its own), its parts laid out as
   * {@code layout} says.
   */
  public Fragmenter(CmafSettings settings, ByteBufAllocator alloc, int videoTrack, PartLayout layout) {
    this.settings = settings;
    this.alloc = alloc;
    this.videoTrack = videoTrack;
    this.layout = layout;
  }

  /**
   * Takes one frame in decode order per track; the caller keeps its reference. Returns the part this
   * frame closed, which the caller then owns, or null. A malformed sequence header is counted
   * ({@link #rejectedHeaders()}); its track is left out until a good one arrives, the rest goes on.
   */
  public CmafPart add(MediaFrame frame) {
    if (frame.isData() || frame.trackId() != (frame.isVideo() ? videoTrack : 0)) {
      return null; // another rendition's video, or an audio track other than the default
    }
    FlvPayload payload = FlvPayload.locate(frame);
    TrackBuffer track = frame.isVideo() ? video : audio;
    switch (payload.kind()) {
      case CONFIG:
        return configure(track, frame, payload.offset());
      case SAMPLE:
        return sample(track, frame, payload.offset());
      default:
        return null;
    }
  }

  /**
   * Ends the open part with what is held (end of stream, or before a new track set); the next
   * frame that can start one begins a new segment. Returns the part, or null when nothing was held.
   */
  public CmafPart flush() {
    if (!started) {
      return null;
    }
    started = false;
    if (video.pending != null) {
      Sample last = video.pending;
      video.pending = null;
      last.duration = video.lastDuration > 0 ? video.lastDuration : millisToTicks(video, FALLBACK_VIDEO_MILLIS);
      video.samples.add(last);
    }
    long endMillis = partStartMillis;
    for (TrackBuffer t : inInit) {
      if (!t.samples.isEmpty()) {
        Sample last = t.samples.get(t.samples.size() - 1);
        endMillis = Math.max(endMillis, ticksToMillis(t, last.decodeTime + last.duration) - timeOffsetMillis);
      }
    }
    return cut(endMillis, false, false);
  }

  /** Drops everything held, without making a part. */
  public void close() {
    started = false;
    video.clear();
    audio.clear();
    partBytes = 0;
  }

  /** Whether a segment is open: parts are being made. */
  public boolean started() {
    return started;
  }

  /** Increases each time the track set or a track's configuration changes; 0 before the first. */
  public int initVersion() {
    return initVersion;
  }

  /** The tracks of the init segment in force, in track id order; empty before the first start. */
  public List<TrackFormat> formats() {
    List<TrackFormat> formats = new ArrayList<>(inInit.size());
    for (TrackBuffer t : inInit) {
      formats.add(t.format);
    }
    return formats;
  }

  /** A new buffer with the init segment in force, owned by the caller. */
  public ByteBuf initSegment() {
    if (inInit.isEmpty()) {
      throw new IllegalStateException("no track set yet");
    }
    return InitSegment.write(formats(), alloc);
  }

  /** Media frames left out: before a keyframe could start a segment, or of a codec without configuration. */
  public long droppedFrames() {
    return droppedFrames;
  }

  /** Sequence headers that could not be read. */
  public long rejectedHeaders() {
    return rejectedHeaders;
  }

  /** Why the last of them was refused; "" if none was. */
  public String lastRejection() {
    return lastRejection;
  }

  private CmafPart configure(TrackBuffer track, MediaFrame frame, int offset) {
    ByteBuf body = frame.body();
    byte[] config = new byte[body.readableBytes() - offset];
    body.getBytes(body.readerIndex() + offset, config);
    if (Arrays.equals(config, track.config)) {
      return null; // a repeated sequence header
    }
    CmafPart closed = flush(); // a new or changed track: the next segment gets a new init segment
    track.config = config;
    track.format = null;
    track.formatChanged = true;
    try {
      track.format = TrackFormat.fromConfig(frame.codec(), config);
    } catch (IllegalArgumentException e) {
      rejectedHeaders++;
      lastRejection = frame.codec() + " sequence header: " + e.getMessage();
    }
    return closed;
  }

  private CmafPart sample(TrackBuffer track, MediaFrame frame, int offset) {
    if (track.format == null) {
      droppedFrames++;
      return null;
    }
    if (!started && !start(track, frame)) {
      droppedFrames++;
      return null;
    }
    if (!inInit.contains(track)) {
      droppedFrames++;
      return null;
    }
    long millis = frame.dts() + timeOffsetMillis;
    if (millis < 0) {
      droppedFrames++;
      return null;
    }
    ByteBuf body = frame.body();
    int from = body.readerIndex() + offset;
    int length = body.readableBytes() - offset;
    if ("av01".equals(frame.codec())) {
      int delimiters = Obus.leadingTemporalDelimiters(body, from, length);
      from += delimiters;
      length -= delimiters;
    }
    ByteBuf data = body.retainedSlice(from, length);
    CmafPart closed;
    if (track.video) {
      closed = videoSample(track, frame, millis, data);
    } else {
      closed = audioSample(track, millis, data);
    }
    if (closed == null && partBytes >= settings.maxPartBytes()) {
      closed = cut(millis - timeOffsetMillis, nextIndependent(), false);
    }
    return closed;
  }

  /** Starts a segment if {@code frame} can open one; fixes the track set of the init segment. */
  private boolean start(TrackBuffer track, MediaFrame frame) {
    boolean videoLed = video.format != null;
    if (videoLed ? !(track.video && frame.isKeyframe()) : track.video) {
      return false;
    }
    List<TrackBuffer> tracks = new ArrayList<>(2);
    for (TrackBuffer t : List.of(video, audio)) {
      if (t.format != null) {
        tracks.add(t);
      }
    }
    if (!tracks.equals(inInit) || tracks.stream().anyMatch(t -> t.formatChanged)) {
      initVersion++;
    }
    inInit.clear();
    inInit.addAll(tracks);
    for (TrackBuffer t : tracks) {
      t.formatChanged = false;
      t.nextTime = Long.MIN_VALUE;
    }
    if (timeOffsetMillis == null) {
      timeOffsetMillis = frame.dts() < 0 ? NEGATIVE_START_MARGIN_MILLIS - frame.dts() : 0;
    }
    started = true;
    partStartMillis = frame.dts();
    segmentStartPts = frame.dts() + frame.compositionOffset();
    partIndependent = true;
    partStartsSegment = true;
    return true;
  }

  private CmafPart videoSample(TrackBuffer track, MediaFrame frame, long millis, ByteBuf data) {
    long time = millisToTicks(track, millis);
    Sample previous = track.pending;
    track.pending = new Sample(data, time, (int) millisToTicks(track, frame.compositionOffset()), frame.isKeyframe());
    if (previous == null) {
      return null;
    }
    long duration = time - previous.decodeTime;
    if (duration <= 0) { // decode times that do not increase: keep the cadence rather than stall
      duration = track.lastDuration > 0 ? track.lastDuration : 1;
    }
    previous.duration = duration;
    track.lastDuration = duration;
    track.samples.add(previous);
    partBytes += previous.size();
    return leads(track)
        ? maybeCut(frame.dts(), frame.dts() + frame.compositionOffset(), frame.isKeyframe(), ticksToMillis(track, duration))
        : null;
  }

  private CmafPart audioSample(TrackBuffer track, long millis, ByteBuf data) {
    int rate = track.format.timescale();
    long candidate = Math.floorDiv(millis * rate + 500, 1000);
    boolean continuous = track.nextTime != Long.MIN_VALUE
        && Math.abs(candidate - track.nextTime) <= (long) rate * AUDIO_SNAP_MILLIS / 1000;
    long time = continuous ? track.nextTime : candidate;
    if (!continuous && !track.samples.isEmpty()) {
      Sample previous = track.samples.get(track.samples.size() - 1);
      if (time > previous.decodeTime) {
        previous.duration = time - previous.decodeTime; // a gap: the previous sample lasts until this one
      }
    }
    long duration = track.format.sampleDuration(data);
    if (duration <= 0) {
      duration = track.lastDuration > 0 ? track.lastDuration : millisToTicks(track, FALLBACK_AUDIO_MILLIS);
    }
    long streamMillis = millis - timeOffsetMillis;
    CmafPart closed = leads(track) ? maybeCut(streamMillis, streamMillis, true, ticksToMillis(track, duration)) : null;
    Sample sample = new Sample(data, time, 0, true);
    sample.duration = duration;
    track.lastDuration = duration;
    track.nextTime = time + duration;
    track.samples.add(sample);
    partBytes += sample.size();
    return closed;
  }

  /** The lead track decides cuts: video when the init has it, else audio. */
  private boolean leads(TrackBuffer track) {
    return track.video || !inInit.contains(video);
  }

  /**
   * At a lead-track frame boundary: decode time {@code millis}, presentation time {@code pts} (stream
   * timeline). A segment is measured between keyframes' presentation times (with B-frames a keyframe's
   * decode time comes early) and may fall half a frame short, for frame times rounded to milliseconds.
   */
  private CmafPart maybeCut(long millis, long pts, boolean keyframe, long lastDurationMillis) {
    boolean segment = keyframe && pts - segmentStartPts + lastDurationMillis / 2 >= settings.segmentTarget().toMillis();
    boolean part = millis - partStartMillis + lastDurationMillis > settings.partTarget().toMillis();
    if (!segment && !part) {
      return null;
    }
    if (segment) {
      segmentStartPts = pts;
    }
    return cut(millis, nextIndependent(), segment);
  }

  /** The next part starts with the held video sample, or with audio. */
  private boolean nextIndependent() {
    return !inInit.contains(video) || video.pending == null || video.pending.sync;
  }

  /** Writes the open part, ending at {@code millis}, and opens the next; null when the part is empty. */
  private CmafPart cut(long millis, boolean nextIndependent, boolean nextStartsSegment) {
    List<List<Sample>> samples = new ArrayList<>(inInit.size());
    List<TrackFormat> formats = new ArrayList<>(inInit.size());
    boolean any = false;
    int videoSamples = 0;
    for (TrackBuffer t : inInit) {
      samples.add(t.samples);
      formats.add(t.format);
      any |= !t.samples.isEmpty();
      videoSamples += t.video ? t.samples.size() : 0;
    }
    CmafPart part = null;
    if (any) {
      ByteBuf content;
      try {
        content = FragmentWriter.write(sequenceNumber + 1, samples, formats, alloc, layout);
      } finally {
        for (TrackBuffer t : inInit) {
          t.releaseSamples();
        }
        partBytes = 0;
      }
      sequenceNumber++;
      part = new CmafPart(content, sequenceNumber, initVersion, partStartMillis, millis - partStartMillis,
          partIndependent, partStartsSegment, videoSamples);
    }
    partStartMillis = millis;
    partIndependent = nextIndependent;
    partStartsSegment = nextStartsSegment;
    return part;
  }

  private static long millisToTicks(TrackBuffer track, long millis) {
    return track.video ? millis * (TrackFormat.VIDEO_TIMESCALE / 1000) : millis * track.format.timescale() / 1000;
  }

  private static long ticksToMillis(TrackBuffer track, long ticks) {
    return ticks * 1000 / track.format.timescale();
  }
}
