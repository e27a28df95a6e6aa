package io.cascade.recording;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.ConfigSchema;
import io.cascade.config.FsyncPolicy;
import io.cascade.config.RecordingRule;
import io.cascade.live.LiveSettings;
import io.cascade.live.LiveStream;
import io.cascade.live.MediaFrame;
import io.cascade.live.StreamManager;
import io.cascade.metrics.NodeMetrics;
import io.cascade.server.SessionPolicy;
import io.cascade.testing.FlvFile;
import io.cascade.testing.Payloads;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recordings in virtual time: a real stream on an embedded event loop with frozen time, fed
 * synthetic H.264 + AAC (25 fps, a keyframe every 2 s), a recorder whose writer thread is a queue
 * the test runs, and real files in a temporary directory.
 */
class RecorderTest {
  private static final byte[] AVC_CONFIG = HexFormat.of().parseHex("0164001fffe1001a6764001facd940a02ff9701100"
      + "00030001000003003c0f18319601000668ebe3cb22c0");
  private static final byte[] AAC_CONFIG = HexFormat.of().parseHex("1190");
  private static final Instant WALL = Instant.parse("2026-12-06T04:00:00Z");

  @TempDir
  Path root;

  private final EmbeddedChannel channel = new EmbeddedChannel();
  private final StreamManager streams = new StreamManager(LiveSettings.DEFAULTS, PooledByteBufAllocator.DEFAULT);
  private final ManualExecutor disk = new ManualExecutor();
  private final SegmentLog events = new SegmentLog();
  private final List<RecordedSegment> closed = events.closed;
  private final List<Path> ended = events.ended;
  private final Object publisher = new Object();
  private Recorder recorder;
  private LiveStream stream;
  private long nextVideo;
  private long nextAudio;
  private int videoPayload = 16;
  /** {@code recording.directWrites}: on, as by default, unless a test says otherwise. */
  private boolean directWrites = true;

  private void start(Path rootDir, long maxPendingBytes, String... rules) {
    start(rootDir, maxPendingBytes, ConfigSchema.RECORDING_MAX_DURATION.defaultValue(), rules);
  }

  private void start(Path rootDir, long maxPendingBytes, Duration maxDuration, String... rules) {
    channel.freezeTime();
    RecordingSettings settings = new RecordingSettings(Stream.of(rules).map(RecordingRule::parse).toList(), rootDir,
        Duration.ofSeconds(4), 1L << 30, FsyncPolicy.SEGMENT, directWrites, maxPendingBytes, maxDuration);
    recorder = new Recorder(settings, streams, NodeMetrics.defaults("origin", "test"), PooledByteBufAllocator.DEFAULT,
        channel::eventLoop, new RecordingWriter(disk, maxPendingBytes), Clock.fixed(WALL, ZoneOffset.UTC)).start();
    recorder.addListener(events);
  }

  @AfterEach
  void close() {
    if (stream != null && stream.isLive()) {
      streams.unpublish(stream, publisher);
    }
    channel.advanceTimeBy(1, TimeUnit.HOURS);
    channel.runPendingTasks();
    disk.runAll();
    channel.finishAndReleaseAll();
  }

  /** As an admitted publish: the recorder is told, then the stream goes live with its sequence headers. */
  private void publish(String app, String name) {
    publish(app, name, null);
  }

  /**
   * As {@link #publish(String, String)}; with {@code publisherLoop}, admitted through the origin's
   * {@link RecordingTrigger} by a publish whose connection runs on that loop.
   */
  private SessionPolicy.PublishHandle publish(String app, String name, EmbeddedChannel publisherLoop) {
    SessionPolicy.PublishHandle handle = null;
    if (publisherLoop == null) {
      recorder.published(app, name);
    } else {
      handle = handle(app, name, publisherLoop);
      assertThat(trigger().admitPublish(request(app, name), handle).succeeded()).isTrue();
    }
    channel.runPendingTasks();
    if (publisherLoop != null) {
      publisherLoop.runPendingTasks(); // the recording joins there
    }
    stream = streams.publish(app + "/" + name, publisher).stream();
    long at = nextVideo * 40;
    stream.onFrame(publisher, FlvFile.frame(9, at, Payloads.bytes(HexFormat.of().parseHex("1700000000"), AVC_CONFIG)));
    stream.onFrame(publisher, FlvFile.frame(8, at, Payloads.bytes(HexFormat.of().parseHex("af00"), AAC_CONFIG)));
    channel.runPendingTasks();
    return handle;
  }

  private SessionPolicy trigger() {
    return RecordingTrigger.wrap(SessionPolicy.ALLOW_ALL, recorder);
  }

  private static SessionPolicy.Request request(String app, String name) {
    return new SessionPolicy.Request(app, name, app + "/" + name, Map.of(), "127.0.0.1:1935", 1);
  }

  /** A publish of {@code app}/{@code name} whose connection runs on {@code loop}. */
  private static SessionPolicy.PublishHandle handle(String app, String name, EmbeddedChannel loop) {
    return new SessionPolicy.PublishHandle() {
      @Override
      public String key() {
        return app + "/" + name;
      }

      @Override
      public void revoke(String code, String description, String reason) {
      }

      @Override
      public EventLoop eventLoop() {
        return loop.eventLoop();
      }
    };
  }

  private void unpublish() {
    streams.unpublish(stream, publisher);
    channel.runPendingTasks();
  }

  /** {@code millis} more media, frame by frame, the loop's clock following the frames. */
  private void feed(long millis) {
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
        byte[] nal = new byte[videoPayload];
        nal[0] = (byte) (key ? 0x65 : 0x41);
        byte[] head = {(byte) (key ? 0x17 : 0x27), 1, 0, 0, 0, 0, 0, (byte) (videoPayload >> 8), (byte) videoPayload};
        frame = FlvFile.frame(9, videoAt, Payloads.bytes(head, nal));
        nextVideo++;
        channel.advanceTimeBy(40, TimeUnit.MILLISECONDS);
      }
      stream.onFrame(publisher, frame);
      channel.runPendingTasks();
    }
  }


  private Path recordingDir(String app, String name) {
    return root.resolve(app).resolve(name).resolve("20261206T040000Z");
  }

  private List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** With direct writes (the default) and through the page cache: the same files and sizes. */
  @ParameterizedTest(name = "directWrites={0}")
  @ValueSource(booleans = {true, false})
  void aMatchingPublishIsRecordedAsSegmentsCutAtKeyframesWithAVodPlaylistAtTheEnd(boolean direct) throws IOException {
    directWrites = direct;
    start(root, 64L << 20, "other/*", "live/cam-?;segment=4s");
    publish("live", "cam-1");
    feed(10_000);
    disk.runAll();

    Path dir = recordingDir("live", "cam-1");
    assertThat(files(dir)).as("while it grows").contains("init.mp4", "segment-00001.m4s", "index.m3u8")
        .anyMatch(f -> f.endsWith(".m4s.tmp"));
    assertThat(Files.readString(dir.resolve("index.m3u8"))).contains("#EXT-X-PLAYLIST-TYPE:EVENT")
        .doesNotContain("#EXT-X-ENDLIST");

    unpublish();
    channel.advanceTimeBy(LiveSettings.DEFAULTS.republishWaitTimeout().toMillis(), TimeUnit.MILLISECONDS);
    channel.runPendingTasks();
    disk.runAll();

    assertThat(files(dir)).containsExactly("index.m3u8", "init.mp4", "segment-00001.m4s", "segment-00002.m4s",
        "segment-00003.m4s");
    String playlist = Files.readString(dir.resolve("index.m3u8"));
    assertThat(playlist).contains("#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-MAP:URI=\"init.mp4\"", "#EXT-X-ENDLIST",
        "#EXTINF:4.000,\nsegment-00001.m4s").doesNotContain("DISCONTINUITY");
    assertThat(closed).extracting(RecordedSegment::number).containsExactly(1, 2, 3);
    assertThat(closed).extracting(RecordedSegment::durationMillis).startsWith(4000L, 4000L);
    assertThat(closed.stream().mapToLong(RecordedSegment::durationMillis).sum()).isBetween(9_900L, 10_100L);
    assertThat(closed.get(0).bytes()).isEqualTo(Files.size(dir.resolve("segment-00001.m4s")));
    assertThat(ended).containsExactly(dir.resolve("index.m3u8"));
    assertThat(recorder.active()).isZero();
    assertThat(recorder.meters.segments()).isEqualTo(3);
  }

  @Test
  void aRecordingPastMaxDurationEndsAtItsNextSegmentAndTheNextRecordingStartsThereWithoutAGap() throws IOException {
    start(root, 64L << 20, Duration.ofSeconds(10), "live/*");
    publish("live", "a");
    feed(30_000);
    unpublish();
    channel.advanceTimeBy(1, TimeUnit.HOURS);
    channel.runPendingTasks();
    disk.runAll();

    // 4 s segments: the first recording ends after its third (12 s >= 10 s), the second likewise,
    // the third holds the last 6 s. The wall clock is frozen, so the ids differ by their suffix.
    Path streamDir = root.resolve("live").resolve("a");
    assertThat(files(streamDir)).containsExactly("20261206T040000Z", "20261206T040000Z-2", "20261206T040000Z-3");
    assertThat(ended).containsExactly(streamDir.resolve("20261206T040000Z").resolve("index.m3u8"),
        streamDir.resolve("20261206T040000Z-2").resolve("index.m3u8"),
        streamDir.resolve("20261206T040000Z-3").resolve("index.m3u8"));
    for (String id : List.of("20261206T040000Z", "20261206T040000Z-2")) {
      Path dir = streamDir.resolve(id);
      assertThat(files(dir)).containsExactly("index.m3u8", "init.mp4", "segment-00001.m4s", "segment-00002.m4s",
          "segment-00003.m4s");
      assertThat(Files.readString(dir.resolve("index.m3u8"))).contains("#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-ENDLIST",
          "#EXT-X-MAP:URI=\"init.mp4\"").doesNotContain("DISCONTINUITY");
      assertThat(Files.readAllBytes(dir.resolve("init.mp4"))).isEqualTo(
          Files.readAllBytes(streamDir.resolve("20261206T040000Z").resolve("init.mp4")));
    }
    assertThat(closed).extracting(RecordedSegment::recordingId).containsExactly("20261206T040000Z",
        "20261206T040000Z", "20261206T040000Z", "20261206T040000Z-2", "20261206T040000Z-2", "20261206T040000Z-2",
        "20261206T040000Z-3", "20261206T040000Z-3");
    assertThat(closed).extracting(RecordedSegment::discontinuity).containsOnly(false);
    assertThat(closed.stream().mapToLong(RecordedSegment::durationMillis).sum()).as("nothing lost at the splits")
        .isBetween(29_900L, 30_100L);
  }

  @Test
  void aLiveStreamWithoutARuleIsRecordedOnRequestAndEndedOnRequestWhileStillLive() throws IOException {
    start(root, 64L << 20);
    assertThat(recorder.record("live", "a")).as("not published yet").isEqualTo(Recorder.Control.NOT_LIVE);
    publish("live", "a");
    assertThat(recorder.active()).as("no rule").isZero();
    assertThat(recorder.record("live", "a")).isEqualTo(Recorder.Control.STARTED);
    assertThat(recorder.record("live", "a")).isEqualTo(Recorder.Control.ALREADY_RECORDING);
    channel.runPendingTasks();
    feed(10_000);
    assertThat(recorder.endRecording("live", "a")).isEqualTo(Recorder.Control.STOPPING);
    channel.runPendingTasks();
    disk.runAll();

    assertThat(stream.isLive()).isTrue();
    assertThat(recorder.active()).isZero();
    assertThat(recorder.endRecording("live", "a")).isEqualTo(Recorder.Control.NOT_RECORDING);
    Path dir = recordingDir("live", "a");
    assertThat(Files.readString(dir.resolve("index.m3u8"))).contains("#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-ENDLIST");
    assertThat(closed).extracting(RecordedSegment::number).startsWith(1, 2);
    assertThat(ended).containsExactly(dir.resolve("index.m3u8"));
    int segments = closed.size();
    feed(4_000);
    disk.runAll();
    assertThat(closed).as("nothing recorded after the end").hasSize(segments);
  }

  @Test
  void aRepublishWithinTheWaitContinuesTheRecordingAfterADiscontinuity() throws IOException {
    start(root, 64L << 20, "live/*");
    publish("live", "a");
    feed(4_000);
    unpublish();
    channel.advanceTimeBy(2, TimeUnit.SECONDS);
    channel.runPendingTasks();
    publish("live", "a");
    feed(4_000);
    unpublish();
    channel.advanceTimeBy(1, TimeUnit.HOURS);
    channel.runPendingTasks();
    disk.runAll();

    Path dir = recordingDir("live", "a");
    assertThat(root.resolve("live").resolve("a").toFile().list()).as("one recording").hasSize(1);
    String playlist = Files.readString(dir.resolve("index.m3u8"));
    assertThat(playlist).contains("#EXT-X-ENDLIST");
    assertThat(playlist.split("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init.mp4\"", -1)).hasSize(2);
    assertThat(closed).as("0-4 s, then 4-8 s of the second publish").extracting(RecordedSegment::discontinuity)
        .containsExactly(false, true);
  }

  /**
   * 10 s of live/a: nothing is recorded while only the node's loop runs, and the first segments
   * are once {@code publisherLoop} runs its tasks.
   */
  private void feedRecordedOnlyOn(EmbeddedChannel publisherLoop) throws IOException {
    feed(10_000);
    disk.runAll();
    assertThat(root.resolve("live")).as("nothing was packaged on the node's other loop").doesNotExist();
    publisherLoop.runPendingTasks(); // every frame, in order
    disk.runAll();
    assertThat(files(recordingDir("live", "a"))).contains("init.mp4", "segment-00001.m4s", "segment-00002.m4s");
  }

  @Test
  void aRuleRecordingRunsOnThePublishersLoopNotAnotherOne() throws IOException {
    EmbeddedChannel publisherLoop = new EmbeddedChannel();
    publisherLoop.freezeTime();
    try {
      start(root, 64L << 20, "live/*");
      publish("live", "a", publisherLoop);
      feedRecordedOnlyOn(publisherLoop);

      unpublish();
      publisherLoop.runPendingTasks();
      publisherLoop.advanceTimeBy(1, TimeUnit.HOURS); // the republish wait runs out on that loop too
      publisherLoop.runPendingTasks();
      disk.runAll();
      assertThat(Files.readString(recordingDir("live", "a").resolve("index.m3u8"))).contains("#EXT-X-ENDLIST");
      assertThat(recorder.active()).isZero();
    } finally {
      publisherLoop.finishAndReleaseAll();
    }
  }

  @Test
  void aRecordingTheApiStartsRunsOnThePublishersLoopWhileThatPublishLasts() throws IOException {
    EmbeddedChannel publisherLoop = new EmbeddedChannel();
    EmbeddedChannel refusedLoop = new EmbeddedChannel();
    publisherLoop.freezeTime();
    try {
      start(root, 64L << 20);
      SessionPolicy.PublishHandle first = publish("live", "a", publisherLoop);
      // A second publisher of the key, admitted by the policy and then refused by the stream: its
      // end must not take the first publish's loop away.
      SessionPolicy.PublishHandle second = handle("live", "a", refusedLoop);
      assertThat(trigger().admitPublish(request("live", "a"), second).succeeded()).isTrue();
      trigger().publishEnded(request("live", "a"), second);

      assertThat(recorder.record("live", "a")).isEqualTo(Recorder.Control.STARTED);
      publisherLoop.runPendingTasks(); // the recording joins there
      feedRecordedOnlyOn(publisherLoop);
      assertThat(recorder.endRecording("live", "a")).isEqualTo(Recorder.Control.STOPPING);
      publisherLoop.runPendingTasks();
      disk.runAll();
      assertThat(recorder.active()).isZero();

      // That publish ended (as far as the recorder knows): the next recording gets a loop of the node.
      trigger().publishEnded(request("live", "a"), first);
      assertThat(recorder.record("live", "a")).isEqualTo(Recorder.Control.STARTED);
      channel.runPendingTasks();
      feed(6_000);
      disk.runAll();
      assertThat(files(root.resolve("live").resolve("a"))).as("the second recording, written without the publisher's loop")
          .containsExactly("20261206T040000Z", "20261206T040000Z-2");
      assertThat(files(root.resolve("live").resolve("a").resolve("20261206T040000Z-2"))).contains("segment-00001.m4s");
    } finally {
      publisherLoop.finishAndReleaseAll();
      refusedLoop.finishAndReleaseAll();
    }
  }

  @Test
  void aStreamNoRuleMatchesIsNotRecorded() {
    start(root, 64L << 20, "live/cam-*");
    publish("live", "other");
    feed(5_000);
    disk.runAll();
    assertThat(root.resolve("live")).doesNotExist();
    assertThat(recorder.active()).isZero();
  }

  @Test
  void anUnwritableRootIsAnErrorOfThatRecordingAndTheStreamGoesOn() throws IOException {
    Path file = Files.writeString(root.resolve("not-a-directory"), "x");
    start(file.resolve("recordings"), 64L << 20, "live/*");
    publish("live", "a");
    feed(10_000);
    disk.runAll();

    assertThat(recorder.meters.errors(RecordingMeters.DIRECTORY)).as("one per segment tried: 0, 4, 8 s")
        .isEqualTo(3);
    assertThat(recorder.meters.segments()).isZero();
    assertThat(stream.isLive()).isTrue();
    assertThat(recorder.active()).isEqualTo(1);
    assertThat(closed).isEmpty();
  }

  @Test
  void partsPastThePendingBoundAreDroppedUpToTheNextSegmentWhichFollowsAGap() throws IOException {
    start(root, 150_000, "live/*"); // parts of at most 64 KiB: two wait, the third is refused
    publish("live", "a");
    feed(4_000);
    disk.runAll();
    videoPayload = 4_000; // 100 KB a second: the bound is reached within the next segment
    feed(3_000);
    assertThat(recorder.meters.droppedBytes()).as("pending %d queued %d", recorder.writer.pendingBytes(), disk.queued()).isPositive();
    disk.runAll();
    videoPayload = 16;
    feed(5_000);
    unpublish();
    channel.advanceTimeBy(1, TimeUnit.HOURS);
    channel.runPendingTasks();
    disk.runAll();

    Path dir = recordingDir("live", "a");
    assertThat(files(dir)).noneMatch(f -> f.endsWith(".tmp"));
    assertThat(closed).as("0-4 s, then 8-12 s: 4-8 s was lost").extracting(RecordedSegment::startMillis)
        .containsExactly(0L, 8000L);
    assertThat(closed).extracting(RecordedSegment::number).containsExactly(1, 2);
    assertThat(closed).extracting(RecordedSegment::discontinuity).containsExactly(false, true);
    assertThat(Files.readString(dir.resolve("index.m3u8"))).contains("#EXT-X-DISCONTINUITY");
  }
}
