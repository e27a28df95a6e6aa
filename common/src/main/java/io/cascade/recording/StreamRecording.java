package io.cascade.recording;

import io.cascade.cmaf.CmafPart;
import io.cascade.cmaf.CmafSegmenter;
import io.cascade.cmaf.CmafSettings;
import io.cascade.cmaf.CmafSink;
import io.cascade.cmaf.PartLayout;
import io.cascade.cmaf.TrackFormat;
import io.cascade.live.LiveStream;
import io.cascade.live.MediaFrame;
import io.cascade.live.StreamManager;
import io.cascade.live.Subscriber;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One recording of one stream on this node, on its event loop: a {@link Subscriber} that feeds its
 * own {@link CmafSegmenter} and hands the init segments and parts it makes to the node's
 * {@link RecordingWriter} for its {@link RecordingFiles}, never waiting for the disk. When the
 * writer is {@code recording.maxPendingBytes} behind, the part is dropped and counted, the open
 * segment abandoned, and parts are dropped up to the next segment, which follows a discontinuity.
 *
 * <p>The recording outlives its publisher by {@code live.republishWaitTimeout}: a republish on this
 * node within it continues the same recording after a discontinuity; otherwise it ends and its
 * playlist becomes VOD.
 */
final class StreamRecording implements Subscriber, CmafSink {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");

  private final Recorder recorder;
  private final String key;
  private final EventLoop loop;
  private final CmafSegmenter segmenter;
  private final RecordingFiles files;
  private LiveStream stream;
  private boolean live;
  private boolean closed;
  private boolean gap;
  private boolean dropping;
  private ScheduledFuture<?> endTimer;

  StreamRecording(Recorder recorder, String key, String app, String name, EventLoop loop, CmafSettings cmaf) {
    this.recorder = recorder;
    this.key = key;
    this.loop = loop;
    this.segmenter = new CmafSegmenter(key, loop, cmaf, recorder.alloc, 0, PartLayout.GATHERED, this);
    this.files = new RecordingFiles(recorder.disk, key, app, name);
  }

  String key() {
    return key;
  }

  /** Joins the stream (on this recording's loop); one that is not live within the republish wait ends. */
  void join() {
    StreamManager.JoinResult result = recorder.streams.join(key, this);
    if (result.stream() == null) {
      LOG.warn("event=recording.refused stream={} reason={}", key, result.refusal());
      closed = true;
      recorder.ended(this);
      return;
    }
    stream = result.stream();
    if (!live) {
      armEnd();
    }
  }

  /** A recording is no viewer: the stream list and the viewer directory leave it out. */
  @Override
  public int viewers() {
    return 0;
  }

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
    segmenter.onFrame(frame);
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
    live = true;
    if (endTimer != null) {
      endTimer.cancel(false);
      endTimer = null;
    }
  }

  @Override
  public void onUnpublish() {
    live = false;
    if (closed) {
      return;
    }
    segmenter.onUnpublish();
    armEnd();
  }

  private void armEnd() {
    Duration wait = recorder.streams.settings().republishWaitTimeout();
    endTimer = loop.schedule(() -> close("publisher_gone"), Math.max(1, wait.toMillis()), TimeUnit.MILLISECONDS);
  }

  // --- what the segmenter makes ---

  @Override
  public void init(int version, List<TrackFormat> formats, ByteBuf segment) {
    recorder.writer.offerControl(new RecordingWriter.Task() {
      @Override
      public void run() {
        files.init(version, segment);
      }

      @Override
      public void discard() {
        segment.release();
      }
    });
  }

  @Override
  public void part(CmafPart part) {
    if (part.startsSegment()) {
      dropping = false;
    }
    int bytes = part.content().readableBytes();
    if (closed || dropping) {
      recorder.meters.dropped(bytes);
      part.release();
      return;
    }
    boolean afterGap = part.startsSegment() && gap;
    boolean taken = recorder.writer.offerMedia(bytes, new RecordingWriter.Task() {
      @Override
      public void run() {
        files.part(part.content(), part.startsSegment(), afterGap, part.startMillis(), part.durationMillis());
      }

      @Override
      public void discard() {
        part.release();
      }
    });
    if (taken) {
      if (part.startsSegment()) {
        gap = false;
      }
      return;
    }
    recorder.meters.dropped(bytes);
    dropping = true;
    gap = true;
    recorder.writer.offerControl(files::abandonSegment);
    LOG.warn("event=recording.dropped stream={} reason=max_pending_bytes pending={} detail=\"segment abandoned,"
        + " recording resumes at the next one\"", key, recorder.writer.pendingBytes());
  }

  @Override
  public void end() {
    gap = true;
    recorder.writer.offerControl(files::endSegment);
  }

  /** Ends the recording on its loop: the open segment is completed and the playlist becomes VOD. */
  void close(String reason) {
    if (closed) {
      return;
    }
    if (endTimer != null) {
      endTimer.cancel(false);
    }
    if (live) {
      segmenter.onUnpublish(); // the last part and the end of the open segment
    }
    closed = true;
    if (stream != null) {
      recorder.streams.unsubscribe(stream, this);
    }
    segmenter.close();
    boolean handOver = "node_stop".equals(reason); // its publisher moves to another origin, which continues it
    recorder.writer.offerControl(() -> files.close(handOver));
    LOG.info("event=recording.stop stream={} reason={}", key, reason);
    recorder.ended(this);
  }
}
