package io.cascade.live;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * An Enhanced-RTMP audio MultichannelConfig is cached beside the track's SequenceStart, not in its
 * place: a late joiner (an HLS packager joining a live Opus stream) gets both, in order.
 */
class SideConfigCacheTest {
  private final VirtualLoops loops = new VirtualLoops();
  private final StreamManager manager = new StreamManager(LiveSettings.DEFAULTS, PooledByteBufAllocator.DEFAULT);
  private final Object publisher = new Object();

  @AfterEach
  void close() {
    loops.close();
  }

  private static MediaFrame audio(int flags, int marker) {
    return new MediaFrame(MediaFrame.Kind.AUDIO, 0, 0, 0, flags, "Opus", 0, 0,
        Unpooled.wrappedBuffer(new byte[] {(byte) marker}));
  }

  @Test
  void aLateJoinerGetsTheSequenceHeaderAndTheChannelLayout() {
    LiveStream s = manager.publish("live/opus", publisher).stream();
    s.onFrame(publisher, audio(MediaFrame.CONFIG, 1));
    s.onFrame(publisher, audio(MediaFrame.CONFIG | MediaFrame.SIDE_CONFIG, 2));
    RecordingSubscriber late = loops.subscriber(loops.next());
    manager.subscribe("live/opus", late);
    loops.run();
    assertThat(late.frames).extracting(f -> (int) f.body().getByte(0)).containsExactly(1, 2);
    // A new sequence header replaces the old one only.
    s.onFrame(publisher, audio(MediaFrame.CONFIG, 3));
    RecordingSubscriber later = loops.subscriber(loops.next());
    manager.subscribe("live/opus", later);
    loops.run();
    assertThat(later.frames).extracting(f -> (int) f.body().getByte(0)).containsExactly(2, 3);
    late.releaseAll();
    later.releaseAll();
    manager.unsubscribe(s, late);
    manager.unsubscribe(s, later);
    manager.unpublish(s, publisher);
  }
}
