package io.cascade.live;

import static org.assertj.core.api.Assertions.assertThat;

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
  /** Virtual time: the queue reads only this clock. */
  private long now;
  private final DeliveryQueue queue = new DeliveryQueue(sink, SETTINGS, stats, () -> now);

  @AfterEach
  void release() {
    queue.close();
    sink.written.forEach(MediaFrame::release);
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
  void stayingBehindPastTheLimitClosesTheOutput() {
    LiveSettings quick = new LiveSettings(4096, 1 << 20, Duration.ofSeconds(10), 1 << 20, Duration.ofSeconds(60),
        Duration.ofMillis(20), Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), 10, 10);
    RecordingSink slow = new RecordingSink();
    DeliveryQueue q = new DeliveryQueue(slow, quick, stats, () -> now);
    q.offer(video(0, true));
    slow.writable = false;
    q.offer(video(33, false));
    now += Duration.ofMillis(20).toNanos();
    q.offer(video(66, false));
    assertThat(slow.closed).as("exactly at the limit is not past it").isNull();
    now += 1;
    q.offer(video(99, false));
    assertThat(slow.closed).startsWith("slow_consumer: behind for more than 20 ms");
    assertThat(stats.slowDisconnects()).isEqualTo(1);
    assertThat(q.queuedFrames()).as("the queue let go of everything").isZero();
    q.close();
    slow.written.forEach(MediaFrame::release);
  }

  @Test
  void closedQueueReleasesOffers() {
    MediaFrame f = video(0, true);
    f.retain();
    queue.close();
    queue.offer(f);
    assertThat(f.refCnt()).isEqualTo(1);
    f.release();
  }

  static MediaFrame video(long ts, boolean key) {
    return frame(MediaFrame.Kind.VIDEO, ts, key ? MediaFrame.KEYFRAME : 0);
  }

  static MediaFrame audio(long ts) {
    return frame(MediaFrame.Kind.AUDIO, ts, 0);
  }

  static MediaFrame config(long ts) {
    return frame(MediaFrame.Kind.VIDEO, ts, MediaFrame.CONFIG);
  }

  static MediaFrame frame(MediaFrame.Kind kind, long ts, int flags) {
    return new MediaFrame(kind, 0, ts, 0, flags, "", 0, 0, Unpooled.buffer(1000).writeZero(1000));
  }

  static final class RecordingSink implements MediaOutput {
    final List<MediaFrame> written = new ArrayList<>();
    boolean writable = true;
    int flushes;
    String closed;

    @Override
    public boolean isWritable() {
      return writable;
    }

    @Override
    public void write(MediaFrame frame) {
      written.add(frame);
    }

    @Override
    public void flush() {
      flushes++;
    }

    @Override
    public void close(String reason, String detail) {
      closed = reason + ": " + detail;
    }

    List<Long> timestamps() {
      return written.stream().map(MediaFrame::dts).toList();
    }
  }
}
