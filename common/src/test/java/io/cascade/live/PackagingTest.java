package io.cascade.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.testing.FrameSubscriber;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Lazy packaging: a format nobody plays is never packaged, a frame is packaged once per format
 * however many subscribers play it, and the cached frames are packaged when a format's first
 * subscriber joins. Everything is checked synchronously under the stream's calls (packaging
 * happens under its lock, before delivery), so no waiting is involved.
 */
class PackagingTest {
  private static final LiveSettings SETTINGS = new LiveSettings(128, 1 << 20, Duration.ofSeconds(10), 1 << 20,
      Duration.ofSeconds(3), Duration.ofSeconds(15), Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(1), 2, 10);

  /** Never run: frames handed to it are never delivered, only released at the end. */
  private final EventLoop loop = new DefaultEventLoop();
  private final StreamManager manager = new StreamManager(SETTINGS, UnpooledByteBufAllocator.DEFAULT);
  private final Object publisher = new Object();
  private final CountingPackager a = new CountingPackager("a");
  private final CountingPackager b = new CountingPackager("b");

  @AfterEach
  void stop() throws Exception {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
  }

  @Test
  void aPackagerWithoutSubscribersIsNeverCalled() {
    LiveStream s = manager.publish("live/p", publisher).stream();
    FrameSubscriber bodyOnly = sub(null);
    manager.subscribe("live/p", bodyOnly);
    s.onFrame(publisher, video(0, true));
    s.onFrame(publisher, video(33, false));
    assertThat(a.calls).isZero();
    manager.unsubscribe(s, bodyOnly);
    manager.unpublish(s, publisher);
  }

  @Test
  void oneCallPerFramePerPackagerWhateverTheSubscriberCount() {
    LiveStream s = manager.publish("live/p", publisher).stream();
    List<FrameSubscriber> subs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      FrameSubscriber sub = sub(i % 2 == 0 ? a : new CountingPackager("a"));
      subs.add(sub);
      manager.subscribe("live/p", sub);
    }
    FrameSubscriber other = sub(b);
    manager.subscribe("live/p", other);
    s.onFrame(publisher, video(0, true));
    s.onFrame(publisher, video(33, false));
    s.onFrame(publisher, video(66, false));
    assertThat(a.calls).as("equal packagers are one format").isEqualTo(3);
    assertThat(b.calls).isEqualTo(3);
    subs.forEach(sub -> manager.unsubscribe(s, sub));
    s.onFrame(publisher, video(99, false));
    assertThat(a.calls).as("its last subscriber left").isEqualTo(3);
    assertThat(b.calls).isEqualTo(4);
    manager.unsubscribe(s, other);
    manager.unpublish(s, publisher);
  }

  @Test
  void theCachedGopIsPackagedWhenTheFirstSubscriberJoins() {
    LiveStream s = manager.publish("live/p", publisher).stream();
    MediaFrame config = frame(MediaFrame.Kind.VIDEO, 0, MediaFrame.CONFIG);
    MediaFrame key = video(0, true);
    MediaFrame next = video(33, false);
    for (MediaFrame f : List.of(config, key, next)) {
      f.retain();
      s.onFrame(publisher, f);
    }
    assertThat(a.calls).isZero();
    FrameSubscriber first = sub(a);
    manager.subscribe("live/p", first);
    assertThat(a.calls).as("sequence header, keyframe, next frame").isEqualTo(3);
    assertThat(key.wire(a)).isNotNull();
    assertThat(key.wire(b)).isNull();
    FrameSubscriber second = sub(a);
    manager.subscribe("live/p", second);
    assertThat(a.calls).as("already packaged").isEqualTo(3);
    for (MediaFrame f : List.of(config, key, next)) {
      f.release();
    }
    manager.unsubscribe(s, first);
    manager.unsubscribe(s, second);
    manager.unpublish(s, publisher);
  }

  private static MediaFrame video(long ts, boolean key) {
    return frame(MediaFrame.Kind.VIDEO, ts, key ? MediaFrame.KEYFRAME : 0);
  }

  private static MediaFrame frame(MediaFrame.Kind kind, long ts, int flags) {
    return new MediaFrame(kind, 0, ts, 0, flags, "", 0, 0, Unpooled.buffer(10).writeZero(10));
  }

  /** Equal by name, so two instances count as one format; counts calls of the first instance only. */
  private static final class CountingPackager implements Packager {
    final String name;
    int calls;

    CountingPackager(String name) {
      this.name = name;
    }

    @Override
    public ByteBuf encode(MediaFrame frame, ByteBufAllocator alloc) {
      calls++;
      return alloc.buffer(1).writeByte(1);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CountingPackager p && p.name.equals(name);
    }

    @Override
    public int hashCode() {
      return name.hashCode();
    }
  }

  private FrameSubscriber sub(Packager packager) {
    return new FrameSubscriber(loop, packager, MediaFrame::release);
  }
}
