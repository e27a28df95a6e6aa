package io.cascade.edge;

import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.media.MediaTags;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.MessageType;
import io.netty.channel.EventLoopGroup;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/** An RTMP player of the edge that records what it receives: every frame, status and the close. */
final class TestPlayer implements RtmpClientListener {
  /** One received message: its type, RTMP timestamp, whether it is a sequence header, the synthetic stamp. */
  record Frame(int type, long timestamp, boolean sequenceHeader, long sequence, long sendMicros, long receivedNanos) {
    boolean isVideo() {
      return type == MessageType.VIDEO;
    }
  }

  final List<Frame> frames = new CopyOnWriteArrayList<>();
  final List<String> statuses = new CopyOnWriteArrayList<>();
  final CompletableFuture<Throwable> closed = new CompletableFuture<>();
  /** Waits in {@link #await}, checked by every received message. */
  private final List<Waiter> waiters = new CopyOnWriteArrayList<>();
  private RtmpClient client;

  private record Waiter(Predicate<Frame> which, int n, CompletableFuture<Void> done) {
    void check(TestPlayer p) {
      if (p.count(which) >= n) {
        done.complete(null);
      }
    }
  }

  static TestPlayer play(EventLoopGroup group, int port, String key) throws Exception {
    TestPlayer p = new TestPlayer();
    int slash = key.indexOf('/');
    p.client = RtmpClient.create(group, new RtmpClientOptions(), p);
    p.client.connect(new RtmpUrl("127.0.0.1", port, key.substring(0, slash), "")).get(10, TimeUnit.SECONDS);
    p.client.play(key.substring(slash + 1)).get(10, TimeUnit.SECONDS);
    return p;
  }

  void close() throws Exception {
    client.close().get(5, TimeUnit.SECONDS);
  }

  @Override
  public void onMessage(RtmpMessage m) {
    boolean header = MessageType.isMedia(m.typeId())
        && (MediaTags.classify(m.typeId(), m.payload()) & MediaTags.SEQUENCE_HEADER) != 0;
    SyntheticMedia.Stamp stamp = SyntheticMedia.parse(m.typeId(), m.payload());
    frames.add(new Frame(m.typeId(), m.timestamp(), header, stamp == null ? -1 : stamp.sequence(),
        stamp == null ? -1 : stamp.sendMicros(), System.nanoTime()));
    waiters.forEach(w -> w.check(this));
  }

  @Override
  public void onStatus(Map<String, Object> info) {
    statuses.add(String.valueOf(info.get("code")));
  }

  @Override
  public void onClose(Throwable cause) {
    closed.complete(cause);
  }

  long count(Predicate<Frame> which) {
    return frames.stream().filter(which).count();
  }

  /** Waits until {@code which} holds for {@code n} frames (woken by each received message); false on timeout. */
  boolean await(Predicate<Frame> which, int n, long timeoutMillis) throws Exception {
    Waiter w = new Waiter(which, n, new CompletableFuture<>());
    waiters.add(w);
    try {
      // Registered first, then checked: a frame that arrived meanwhile is not missed.
      w.check(this);
      w.done().get(timeoutMillis, TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } finally {
      waiters.remove(w);
    }
  }

  /** Media timestamps that went backwards, as "prev->next" pairs (empty when monotonic). */
  List<String> timestampRegressions() {
    List<String> out = new ArrayList<>();
    long last = -1;
    for (Frame f : frames) {
      if (!MessageType.isMedia(f.type())) {
        continue;
      }
      if (f.timestamp() < last) {
        out.add(last + "->" + f.timestamp());
      }
      last = Math.max(last, f.timestamp());
    }
    return out;
  }
}
