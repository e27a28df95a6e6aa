package io.cascade.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.FlushMode;
import io.cascade.rtmp.media.RtmpMediaFrames;
import io.cascade.testing.Await;
import io.cascade.rtmp.media.RtmpChunkPackager;
import io.netty.buffer.ByteBufAllocator;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The stream as a whole: joins, GOP cache, fan-out across event loops, republish, limits. */
class LiveStreamTest {
  private static final LiveSettings SETTINGS = flushing(Duration.ZERO, 0);

  /**
   * Small limits (128-byte chunks, 2 streams, 3 players) with the given flush interval and flush size,
   * in interval flush mode (the adaptive mode is FlushPolicyTest's and LoopGroupFlushTest's).
   */
  private static LiveSettings flushing(Duration interval, int flushBytes) {
    return new LiveSettings(128, 1 << 20, Duration.ofSeconds(10), 1 << 20, Duration.ofSeconds(3),
        Duration.ofSeconds(15), interval, Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3,
        LiveSettings.DEFAULT_MAX_WAITING_PLAYERS, flushBytes).withFlushMode(FlushMode.INTERVAL);
  }

  private static EventLoopGroup loops;

  @BeforeAll
  static void startLoops() {
    loops = new MultiThreadIoEventLoopGroup(3, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stopLoops() throws InterruptedException {
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
  }

  private final StreamManager manager = new StreamManager(SETTINGS, PooledByteBufAllocator.DEFAULT);
  private final Object publisher = new Object();

  @Test
  void lateJoinerGetsMetadataSequenceHeadersThenGopFromKeyframe() throws Exception {
    LiveStream s = manager.publish("live/a", publisher).stream();
    RtmpMediaFrames.publish(s, publisher, MessageType.DATA_AMF0, 0, Unpooled.copiedBuffer(new byte[] {2, 0, 1, 'x'}), true);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avcSequenceHeader(), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.AUDIO, 0, aacSequenceHeader(), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avc(true, 500), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 33, avc(false, 200), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 66, avc(true, 500), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.AUDIO, 70, aac(), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 100, avc(false, 200), false);

    RecordingSubscriber late = new RecordingSubscriber((EventLoop) loops.next());
    late.packager = new RtmpChunkPackager(128);
    assertThat(manager.subscribe("live/a", late)).isSameAs(s);
    late.awaitFrames(6);
    assertThat(late.events).startsWith("publish");
    assertThat(late.describe()).containsExactly("data@0", "video-config@0", "audio-config@0", "video-key@66", "audio@70", "video@100");
    // The shared encoding carries a 12-byte type-0 header plus a type-3 header per extra 128-byte chunk.
    MediaFrame key = late.frames.get(3);
    assertThat(key.wire(late.packager).readableBytes()).isEqualTo(12 + key.size() + (key.size() - 1) / 128);
    late.releaseAll();
    manager.unsubscribe(s, late);
    manager.unpublish(s, publisher);
    assertThat(manager.size()).isZero();
  }

  @Test
  void coalescingSubscribersAreFlushedByTheTimerOthersAfterEveryFrame() throws Exception {
    // An hour-long interval: within the test the timer never fires, so the counts are exact.
    LiveSettings hourly = flushing(Duration.ofHours(1), 0);
    StreamManager m = new StreamManager(hourly, PooledByteBufAllocator.DEFAULT);
    LiveStream s = m.publish("live/c", publisher).stream();
    EventLoop loop = (EventLoop) loops.next();
    RecordingSubscriber player = new RecordingSubscriber(loop);
    RecordingSubscriber relay = new RecordingSubscriber(loop, false);
    m.subscribe("live/c", player);
    m.subscribe("live/c", relay);
    player.awaitFrames(0);
    int playerJoinFlushes = player.flushes;
    int relayJoinFlushes = relay.flushes;
    for (int i = 0; i < 5; i++) {
      RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, i * 33L, avc(i == 0, 100), false);
    }
    player.awaitFrames(5);
    relay.awaitFrames(5);
    assertThat(player.flushes - playerJoinFlushes).as("held for the timer").isZero();
    assertThat(relay.flushes - relayJoinFlushes).as("one flush per delivery").isEqualTo(5);
    player.releaseAll();
    relay.releaseAll();
    m.unsubscribe(s, player);
    m.unsubscribe(s, relay);
    m.unpublish(s, publisher);
  }

  @Test
  void aLargeFrameIsFlushedAtOnceWithWhatWasHeldBeforeIt() throws Exception {
    // An hour-long interval, so only the size rule can flush; 300-byte payloads reach 256 bytes of chunks.
    LiveSettings hourly = flushing(Duration.ofHours(1), 256);
    StreamManager m = new StreamManager(hourly, PooledByteBufAllocator.DEFAULT);
    LiveStream s = m.publish("live/e", publisher).stream();
    RecordingSubscriber player = new RecordingSubscriber((EventLoop) loops.next());
    m.subscribe("live/e", player);
    player.awaitFrames(0);
    int before = player.flushes;
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avc(true, 300), false);
    player.awaitFrames(1);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 33, avc(false, 50), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 66, avc(false, 50), false);
    player.awaitFrames(3);
    assertThat(player.flushes - before).as("the large keyframe flushed, the small frames held").isEqualTo(1);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 99, avc(false, 300), false);
    player.awaitFrames(4);
    player.awaitFlushes(before + 2);
    assertThat(player.flushes - before).as("the next large frame flushed the held ones with it").isEqualTo(2);
    player.releaseAll();
    m.unsubscribe(s, player);
    m.unpublish(s, publisher);
  }

  @Test
  void aShortFlushIntervalFlushesCoalescingSubscribers() throws Exception {
    LiveSettings quick = flushing(Duration.ofMillis(1), 0);
    StreamManager m = new StreamManager(quick, PooledByteBufAllocator.DEFAULT);
    LiveStream s = m.publish("live/d", publisher).stream();
    RecordingSubscriber player = new RecordingSubscriber((EventLoop) loops.next());
    m.subscribe("live/d", player);
    player.awaitFrames(0);
    int before = player.flushes;
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avc(true, 100), false);
    player.awaitFrames(1);
    player.awaitFlushes(before + 1);
    assertThat(player.flushes).as("the timer flushed the written frame").isGreaterThan(before);
    player.releaseAll();
    m.unsubscribe(s, player);
    m.unpublish(s, publisher);
  }

  @Test
  void fansOutToSubscribersOnSeveralLoopsInOrder() throws Exception {
    LiveStream s = manager.publish("live/b", publisher).stream();
    List<RecordingSubscriber> subs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      RecordingSubscriber r = new RecordingSubscriber((EventLoop) loops.next());
      manager.subscribe("live/b", r);
      subs.add(r);
    }
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avc(true, 100), false);
    for (int i = 1; i < 50; i++) {
      RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, i * 33L, avc(false, 100), false);
    }
    for (RecordingSubscriber r : subs) {
      r.awaitFrames(50);
      List<Long> ts = r.frames.stream().map(MediaFrame::dts).toList();
      assertThat(ts).isSorted().hasSize(50);
      // Every subscriber shares the same frame objects: decoded once.
      assertThat(r.frames.get(10)).isSameAs(subs.get(0).frames.get(10));
      assertThat(r.flushes).isPositive();
    }
    subs.forEach(RecordingSubscriber::releaseAll);
    subs.forEach(r -> manager.unsubscribe(s, r));
    manager.unpublish(s, publisher);
  }

  @Test
  void secondPublisherIsRefusedAndFirstContinues() throws Exception {
    LiveStream s = manager.publish("live/c", publisher).stream();
    StreamManager.PublishResult second = manager.publish("live/c", new Object());
    assertThat(second.accepted()).isFalse();
    assertThat(second.refusal()).isEqualTo(StreamManager.PublishRefusal.ALREADY_PUBLISHING);
    assertThat(s.isPublishedBy(publisher)).isTrue();
    RecordingSubscriber r = new RecordingSubscriber((EventLoop) loops.next());
    manager.subscribe("live/c", r);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avc(true, 100), false);
    r.awaitFrames(1);
    r.releaseAll();
    manager.unsubscribe(s, r);
    manager.unpublish(s, publisher);
  }

  @Test
  void waitingSubscriberStartsWhenPublishedAndSurvivesRepublishWithMonotonicTime() throws Exception {
    RecordingSubscriber r = new RecordingSubscriber((EventLoop) loops.next());
    LiveStream s = manager.subscribe("live/d", r);
    assertThat(s.isLive()).isFalse();
    assertThat(manager.publish("live/d", publisher).stream()).isSameAs(s);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 5000, avc(true, 100), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 5033, avc(false, 100), false);
    r.awaitFrames(2);
    manager.unpublish(s, publisher);
    Object again = new Object();
    assertThat(manager.publish("live/d", again).stream()).isSameAs(s);
    RtmpMediaFrames.publish(s, again, MessageType.VIDEO, 0, avc(true, 100), false);
    r.awaitFrames(3);
    assertThat(r.events).containsExactly("publish", "unpublish", "publish");
    assertThat(r.frames.get(2).dts()).isGreaterThan(r.frames.get(1).dts());
    r.releaseAll();
    manager.unsubscribe(s, r);
    manager.unpublish(s, again);
    assertThat(manager.size()).isZero();
  }

  @Test
  void limitsOnStreamsAndPlayers() {
    Object p2 = new Object();
    LiveStream a = manager.publish("live/e1", publisher).stream();
    LiveStream b = manager.publish("live/e2", p2).stream();
    assertThat(manager.publish("live/e3", new Object()).refusal()).isEqualTo(StreamManager.PublishRefusal.TOO_MANY_STREAMS);
    List<RecordingSubscriber> subs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      RecordingSubscriber r = new RecordingSubscriber((EventLoop) loops.next());
      assertThat(manager.subscribe("live/e1", r)).isNotNull();
      subs.add(r);
    }
    assertThat(manager.subscribe("live/e1", new RecordingSubscriber((EventLoop) loops.next()))).isNull();
    subs.forEach(r -> manager.unsubscribe(a, r));
    manager.unpublish(a, publisher);
    manager.unpublish(b, p2);
    assertThat(manager.size()).isZero();
  }

  private static ByteBuf avcSequenceHeader() {
    return Unpooled.copiedBuffer(new byte[] {0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1e});
  }

  private static ByteBuf aacSequenceHeader() {
    return Unpooled.copiedBuffer(new byte[] {(byte) 0xAF, 0, 0x12, 0x10});
  }

  private static ByteBuf aac() {
    return Unpooled.copiedBuffer(new byte[] {(byte) 0xAF, 1, 0x21, 0x22, 0x23});
  }

  @Test
  void framesArePackagedOncePerFormatAndOnlyWhileTheFormatHasSubscribers() throws Exception {
    CountingPackager format = new CountingPackager();
    LiveStream s = manager.publish("live/p", publisher).stream();
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avcSequenceHeader(), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avc(true, 100), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 33, avc(false, 100), false);
    assertThat(format.encoded).as("no subscriber of the format: nothing packaged").isZero();

    RecordingSubscriber a = new RecordingSubscriber((EventLoop) loops.next());
    RecordingSubscriber b = new RecordingSubscriber((EventLoop) loops.next());
    a.packager = format;
    b.packager = new CountingPackager(); // equal to the first: the same format
    manager.subscribe("live/p", a);
    assertThat(format.encoded).as("first subscriber: sequence header and GOP packaged then").isEqualTo(3);
    manager.subscribe("live/p", b);
    assertThat(format.encoded).as("second subscriber of the format: nothing new").isEqualTo(3);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 66, avc(false, 100), false);
    assertThat(format.encoded).as("a live frame: once, not once per subscriber").isEqualTo(4);
    a.awaitFrames(4);
    b.awaitFrames(4);
    MediaFrame live = a.frames.get(3);
    assertThat(live.wire(format)).isSameAs(b.frames.get(3).wire(format));
    assertThat(live.wire(format).readableBytes()).isEqualTo(live.size() + 1);

    manager.unsubscribe(s, a);
    manager.unsubscribe(s, b);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 99, avc(false, 100), false);
    assertThat(format.encoded).as("last subscriber gone: the format is no longer packaged").isEqualTo(4);
    a.releaseAll();
    b.releaseAll();
    manager.unpublish(s, publisher);
  }

  /** A format that prefixes the body with one byte and counts its calls; all instances are one format. */
  static final class CountingPackager implements Packager {
    int encoded;

    @Override
    public ByteBuf encode(MediaFrame frame, ByteBufAllocator alloc) {
      encoded++;
      ByteBuf body = frame.body();
      return alloc.buffer(body.readableBytes() + 1).writeByte(0xFE).writeBytes(body, body.readerIndex(), body.readableBytes());
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CountingPackager;
    }

    @Override
    public int hashCode() {
      return 1;
    }
  }

  private static ByteBuf avc(boolean key, int size) {
    ByteBuf b = Unpooled.buffer(size);
    b.writeByte(key ? 0x17 : 0x27).writeByte(1).writeMedium(0);
    b.writeZero(size - 5);
    return b;
  }

  static final class RecordingSubscriber implements Subscriber {
    final EventLoop loop;
    final boolean coalesce;
    final List<MediaFrame> frames = Collections.synchronizedList(new ArrayList<>());
    final List<String> events = Collections.synchronizedList(new ArrayList<>());
    volatile int flushes;
    Packager packager;

    RecordingSubscriber(EventLoop loop) {
      this(loop, true);
    }

    RecordingSubscriber(EventLoop loop, boolean coalesce) {
      this.loop = loop;
      this.coalesce = coalesce;
    }

    @Override
    public boolean coalesceFlushes() {
      return coalesce;
    }

    @Override
    public EventLoop eventLoop() {
      return loop;
    }

    @Override
    public Packager packager() {
      return packager;
    }

    @Override
    public void onFrame(MediaFrame frame) {
      assertThat(loop.inEventLoop()).isTrue();
      frames.add(frame);
    }

    @Override
    public void onFlush() {
      flushes++;
    }

    @Override
    public void onPublish() {
      events.add("publish");
    }

    @Override
    public void onUnpublish() {
      events.add("unpublish");
    }

    /** Waits, bounded, until at least {@code n} flushes happened (the caller asserts the count). */
    void awaitFlushes(int n) {
      Await.until(Duration.ofSeconds(10), n + " flushes", () -> flushes >= n, () -> flushes + " flushes");
    }

    void awaitFrames(int n) throws InterruptedException {
      Await.until(Duration.ofSeconds(5), n + " frames", () -> frames.size() >= n, () -> frames.size() + " frames");
      // Let the loop finish the task it is in before we look.
      CountDownLatch idle = new CountDownLatch(1);
      loop.execute(idle::countDown);
      idle.await(5, TimeUnit.SECONDS);
      assertThat(frames).hasSizeGreaterThanOrEqualTo(n);
    }

    List<String> describe() {
      List<String> out = new ArrayList<>();
      for (MediaFrame f : frames) {
        String kind = f.isData() ? "data" : f.isVideo() ? "video" : "audio";
        if (f.isConfig() && !f.isData()) {
          kind += "-config";
        } else if (f.isKeyframe()) {
          kind += "-key";
        }
        out.add(kind + "@" + f.dts());
      }
      return out;
    }

    void releaseAll() {
      frames.forEach(MediaFrame::release);
      frames.clear();
    }
  }
}
