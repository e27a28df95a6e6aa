package io.cascade.live;

import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * One live stream on this node: its publisher, metadata and sequence headers, GOP cache, and
 * subscribers. It knows no wire format: frames come in as {@link MediaFrame}s, are packaged once
 * per output format that has subscribers ({@link Packager}, counted on join and leave; the cached
 * frames are packaged when a format's first subscriber joins), and are handed to subscribers
 * grouped by event loop: one task per loop per frame, in which each subscriber on that loop gets
 * its own reference. When subscribers that {@linkplain Subscriber#coalesceFlushes() coalesce}
 * are flushed is each loop group's {@link FlushPolicy}: at once while the loop keeps up, held for
 * up to {@link LiveSettings#flushInterval()} (one timer per loop and stream) when it is loaded or
 * in interval mode, so a loaded player's socket gets one larger write instead of one per message;
 * an audio and a video frame that arrive close together wait for each other and go out in one write
 * ({@link LiveSettings#flushAudioHold()}, {@link LiveSettings#flushVideoHold()}).
 *
 * <p>State is guarded by this object's lock. Delivery order per subscriber is the order of
 * submissions to its loop, and all submissions happen under the lock, so a joining subscriber
 * sees its cached frames before any live frame that follows them.
 */
public final class LiveStream {
  private static final int MAX_SEQUENCE_HEADERS = 16;
  private static final LoopGroup[] NO_GROUPS = new LoopGroup[0];
  private static final Packager[] NO_PACKAGERS = new Packager[0];

  private final String key;
  private final LiveSettings settings;
  private final ByteBufAllocator alloc;
  private final LiveStats stats;
  private final StreamTimeline timeline = new StreamTimeline();
  private final GopCache gop;
  private final Map<Integer, MediaFrame> sequenceHeaders = new LinkedHashMap<>();
  private MediaFrame metadata;
  private LoopGroup[] groups = NO_GROUPS;
  private int subscriberCount;
  /** Formats with at least one subscriber, and how many each has. */
  private Packager[] packagers = NO_PACKAGERS;
  private int[] packagerSubscribers = new int[0];
  private Object publisher;
  private long publishedAtMillis;
  private boolean hasVideo;
  private String videoCodec = "";
  private String audioCodec = "";
  private long framesIn;
  private long bytesIn;

  LiveStream(String key, LiveSettings settings, ByteBufAllocator alloc, LiveStats stats) {
    this.key = key;
    this.settings = settings;
    this.alloc = alloc;
    this.stats = stats;
    this.gop = new GopCache(settings.gopCacheMaxBytes(), settings.gopCacheMaxDuration().toMillis());
  }

  public String key() {
    return key;
  }

  synchronized boolean tryPublish(Object newPublisher) {
    if (publisher != null) {
      return false;
    }
    publisher = newPublisher;
    publishedAtMillis = System.currentTimeMillis();
    timeline.newSession();
    // A new session brings its own configuration; stale headers would break decoders.
    clearCaches();
    hasVideo = false;
    videoCodec = "";
    audioCodec = "";
    for (LoopGroup g : groups) {
      g.execute(Subscriber::onPublish);
    }
    return true;
  }

  /**
   * The same publisher continues from a new source (an edge's upstream moved to another origin):
   * players stay attached and see no unpublish, the timeline is rebased so time never goes back,
   * and stale metadata and sequence headers are dropped so the new source's are sent fresh.
   */
  public synchronized boolean restartSession(Object samePublisher) {
    if (publisher == null || publisher != samePublisher) {
      return false;
    }
    timeline.newSession();
    clearCaches();
    for (LoopGroup g : groups) {
      g.execute(Subscriber::onPublish);
    }
    return true;
  }

  synchronized boolean unpublish(Object oldPublisher) {
    if (publisher == null || publisher != oldPublisher) {
      return false;
    }
    publisher = null;
    clearCaches();
    for (LoopGroup g : groups) {
      g.execute(Subscriber::onUnpublish);
    }
    return true;
  }

  public synchronized boolean isPublishedBy(Object candidate) {
    return publisher != null && publisher == candidate;
  }

  public synchronized boolean isLive() {
    return publisher != null;
  }

  synchronized boolean isIdle() {
    return publisher == null && subscriberCount == 0;
  }

  synchronized int subscriberCount() {
    return subscriberCount;
  }

  /**
   * Adds a subscriber and queues its start: {@code onPublish} if live, then metadata, sequence
   * headers and the cached GOP.
   */
  synchronized boolean addSubscriber(Subscriber s) {
    if (subscriberCount >= settings.maxPlayersPerStream()) {
      return false;
    }
    EventLoop loop = s.eventLoop();
    LoopGroup group = null;
    for (LoopGroup g : groups) {
      if (g.loop == loop) {
        group = g;
        break;
      }
    }
    if (group == null) {
      group = new LoopGroup(loop, settings);
      groups = Arrays.copyOf(groups, groups.length + 1);
      groups[groups.length - 1] = group;
    }
    addPackager(s.packager());
    group.add(s);
    subscriberCount++;
    if (publisher != null) {
      List<MediaFrame> start = new ArrayList<>(gop.size() + 4);
      if (metadata != null) {
        start.add(metadata.retain());
      }
      for (MediaFrame f : sequenceHeaders.values()) {
        start.add(f.retain());
      }
      gop.copyTo(start);
      try {
        loop.execute(() -> {
          s.onPublish();
          for (MediaFrame f : start) {
            s.onFrame(f);
          }
          s.onFlush();
        });
      } catch (RejectedExecutionException e) {
        start.forEach(MediaFrame::release);
      }
    }
    return true;
  }

  synchronized boolean removeSubscriber(Subscriber s) {
    for (int i = 0; i < groups.length; i++) {
      LoopGroup g = groups[i];
      if (g.loop == s.eventLoop() && g.remove(s)) {
        subscriberCount--;
        removePackager(s.packager());
        if (g.isEmpty()) {
          LoopGroup[] next = new LoopGroup[groups.length - 1];
          System.arraycopy(groups, 0, next, 0, i);
          System.arraycopy(groups, i + 1, next, i, groups.length - i - 1);
          groups = next;
        }
        return true;
      }
    }
    return false;
  }

  /** Counts a subscriber of {@code p}; its first one gets the cached frames packaged for it. */
  private void addPackager(Packager p) {
    if (p == null) {
      return;
    }
    int i = indexOf(p);
    if (i >= 0) {
      packagerSubscribers[i]++;
      return;
    }
    if (metadata != null) {
      metadata.packageWith(p, alloc);
    }
    for (MediaFrame f : sequenceHeaders.values()) {
      f.packageWith(p, alloc);
    }
    gop.packageWith(p, alloc);
    packagers = Arrays.copyOf(packagers, packagers.length + 1);
    packagers[packagers.length - 1] = p;
    packagerSubscribers = Arrays.copyOf(packagerSubscribers, packagerSubscribers.length + 1);
    packagerSubscribers[packagerSubscribers.length - 1] = 1;
  }

  /** Live frames stop being packaged by a format once its last subscriber leaves. */
  private void removePackager(Packager p) {
    int i = p == null ? -1 : indexOf(p);
    if (i < 0 || --packagerSubscribers[i] > 0) {
      return;
    }
    int n = packagers.length - 1;
    packagers[i] = packagers[n];
    packagerSubscribers[i] = packagerSubscribers[n];
    packagers = Arrays.copyOf(packagers, n);
    packagerSubscribers = Arrays.copyOf(packagerSubscribers, n);
  }

  private int indexOf(Packager p) {
    for (int i = 0; i < packagers.length; i++) {
      if (packagers[i] == p || packagers[i].equals(p)) {
        return i;
      }
    }
    return -1;
  }

  /**
   * A frame from the publisher, built by its adapter with the source's timestamp as {@code dts};
   * takes the frame's reference. Ignored unless {@code from} is the current publisher. The frame
   * is put on the stream's timeline, cached if it is configuration or part of the GOP, packaged
   * with every packager that has subscribers, and handed to every subscriber.
   */
  public void onFrame(Object from, MediaFrame frame) {
    synchronized (this) {
      if (publisher != from || publisher == null) {
        frame.release();
        return;
      }
      frame.dts(timeline.map(frame.dts() & 0xFFFFFFFFL));
      framesIn++;
      bytesIn += frame.size();
      stats.received(frame.size());
      try {
        for (Packager p : packagers) {
          frame.packageWith(p, alloc);
        }
      } catch (RuntimeException e) {
        frame.release();
        throw e;
      }
      if (frame.isConfig()) {
        noteCodec(frame);
        replace(frame);
      } else if (!frame.isData()) {
        if (frame.isVideo() && !hasVideo) {
          hasVideo = true;
          noteCodec(frame);
        } else if (frame.isAudio() && audioCodec.isEmpty()) {
          noteCodec(frame);
        }
        gop.add(frame);
      }
      for (LoopGroup g : groups) {
        g.deliver(frame);
      }
      frame.release();
    }
  }

  private void noteCodec(MediaFrame frame) {
    if (frame.isVideo()) {
      videoCodec = frame.codec();
    } else if (frame.isAudio()) {
      audioCodec = frame.codec();
    }
  }

  /**
   * Keeps the latest metadata, and the latest sequence header per media type and track (and,
   * beside it, the latest side configuration such as an Opus channel layout, which must not evict
   * the sequence header it complements).
   */
  private void replace(MediaFrame frame) {
    if (frame.isData()) {
      if (metadata != null) {
        metadata.release();
      }
      metadata = frame.retain();
      return;
    }
    int slot = frame.kind().ordinal() << 8 | frame.trackId() | (frame.isSideConfig() ? 1 << 16 : 0);
    MediaFrame old = sequenceHeaders.remove(slot);
    if (old != null) {
      old.release();
    } else if (sequenceHeaders.size() >= MAX_SEQUENCE_HEADERS) {
      return;
    }
    sequenceHeaders.put(slot, frame.retain());
  }

  private void clearCaches() {
    gop.clear();
    if (metadata != null) {
      metadata.release();
      metadata = null;
    }
    for (MediaFrame f : sequenceHeaders.values()) {
      f.release();
    }
    sequenceHeaders.clear();
  }

  /** Releases everything; the stream is gone from its manager. */
  synchronized void dispose() {
    clearCaches();
  }

  public synchronized StreamInfo info() {
    int viewers = 0;
    int relays = 0;
    for (LoopGroup g : groups) {
      for (Subscriber s : g.members) {
        viewers += s.viewers();
        relays += s.relay() ? 1 : 0;
      }
    }
    return new StreamInfo(key, publisher != null, publishedAtMillis, subscriberCount, viewers, relays, videoCodec,
        audioCodec, framesIn, bytesIn, gop.bytes());
  }
}
