package io.cascade.recording;

import io.cascade.config.ConfigSchema;
import io.cascade.config.FsyncPolicy;
import io.cascade.config.RecordingRule;
import io.cascade.live.LiveSettings;
import io.cascade.live.LiveStream;
import io.cascade.live.MediaFrame;
import io.cascade.live.StreamManager;
import io.cascade.metrics.NodeMetrics;
import io.cascade.recording.handover.RecordingHandover;
import io.cascade.testing.FlvFile;
import io.cascade.testing.Payloads;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One origin's recorder in virtual time, for tests of what crosses nodes: its own stream manager on
 * an embedded event loop with frozen time, a writer thread the test runs, a root directory, and a
 * wall clock that follows the loop. Fed synthetic H.264 + AAC, 25 fps, a keyframe every 2 s.
 */
final class RecordingNode implements AutoCloseable {
  private static final byte[] AVC_CONFIG = HexFormat.of().parseHex("0164001fffe1001a6764001facd940a02ff9701100"
      + "00030001000003003c0f18319601000668ebe3cb22c0");
  private static final byte[] AAC_CONFIG = HexFormat.of().parseHex("1190");

  final EmbeddedChannel channel = new EmbeddedChannel();
  final StreamManager streams = new StreamManager(LiveSettings.DEFAULTS, PooledByteBufAllocator.DEFAULT);
  final ManualExecutor disk = new ManualExecutor();
  final Recorder recorder;
  final SegmentLog events = new SegmentLog();
  final List<RecordedSegment> closed = events.closed;
  /** The playlists of the recordings that ended, in order. */
  final List<Path> ended = events.ended;
  private final Object publisher = new Object();
  private final Instant wallStart;
  private LiveStream stream;
  private long nextVideo;
  private long nextAudio;
  private long loopMillis;

  /** Records {@code live/*} in 4 s segments under {@code root}; its wall clock starts at {@code wall}. */
  RecordingNode(Path root, Instant wall, RecordingHandover handover, boolean listHandedOver) {
    channel.freezeTime();
    this.wallStart = wall;
    RecordingSettings settings = new RecordingSettings(List.of(RecordingRule.parse("live/*")), root,
        Duration.ofSeconds(4), 1L << 30, FsyncPolicy.SEGMENT, true, 64L << 20,
        ConfigSchema.RECORDING_MAX_DURATION.defaultValue());
    Clock clock = new Clock() {
      @Override
      public ZoneId getZone() {
        return ZoneId.of("UTC");
      }

      @Override
      public Clock withZone(ZoneId zone) {
        return this;
      }

      @Override
      public Instant instant() {
        return wallStart.plusMillis(loopMillis);
      }
    };
    recorder = new Recorder(settings, streams, NodeMetrics.defaults("origin", "test"), PooledByteBufAllocator.DEFAULT,
        channel::eventLoop, new RecordingWriter(disk, 64L << 20), clock).start();
    recorder.handover(handover, listHandedOver);
    recorder.addListener(events);
  }

  /** As an admitted publish: the recorder is told, then the stream goes live with its sequence headers. */
  void publish(String app, String name) {
    recorder.published(app, name);
    channel.runPendingTasks();
    stream = streams.publish(app + "/" + name, publisher).stream();
    long at = nextVideo * 40;
    stream.onFrame(publisher, FlvFile.frame(9, at, Payloads.bytes(HexFormat.of().parseHex("1700000000"), AVC_CONFIG)));
    stream.onFrame(publisher, FlvFile.frame(8, at, Payloads.bytes(HexFormat.of().parseHex("af00"), AAC_CONFIG)));
    channel.runPendingTasks();
  }

  void unpublish() {
    streams.unpublish(stream, publisher);
    channel.runPendingTasks();
  }

  /** The publisher went away and did not come back: the recording ends after the republish wait. */
  void endRecordings() {
    unpublish();
    advance(LiveSettings.DEFAULTS.republishWaitTimeout().toMillis());
    disk.runAll();
  }

  void advance(long millis) {
    loopMillis += millis;
    channel.advanceTimeBy(millis, TimeUnit.MILLISECONDS);
    channel.runPendingTasks();
  }

  /** {@code millis} more media, frame by frame, the loop's clock following the frames; the writer then runs. */
  void feed(long millis) {
    long until = nextVideo * 40 + millis;
    while (nextVideo * 40 < until) {
      long audioAt = nextAudio * 1024 * 1000 / 48_000;
      long videoAt = nextVideo * 40;
      MediaFrame frame;
      if (audioAt < videoAt) {
        frame = FlvFile.frame(8, audioAt, new byte[] {(byte) 0xaf, 1, 0x21, 0x10, 4});
        nextAudio++;
      } else {
        boolean key = nextVideo % 50 == 0;
        byte[] nal = new byte[16];
        nal[0] = (byte) (key ? 0x65 : 0x41);
        byte[] head = {(byte) (key ? 0x17 : 0x27), 1, 0, 0, 0, 0, 0, 0, 16};
        frame = FlvFile.frame(9, videoAt, Payloads.bytes(head, nal));
        nextVideo++;
        loopMillis += 40;
        channel.advanceTimeBy(40, TimeUnit.MILLISECONDS);
      }
      stream.onFrame(publisher, frame);
      channel.runPendingTasks();
      disk.runAll();
    }
  }


  @Override
  public void close() {
    if (stream != null && stream.isLive()) {
      streams.unpublish(stream, publisher);
    }
    channel.advanceTimeBy(1, TimeUnit.HOURS);
    channel.runPendingTasks();
    disk.runAll();
    channel.finishAndReleaseAll();
  }
}
