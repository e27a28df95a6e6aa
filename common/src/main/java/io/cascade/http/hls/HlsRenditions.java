package io.cascade.http.hls;

import io.cascade.cmaf.CmafPart;
import io.cascade.cmaf.CmafSegmenter;
import io.cascade.cmaf.CmafSink;
import io.cascade.cmaf.PartLayout;
import io.cascade.cmaf.TrackFormat;
import io.cascade.live.MediaFrame;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.util.Collections;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The renditions of one stream's HLS packaging on one node, by Enhanced-RTMP video track id: each
 * a {@link CmafSegmenter} (that track's video with the default audio track muxed in) feeding its
 * own {@link HlsWindow}. Track 0 is there from the start; another track's rendition starts with
 * that track's first frame, up to {@code hls.maxRenditions}, and first gets the default audio
 * track's configuration if that went by before it. The windows share one program-date anchor.
 * Confined to the session's event loop.
 */
final class HlsRenditions {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.http.hls");

  /** What the owner does once a rendition's window has taken a part, or the publisher's end. */
  interface Listener {
    /** A part went into {@code track}'s window, which dropped this many more segments (by count, by bytes). */
    void parted(int track, long droppedByCount, long droppedByBytes);

    void ended(int track);
  }

  /** One rendition: its segmenter, its window, and how many of the window's drops were reported. */
  private final class Rendition implements CmafSink {
    final int track;
    final HlsWindow window;
    final CmafSegmenter segmenter;
    long reportedDropCount;
    long reportedDropBytes;

    Rendition(int track) {
      this.track = track;
      this.window = new HlsWindow(node.settings, node.wallMillis, dates);
      this.segmenter = new CmafSegmenter(key, loop, node.settings.cmaf(), node.alloc, track, PartLayout.CONTIGUOUS, this);
    }

    @Override
    public void init(int version, List<TrackFormat> formats, ByteBuf segment) {
      window.init(version, formats, segment);
    }

    @Override
    public void part(CmafPart part) {
      window.part(part);
      long byCount = window.droppedByCount() - reportedDropCount;
      long byBytes = window.droppedByBytes() - reportedDropBytes;
      reportedDropCount = window.droppedByCount();
      reportedDropBytes = window.droppedByBytes();
      listener.parted(track, byCount, byBytes);
    }

    @Override
    public void end() {
      window.end();
      listener.ended(track);
    }
  }

  private final HlsNode node;
  private final String key;
  private final String tag;
  private final EventLoop loop;
  private final Listener listener;
  private final HlsWindow.DateAnchor dates = new HlsWindow.DateAnchor();
  private final TreeMap<Integer, Rendition> renditions = new TreeMap<>();
  /** The same windows, for the playlists. */
  private final TreeMap<Integer, HlsWindow> windows = new TreeMap<>();
  /** The default audio track's latest sequence header and channel layout, retained. */
  private MediaFrame audioHeader;
  private MediaFrame audioSideHeader;
  private boolean capped;

  HlsRenditions(HlsNode node, String key, String tag, EventLoop loop, Listener listener) {
    this.node = node;
    this.key = key;
    this.tag = tag;
    this.loop = loop;
    this.listener = listener;
    add(0);
  }

  private Rendition add(int track) {
    Rendition r = new Rendition(track);
    renditions.put(track, r);
    windows.put(track, r.window);
    return r;
  }

  /** Hands a frame of the stream to every rendition; takes the caller's reference. */
  void onFrame(MediaFrame frame) {
    try {
      if (frame.isVideo() && !renditions.containsKey(frame.trackId())) {
        start(frame.trackId());
      } else if (frame.isAudio() && frame.trackId() == 0 && frame.isConfig()) {
        keepAudioHeader(frame);
      }
      for (Rendition r : renditions.values()) {
        r.segmenter.onFrame(frame.retain());
      }
    } finally {
      frame.release();
    }
  }

  private void start(int track) {
    if (renditions.size() >= node.settings.maxRenditions()) {
      if (!capped) {
        capped = true;
        node.meters.refused("max_renditions");
        LOG.warn("event=hls.rendition.refused stream={} track={} reason=max_renditions limit={}", key, track,
            node.settings.maxRenditions());
      }
      return;
    }
    Rendition r = add(track);
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

  /** The publisher left: every rendition's last part goes out and its open segment ends. */
  void onUnpublish() {
    for (Rendition r : renditions.values()) {
      r.segmenter.onUnpublish();
    }
  }

  /** The window of rendition {@code track}, or null when there is none. */
  HlsWindow window(int track) {
    Rendition r = renditions.get(track);
    return r == null ? null : r.window;
  }

  /** Every rendition's window by track id, a read-only view. */
  SortedMap<Integer, HlsWindow> windows() {
    return Collections.unmodifiableSortedMap(windows);
  }

  /** Releases what every rendition holds. */
  void close() {
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
  }
}
