package io.cascade.cmaf;

import io.cascade.live.MediaFrame;
import io.cascade.live.Subscriber;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.EventLoop;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fragmented-MP4 packager of one stream on one node: a {@link Subscriber} that reads frame
 * bodies (no per-frame {@link io.cascade.live.Packager}) into a {@link Fragmenter} and hands init
 * segments and parts on to a {@link CmafSink}. See {@link Fragmenter} for why it is a subscriber.
 *
 * <p>A malformed sequence header is logged with the stream and the reason and counted; that track
 * is left out until a good one arrives, the rest of the stream goes on.
 */
public final class CmafSegmenter implements Subscriber {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.cmaf");

  private final String streamKey;
  private final EventLoop eventLoop;
  private final Fragmenter fragmenter;
  private final CmafSink sink;
  private int announcedInit;

  public CmafSegmenter(String streamKey, EventLoop eventLoop, CmafSettings settings, ByteBufAllocator alloc,
      CmafSink sink) {
    this(streamKey, eventLoop, settings, alloc, 0, PartLayout.CONTIGUOUS, sink);
  }

  /**
   * The segmenter of one rendition: video track {@code videoTrack} and the default audio track,
   * parts laid out as {@code layout} says.
   */
  public CmafSegmenter(String streamKey, EventLoop eventLoop, CmafSettings settings, ByteBufAllocator alloc,
      int videoTrack, PartLayout layout, CmafSink sink) {
    this.streamKey = streamKey;
    this.eventLoop = eventLoop;
    this.fragmenter = new Fragmenter(settings, alloc, videoTrack, layout);
    this.sink = sink;
  }

  @Override
  public EventLoop eventLoop() {
    return eventLoop;
  }

  @Override
  public void onFrame(MediaFrame frame) {
    long rejected = fragmenter.rejectedHeaders();
    try {
      deliver(fragmenter.add(frame));
    } finally {
      frame.release();
    }
    if (fragmenter.rejectedHeaders() != rejected) {
      LOG.warn("event=cmaf.header.rejected stream={} reason=\"{}\"", streamKey, fragmenter.lastRejection());
    }
    if (fragmenter.started() && fragmenter.initVersion() != announcedInit) {
      announceInit();
    }
  }

  private void deliver(CmafPart part) {
    if (part == null) {
      return;
    }
    if (part.initVersion() != announcedInit) {
      announceInit(); // a part cut by the frame that also started its segment (the byte bound)
    }
    sink.part(part);
  }

  private void announceInit() {
    announcedInit = fragmenter.initVersion();
    sink.init(announcedInit, fragmenter.formats(), fragmenter.initSegment());
  }

  /** Nothing is buffered for a socket here: parts leave as soon as they are cut. */
  @Override
  public void onFlush() {
  }

  @Override
  public boolean coalesceFlushes() {
    return false;
  }

  @Override
  public void onPublish() {
  }

  /** The last part goes out at once; a republish starts a new segment at its first keyframe. */
  @Override
  public void onUnpublish() {
    deliver(fragmenter.flush());
    sink.end();
  }

  /** Releases what the fragmenter holds; for the owner when it unsubscribes. */
  public void close() {
    fragmenter.close();
  }

  /** Sequence headers that could not be read since the start. */
  public long rejectedHeaders() {
    return fragmenter.rejectedHeaders();
  }

  /** Media frames left out (before a keyframe, or of a track without configuration). */
  public long droppedFrames() {
    return fragmenter.droppedFrames();
  }
}
