package io.cascade.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.Unpooled;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DeliveryQueueTest {
  private static final LiveSettings SETTINGS = new LiveSettings(4096, 1 << 20, Duration.ofSeconds(10),
      10_000, Duration.ofMillis(500), Duration.ofSeconds(60), Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), 10, 10);

  private final RecordingSink sink = new RecordingSink();
  private final LiveStats stats = new LiveStats();
  private final DeliveryQueue queue = new DeliveryQueue(sink, SETTINGS, stats);

  @AfterEach
  void release() {
    queue.close();
    sink.written.forEach(LiveFrame::release);
  }

  @Test
  void writesStraightThroughWhileWritableStartingAtAKeyframe() {
    queue.offer(video(0, false));
    queue.offer(video(33, true));
    queue.offer(audio(40));
    queue.offer(video(66, false));
    assertThat(sink.timestamps()).containsExactly(33L, 40L, 66L);
    assertThat(stats.framesDroppedWaitingKeyframe()).isEqualTo(1);
  }

  @Test
  void configFramesPassEvenWhileWaitingForAKeyframe() {
    queue.offer(config(0));
    queue.offer(video(10, false));
    assertThat(sink.timestamps()).containsExactly(0L);
  }

  @Test
  void queuesWhileNotWritableAndDrainsInOrder() {
    queue.offer(video(0, true));
    sink.writable = false;
    queue.offer(video(33, false));
    queue.offer(audio(40));
    assertThat(queue.queuedFrames()).isEqualTo(2);
    sink.writable = true;
    queue.drain();
    assertThat(sink.timestamps()).containsExactly(0L, 33L, 40L);
    assertThat(sink.flushes).isGreaterThan(0);
  }

  @Test
  void fallingBehindDropsWholeGopAndResumesAtNextKeyframe() {
    queue.offer(video(0, true));
    sink.writable = false;
    // 1000-byte frames: the 11th passes the 10,000-byte bound.
    for (int i = 1; i <= 11; i++) {
      queue.offer(video(i * 33L, false));
    }
    assertThat(queue.queuedFrames()).isZero();
    assertThat(stats.framesDroppedSlow()).isEqualTo(11);
    sink.writable = true;
    queue.offer(audio(400));
    queue.offer(video(420, false));
    queue.offer(video(450, true));
    queue.offer(audio(460));
    assertThat(sink.timestamps()).containsExactly(0L, 450L, 460L);
  }

  @Test
  void durationBoundDropsToo() {
    queue.offer(video(0, true));
    sink.writable = false;
    queue.offer(video(100, false));
    queue.offer(video(700, false));
    assertThat(queue.queuedFrames()).isZero();
    assertThat(stats.framesDroppedSlow()).isEqualTo(2);
  }

  @Test
  void droppingKeepsQueuedConfigFrames() {
    queue.offer(video(0, true));
    sink.writable = false;
    queue.offer(config(10));
    for (int i = 1; i <= 11; i++) {
      queue.offer(video(i * 33L, false));
    }
    assertThat(queue.queuedFrames()).isEqualTo(1);
    sink.writable = true;
    queue.drain();
    assertThat(sink.written.get(sink.written.size() - 1).isConfig()).isTrue();
  }

  @Test
  void stayingBehindPastTheLimitIsReported() throws InterruptedException {
    LiveSettings quick = new LiveSettings(4096, 1 << 20, Duration.ofSeconds(10), 1 << 20, Duration.ofSeconds(60),
        Duration.ofMillis(20), Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), 10, 10);
    RecordingSink slow = new RecordingSink();
    DeliveryQueue q = new DeliveryQueue(slow, quick, stats);
    q.offer(video(0, true));
    slow.writable = false;
    q.offer(video(33, false));
    Thread.sleep(40);
    q.offer(video(66, false));
    assertThat(slow.tooSlow).isNotNull();
    q.close();
    slow.written.forEach(LiveFrame::release);
  }

  @Test
  void closedQueueReleasesOffers() {
    LiveFrame f = video(0, true);
    f.retain();
    queue.close();
    queue.offer(f);
    assertThat(f.refCnt()).isEqualTo(1);
    f.release();
  }

  static LiveFrame video(long ts, boolean key) {
    return frame(MessageType.VIDEO, ts, key ? LiveFrame.KEYFRAME : 0);
  }

  static LiveFrame audio(long ts) {
    return frame(MessageType.AUDIO, ts, 0);
  }

  static LiveFrame config(long ts) {
    return frame(MessageType.VIDEO, ts, LiveFrame.CONFIG);
  }

  static LiveFrame frame(int type, long ts, int flags) {
    return new LiveFrame(type, ts, ts, flags, System.nanoTime(), 0, Unpooled.buffer(1000).writeZero(1000), Unpooled.buffer(1));
  }

  static final class RecordingSink implements DeliveryQueue.Sink {
    final List<LiveFrame> written = new ArrayList<>();
    boolean writable = true;
    int flushes;
    String tooSlow;

    @Override
    public boolean isWritable() {
      return writable;
    }

    @Override
    public void write(LiveFrame frame) {
      written.add(frame);
    }

    @Override
    public void flush() {
      flushes++;
    }

    @Override
    public void tooSlow(String detail) {
      tooSlow = detail;
    }

    List<Long> timestamps() {
      return written.stream().map(LiveFrame::timestamp).toList();
    }
  }
}
