package io.cascade.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.FlushMode;
import io.cascade.rtmp.media.RtmpChunkPackager;
import io.cascade.rtmp.media.RtmpMediaFrames;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The stream as a whole: joins, GOP cache, fan-out across event loops, republish, limits.
 *
 * <p>In virtual time: each event loop is an embedded channel's loop with frozen time, whose tasks
 * run when the test says ({@link VirtualLoops#run()}) and whose timers fire when the test moves
 * the clock ({@link VirtualLoops#advance(Duration)}). What a subscriber has after a run is all it
 * will get, so counts are asserted exactly, and "not yet" is asserted one tick before the deadline.
 */
class LiveStreamTest {
  private static final LiveSettings SETTINGS = flushing(Duration.ZERO, 0);
  /** The flush interval of the coalescing tests. */
  private static final Duration INTERVAL = Duration.ofMillis(40);

  /**
   * Small limits (128-byte chunks, 2 streams, 3 players) with the given flush interval and flush size,
   * in interval flush mode (the adaptive mode is FlushPolicyTest's and LoopGroupFlushTest's).
   */
  private static LiveSettings flushing(Duration interval, int flushBytes) {
    return new LiveSettings(128, 1 << 20, Duration.ofSeconds(10), 1 << 20, Duration.ofSeconds(3),
        Duration.ofSeconds(15), interval, Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 3,
        LiveSettings.DEFAULT_MAX_WAITING_PLAYERS, flushBytes).withFlushMode(FlushMode.INTERVAL);
  }

  private final VirtualLoops loops = new VirtualLoops();
  private final StreamManager manager = new StreamManager(SETTINGS, PooledByteBufAllocator.DEFAULT);
  private final Object publisher = new Object();

  @AfterEach
  void closeLoops() {
    loops.close();
  }

  @Test
  void lateJoinerGetsMetadataSequenceHeadersThenGopFromKeyframe() {
    LiveStream s = manager.publish("live/a", publisher).stream();
    RtmpMediaFrames.publish(s, publisher, MessageType.DATA_AMF0, 0, Unpooled.copiedBuffer(new byte[] {2, 0, 1, 'x'}), true);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avcSequenceHeader(), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.AUDIO, 0, aacSequenceHeader(), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avc(true, 500), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 33, avc(false, 200), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 66, avc(true, 500), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.AUDIO, 70, aac(), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 100, avc(false, 200), false);

    RecordingSubscriber late = loops.subscriber(loops.next());
    late.packager = new RtmpChunkPackager(128);
    assertThat(manager.subscribe("live/a", late)).isSameAs(s);
    assertThat(late.frames).as("delivered on the subscriber's loop, not in subscribe").isEmpty();
    loops.run();
    assertThat(late.events).containsExactly("publish");
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
  void theGopCacheStartsAtTheDefaultTracksKeyframeAndKeepsTheOtherTracksAlignedOne() {
    LiveStream s = manager.publish("live/m", publisher).stream();
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avc(true, 50), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, oneTrackAvc(true, 1, 40), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 33, oneTrackAvc(false, 1, 20), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 66, oneTrackAvc(true, 1, 40), false);

    RecordingSubscriber late = loops.subscriber(loops.next());
    manager.subscribe("live/m", late);
    loops.run();
    assertThat(late.describe()).containsExactly("video-key@0", "video-key@0", "video@33", "video-key@66");
    assertThat(late.frames).extracting(MediaFrame::trackId).containsExactly(0, 1, 1, 1);
    late.releaseAll();
    manager.unsubscribe(s, late);
    manager.unpublish(s, publisher);
  }

  @Test
  void aMessageOfSeveralTracksReachesTheStreamAsOneFramePerTrack() {
    LiveStream s = manager.publish("live/s", publisher).stream();
    RecordingSubscriber sub = loops.subscriber(loops.next());
    manager.subscribe("live/s", sub);
    // key frame, Multitrack; ManyTracks|CodedFrames, "avc1"; track 1 (cts 40), track 2 (cts 10)
    ByteBuf many = Unpooled.wrappedBuffer(io.netty.buffer.ByteBufUtil.decodeHexDump(
        "9611617663310100000500002800bb0200000400000acc"));
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 80, many, false);
    loops.run();
    assertThat(sub.frames).extracting(MediaFrame::trackId).containsExactly(1, 2);
    assertThat(sub.frames).extracting(MediaFrame::compositionOffset).containsExactly(40, 10);
    assertThat(sub.describe()).containsExactly("video-key@80", "video-key@80");
    assertThat(many.refCnt()).as("the message was released once split").isZero();
    sub.releaseAll();
    manager.unsubscribe(s, sub);
    manager.unpublish(s, publisher);
  }

  /** An Enhanced-RTMP OneTrack multitrack avc1 CodedFrames message of {@code track}. */
  private static ByteBuf oneTrackAvc(boolean key, int track, int size) {
    ByteBuf b = Unpooled.buffer(size);
    b.writeByte(key ? 0x96 : 0xa6).writeByte(1).writeBytes("avc1".getBytes()).writeByte(track).writeMedium(0);
    b.writeZero(size - 10);
    return b;
  }

  @Test
  void coalescingSubscribersAreFlushedByTheTimerOthersAfterEveryFrame() {
    StreamManager m = new StreamManager(flushing(INTERVAL, 0), PooledByteBufAllocator.DEFAULT);
    LiveStream s = m.publish("live/c", publisher).stream();
    EventLoop loop = loops.next();
    RecordingSubscriber player = loops.subscriber(loop);
    RecordingSubscriber relay = loops.subscriber(loop, false);
    m.subscribe("live/c", player);
    m.subscribe("live/c", relay);
    loops.run();
    int playerJoinFlushes = player.flushes;
    int relayJoinFlushes = relay.flushes;
    for (int i = 0; i < 5; i++) {
      RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, i * 33L, avc(i == 0, 100), false);
    }
    loops.run();
    assertThat(player.frames).hasSize(5);
    assertThat(relay.frames).hasSize(5);
    assertThat(player.flushes - playerJoinFlushes).as("held for the timer").isZero();
    assertThat(relay.flushes - relayJoinFlushes).as("one flush per delivery").isEqualTo(5);

    loops.advance(INTERVAL.minusMillis(1));
    assertThat(player.flushes - playerJoinFlushes).as("not before the interval has passed").isZero();
    loops.advance(Duration.ofMillis(1));
    assertThat(player.flushes - playerJoinFlushes).as("one flush for the five frames").isEqualTo(1);

    // The timer is armed again by the next frame, not before.
    loops.advance(INTERVAL.multipliedBy(3));
    assertThat(player.flushes - playerJoinFlushes).as("nothing written, nothing flushed").isEqualTo(1);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 165, avc(false, 100), false);
    loops.run();
    loops.advance(INTERVAL.minusMillis(1));
    assertThat(player.flushes - playerJoinFlushes).isEqualTo(1);
    loops.advance(Duration.ofMillis(1));
    assertThat(player.flushes - playerJoinFlushes).isEqualTo(2);
    assertThat(relay.flushes - relayJoinFlushes).isEqualTo(6);
    player.releaseAll();
    relay.releaseAll();
    m.unsubscribe(s, player);
    m.unsubscribe(s, relay);
    m.unpublish(s, publisher);
  }

  @Test
  void aLargeFrameIsFlushedAtOnceWithWhatWasHeldBeforeIt() {
    // The timer is never moved on, so only the size rule can flush; 300-byte payloads reach 256 bytes of chunks.
    StreamManager m = new StreamManager(flushing(INTERVAL, 256), PooledByteBufAllocator.DEFAULT);
    LiveStream s = m.publish("live/e", publisher).stream();
    RecordingSubscriber player = loops.subscriber(loops.next());
    m.subscribe("live/e", player);
    loops.run();
    int before = player.flushes;
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avc(true, 300), false);
    loops.run();
    assertThat(player.flushes - before).as("the large keyframe flushed at once").isEqualTo(1);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 33, avc(false, 50), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 66, avc(false, 50), false);
    loops.run();
    assertThat(player.frames).hasSize(3);
    assertThat(player.flushes - before).as("the small frames held").isEqualTo(1);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 99, avc(false, 300), false);
    loops.run();
    assertThat(player.frames).hasSize(4);
    assertThat(player.flushes - before).as("the next large frame flushed the held ones with it").isEqualTo(2);
    player.releaseAll();
    m.unsubscribe(s, player);
    m.unpublish(s, publisher);
  }

  @Test
  void fansOutToSubscribersOnSeveralLoopsInOrder() {
    LiveStream s = manager.publish("live/b", publisher).stream();
    List<RecordingSubscriber> subs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      RecordingSubscriber r = loops.subscriber(loops.next());
      manager.subscribe("live/b", r);
      subs.add(r);
    }
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avc(true, 100), false);
    for (int i = 1; i < 50; i++) {
      RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, i * 33L, avc(false, 100), false);
    }
    loops.run();
    for (RecordingSubscriber r : subs) {
      List<Long> ts = r.frames.stream().map(MediaFrame::dts).toList();
      assertThat(ts).isSorted().hasSize(50);
      // Every subscriber shares the same frame objects: decoded once.
      assertThat(r.frames.get(10)).isSameAs(subs.get(0).frames.get(10));
      assertThat(r.flushes).as("the join's, then one per frame").isEqualTo(1 + 50);
    }
    subs.forEach(RecordingSubscriber::releaseAll);
    subs.forEach(r -> manager.unsubscribe(s, r));
    manager.unpublish(s, publisher);
  }

  @Test
  void secondPublisherIsRefusedAndFirstContinues() {
    LiveStream s = manager.publish("live/c", publisher).stream();
    StreamManager.PublishResult second = manager.publish("live/c", new Object());
    assertThat(second.accepted()).isFalse();
    assertThat(second.refusal()).isEqualTo(StreamManager.PublishRefusal.ALREADY_PUBLISHING);
    assertThat(s.isPublishedBy(publisher)).isTrue();
    RecordingSubscriber r = loops.subscriber(loops.next());
    manager.subscribe("live/c", r);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avc(true, 100), false);
    loops.run();
    assertThat(r.frames).hasSize(1);
    r.releaseAll();
    manager.unsubscribe(s, r);
    manager.unpublish(s, publisher);
  }

  @Test
  void waitingSubscriberStartsWhenPublishedAndSurvivesRepublishWithMonotonicTime() {
    RecordingSubscriber r = loops.subscriber(loops.next());
    LiveStream s = manager.subscribe("live/d", r);
    assertThat(s.isLive()).isFalse();
    assertThat(manager.publish("live/d", publisher).stream()).isSameAs(s);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 5000, avc(true, 100), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 5033, avc(false, 100), false);
    loops.run();
    assertThat(r.frames).hasSize(2);
    manager.unpublish(s, publisher);
    Object again = new Object();
    assertThat(manager.publish("live/d", again).stream()).isSameAs(s);
    RtmpMediaFrames.publish(s, again, MessageType.VIDEO, 0, avc(true, 100), false);
    loops.run();
    assertThat(r.frames).hasSize(3);
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
      RecordingSubscriber r = loops.subscriber(loops.next());
      assertThat(manager.subscribe("live/e1", r)).isNotNull();
      subs.add(r);
    }
    assertThat(manager.subscribe("live/e1", loops.subscriber(loops.next()))).isNull();
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
  void framesArePackagedOncePerFormatAndOnlyWhileTheFormatHasSubscribers() {
    CountingPackager format = new CountingPackager();
    LiveStream s = manager.publish("live/p", publisher).stream();
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avcSequenceHeader(), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 0, avc(true, 100), false);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 33, avc(false, 100), false);
    assertThat(format.encoded).as("no subscriber of the format: nothing packaged").isZero();

    RecordingSubscriber a = loops.subscriber(loops.next());
    RecordingSubscriber b = loops.subscriber(loops.next());
    a.packager = format;
    b.packager = new CountingPackager(); // equal to the first: the same format
    manager.subscribe("live/p", a);
    assertThat(format.encoded).as("first subscriber: sequence header and GOP packaged then").isEqualTo(3);
    manager.subscribe("live/p", b);
    assertThat(format.encoded).as("second subscriber of the format: nothing new").isEqualTo(3);
    RtmpMediaFrames.publish(s, publisher, MessageType.VIDEO, 66, avc(false, 100), false);
    assertThat(format.encoded).as("a live frame: once, not once per subscriber").isEqualTo(4);
    loops.run();
    assertThat(a.frames).hasSize(4);
    assertThat(b.frames).hasSize(4);
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
}
