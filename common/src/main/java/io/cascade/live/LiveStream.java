package io.cascade.live;

import io.cascade.media.MediaTags;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * One live stream on this node: its publisher, metadata and sequence headers, GOP cache, and
 * subscribers. Frames are decoded once, encoded into chunks once, and handed to subscribers
 * grouped by event loop: one task per loop per frame, in which each subscriber on that loop gets
 * its own reference. Subscribers that {@linkplain Subscriber#coalesceFlushes() coalesce} are
 * flushed at most every {@link LiveSettings#flushInterval()}, by one timer per loop and stream, so
 * a player's socket gets one larger write per interval instead of one per message; a frame of at
 * least {@link LiveSettings#flushBytes()} is flushed at once, with whatever was held before it.
 *
 * <p>State is guarded by this object's lock. Delivery order per subscriber is the order of
 * submissions to its loop, and all submissions happen under the lock, so a joining subscriber
 * sees its cached frames before any live frame that follows them.
 */
public final class LiveStream {
  /** Play stream id whose encoding is shared; the first createStream of a connection gets it. */
  public static final int SHARED_STREAM_ID = 1;
  public static final int CSID_DATA = 5;
  public static final int CSID_AUDIO = 6;
  public static final int CSID_VIDEO = 7;
  private static final int MAX_SEQUENCE_HEADERS = 16;
  private static final LoopGroup[] NO_GROUPS = new LoopGroup[0];

  private final String key;
  private final LiveSettings settings;
  private final ByteBufAllocator alloc;
  private final LiveStats stats;
  private final StreamTimeline timeline = new StreamTimeline();
  private final GopCache gop;
  private final Map<Integer, LiveFrame> sequenceHeaders = new LinkedHashMap<>();
  private LiveFrame metadata;
  private LoopGroup[] groups = NO_GROUPS;
  private int subscriberCount;
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
      group = new LoopGroup(loop, settings.flushInterval().toNanos(), settings.flushBytes());
      groups = Arrays.copyOf(groups, groups.length + 1);
      groups[groups.length - 1] = group;
    }
    group.add(s);
    subscriberCount++;
    if (publisher != null) {
      List<LiveFrame> start = new ArrayList<>(gop.size() + 4);
      if (metadata != null) {
        start.add(metadata.retain());
      }
      for (LiveFrame f : sequenceHeaders.values()) {
        start.add(f.retain());
      }
      gop.copyTo(start);
      try {
        loop.execute(() -> {
          s.onPublish();
          for (LiveFrame f : start) {
            s.onFrame(f);
          }
          s.onFlush();
        });
      } catch (RejectedExecutionException e) {
        start.forEach(LiveFrame::release);
      }
    }
    return true;
  }

  synchronized boolean removeSubscriber(Subscriber s) {
    for (int i = 0; i < groups.length; i++) {
      LoopGroup g = groups[i];
      if (g.loop == s.eventLoop() && g.remove(s)) {
        subscriberCount--;
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

  /**
   * A message from the publisher: audio, video, or a data message (metadata already stripped of
   * {@code @setDataFrame}). Takes ownership of {@code payload}. Ignored unless {@code from} is the
   * current publisher.
   */
  public void onMessage(Object from, int typeId, long timestamp, ByteBuf payload, boolean metadataFrame) {
    onMessage(from, typeId, timestamp, payload, metadataFrame, System.currentTimeMillis());
  }

  /**
   * As {@link #onMessage(Object, int, long, ByteBuf, boolean)}, with the wall-clock time the origin
   * received the message ({@code 0}: unknown), for an edge that learned it from its relay.
   */
  public void onMessage(Object from, int typeId, long timestamp, ByteBuf payload, boolean metadataFrame,
      long originMillis) {
    long now = System.nanoTime();
    synchronized (this) {
      if (publisher != from || publisher == null) {
        payload.release();
        return;
      }
      int tags = MessageType.isMedia(typeId) ? MediaTags.classify(typeId, payload) : 0;
      int flags = 0;
      if ((tags & MediaTags.SEQUENCE_HEADER) != 0 || metadataFrame) {
        flags |= LiveFrame.CONFIG;
      }
      if (typeId == MessageType.VIDEO && (tags & MediaTags.KEYFRAME) != 0 && (tags & MediaTags.SEQUENCE_HEADER) == 0) {
        flags |= LiveFrame.KEYFRAME;
      }
      long t = timeline.map(timestamp & 0xFFFFFFFFL);
      LiveFrame frame = encode(typeId, t, flags, now, originMillis, payload);
      framesIn++;
      bytesIn += frame.size();
      stats.received(frame.size());
      if (metadataFrame) {
        replace(frame, true, 0);
      } else if ((flags & LiveFrame.CONFIG) != 0) {
        noteCodec(typeId, payload);
        replace(frame, false, typeId << 8 | MediaTags.trackId(typeId, payload));
      } else if (MessageType.isMedia(typeId)) {
        if (typeId == MessageType.VIDEO && !hasVideo) {
          hasVideo = true;
          noteCodec(typeId, payload);
        } else if (typeId == MessageType.AUDIO && audioCodec.isEmpty()) {
          noteCodec(typeId, payload);
        }
        gop.add(frame);
      }
      for (LoopGroup g : groups) {
        g.deliver(frame);
      }
      frame.release();
    }
  }

  private void noteCodec(int typeId, ByteBuf payload) {
    if (typeId == MessageType.VIDEO) {
      videoCodec = MediaTags.codec(typeId, payload);
    } else if (typeId == MessageType.AUDIO) {
      audioCodec = MediaTags.codec(typeId, payload);
    }
  }

  private void replace(LiveFrame frame, boolean isMetadata, int slot) {
    if (isMetadata) {
      if (metadata != null) {
        metadata.release();
      }
      metadata = frame.retain();
      return;
    }
    LiveFrame old = sequenceHeaders.remove(slot);
    if (old != null) {
      old.release();
    } else if (sequenceHeaders.size() >= MAX_SEQUENCE_HEADERS) {
      return;
    }
    sequenceHeaders.put(slot, frame.retain());
  }

  private LiveFrame encode(int typeId, long t, int flags, long now, long originMillis, ByteBuf payload) {
    long ts = StreamTimeline.toRtmp(t);
    int csid = typeId == MessageType.AUDIO ? CSID_AUDIO : typeId == MessageType.VIDEO ? CSID_VIDEO : CSID_DATA;
    int length = ChunkEncoder.encodedLength(csid, ts, payload.readableBytes(), settings.chunkSize());
    ByteBuf chunks = alloc.directBuffer(length, length);
    try {
      ChunkEncoder.encode(new RtmpMessage(csid, typeId, ts, SHARED_STREAM_ID, payload.duplicate()), settings.chunkSize(), chunks);
    } catch (RuntimeException e) {
      chunks.release();
      payload.release();
      throw e;
    }
    return new LiveFrame(typeId, ts, t, flags, now, originMillis, payload, chunks);
  }

  private void clearCaches() {
    gop.clear();
    if (metadata != null) {
      metadata.release();
      metadata = null;
    }
    for (LiveFrame f : sequenceHeaders.values()) {
      f.release();
    }
    sequenceHeaders.clear();
  }

  /** Releases everything; the stream is gone from its manager. */
  synchronized void dispose() {
    clearCaches();
  }

  public synchronized StreamInfo info() {
    return new StreamInfo(key, publisher != null, publishedAtMillis, subscriberCount, videoCodec, audioCodec,
        framesIn, bytesIn, gop.bytes());
  }

  /**
   * Subscribers that share one event loop: one task per frame delivers to all of them. The member
   * array is replaced, never changed, under the stream's lock; the flush state is confined to the
   * loop.
   */
  private static final class LoopGroup {
    final EventLoop loop;
    private final long flushIntervalNanos;
    private final int flushBytes;
    Subscriber[] members = new Subscriber[0];
    /** The latest snapshot written to since the last timed flush, or null when none is due. */
    private Subscriber[] flushDue;

    LoopGroup(EventLoop loop, long flushIntervalNanos, int flushBytes) {
      this.loop = loop;
      this.flushIntervalNanos = flushIntervalNanos;
      this.flushBytes = flushBytes;
    }

    void add(Subscriber s) {
      members = Arrays.copyOf(members, members.length + 1);
      members[members.length - 1] = s;
    }

    boolean remove(Subscriber s) {
      for (int i = 0; i < members.length; i++) {
        if (members[i] == s) {
          Subscriber[] next = new Subscriber[members.length - 1];
          System.arraycopy(members, 0, next, 0, i);
          System.arraycopy(members, i + 1, next, i, members.length - i - 1);
          members = next;
          return true;
        }
      }
      return false;
    }

    boolean isEmpty() {
      return members.length == 0;
    }

    void deliver(LiveFrame frame) {
      Subscriber[] snapshot = members;
      frame.retain(snapshot.length);
      try {
        loop.execute(() -> {
          for (Subscriber s : snapshot) {
            s.onFrame(frame);
          }
          flush(snapshot, flushBytes > 0 && frame.chunks().readableBytes() >= flushBytes);
        });
      } catch (RejectedExecutionException e) {
        // The loop is shutting down with the node; its subscribers are gone with it.
        frame.release(snapshot.length);
      }
    }

    /**
     * On the loop: flushes now (no interval, or a frame large enough to go out on its own), or arms
     * the group's flush timer for coalescing subscribers. A timer already armed stays; when it fires
     * it finds nothing to write for those flushed meanwhile.
     */
    private void flush(Subscriber[] snapshot, boolean now) {
      if (flushIntervalNanos == 0 || now) {
        for (Subscriber s : snapshot) {
          s.onFlush();
        }
        return;
      }
      for (Subscriber s : snapshot) {
        if (!s.coalesceFlushes()) {
          s.onFlush();
        }
      }
      if (flushDue == null) {
        try {
          loop.schedule(this::timedFlush, flushIntervalNanos, TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException e) {
          return;
        }
      }
      // Membership only changes by whole snapshots, so the newest one covers everyone still here;
      // a subscriber that left meanwhile is flushed by its own close.
      flushDue = snapshot;
    }

    private void timedFlush() {
      Subscriber[] due = flushDue;
      flushDue = null;
      if (due != null) {
        for (Subscriber s : due) {
          if (s.coalesceFlushes()) {
            s.onFlush();
          }
        }
      }
    }

    void execute(Consumer<Subscriber> event) {
      Subscriber[] snapshot = members;
      try {
        loop.execute(() -> {
          for (Subscriber s : snapshot) {
            event.accept(s);
          }
        });
      } catch (RejectedExecutionException ignored) {
        // Node shutting down: nobody left to tell.
      }
    }
  }
}
