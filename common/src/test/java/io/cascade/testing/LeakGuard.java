package io.cascade.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.lang.ref.Reference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked buffer while it ran.
 *
 * <p>Registered for every test through {@code META-INF/services} (JUnit auto-detection), so each
 * test JVM — which runs with {@code -Dio.netty.leakDetectionLevel=paranoid} — installs a leak
 * detector factory that records reports instead of only logging them. After each class the guard
 * requests a GC, waits for its references to be cleared and allocates so that the detector drains
 * its reference queue, then fails on any recorded leak.
 */
public final class LeakGuard implements BeforeAllCallback, AfterAllCallback {
  /** Bound on the wait for one requested GC to clear the sentinel; normally it takes milliseconds. */
  private static final long GC_WAIT_MILLIS = 2000;
  private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
  private static volatile boolean installed;

  static synchronized void install() {
    if (installed) {
      return;
    }
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
    installed = true;
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    install();
    LEAKS.clear();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    List<String> found = collect();
    if (!found.isEmpty()) {
      throw new AssertionError("Netty reported " + found.size() + " leaked buffer(s) in "
          + context.getDisplayName() + ":\n" + String.join("\n---\n", found));
    }
  }

  /**
   * Runs GC and allocation rounds so pending leak reports surface, then returns and clears them.
   *
   * <p>A leaked buffer is found when the GC clears its tracker (a weak reference) and the detector
   * then polls its reference queue, which it does on each tracked allocation. Clearing is done by
   * the JVM's reference handler after the collection, so each round waits for that event: a
   * sentinel weakly reachable object of our own, collected by the same GC, coming out of our own
   * queue (bounded, in case the GC ignores the request). Three rounds, because the handler hands
   * references over in no promised order.
   */
  public static List<String> collect() {
    for (int round = 0; round < 3; round++) {
      if (!collectGarbage()) {
        break;
      }
      for (int i = 0; i < 64; i++) {
        ByteBuf a = UnpooledByteBufAllocator.DEFAULT.directBuffer(8);
        a.release();
        ByteBuf b = PooledByteBufAllocator.DEFAULT.directBuffer(8);
        b.release();
        ByteBuf c = PooledByteBufAllocator.DEFAULT.heapBuffer(8);
        c.release();
      }
    }
    List<String> copy = new ArrayList<>(LEAKS);
    LEAKS.clear();
    return copy;
  }

  /** Requests a GC and waits until its reference processing reached a sentinel; false if interrupted. */
  private static boolean collectGarbage() {
    ReferenceQueue<Object> queue = new ReferenceQueue<>();
    WeakReference<Object> sentinel = new WeakReference<>(new Object(), queue);
    System.gc();
    try {
      queue.remove(GC_WAIT_MILLIS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } finally {
      // A reference object that is itself unreachable is never enqueued.
      Reference.reachabilityFence(sentinel);
    }
  }

  private static final class RecordingFactory extends ResourceLeakDetectorFactory {
    @Override
    @SuppressWarnings("deprecation")
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval, long maxActive) {
      return new RecordingDetector<>(resource, samplingInterval);
    }
  }

  private static final class RecordingDetector<T> extends ResourceLeakDetector<T> {
    RecordingDetector(Class<?> resourceType, int samplingInterval) {
      super(resourceType, samplingInterval);
    }

    @Override
    protected void reportTracedLeak(String resourceType, String records) {
      LEAKS.add(resourceType + " leak:" + records);
      super.reportTracedLeak(resourceType, records);
    }

    @Override
    protected void reportUntracedLeak(String resourceType) {
      LEAKS.add(resourceType + " leak (untraced)");
      super.reportUntracedLeak(resourceType);
    }
  }
}
