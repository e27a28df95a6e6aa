package io.cascade.http.hls;

import io.cascade.live.StreamManager;
import io.netty.buffer.ByteBufAllocator;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * What the HLS sessions of one node share: settings, the stream manager, meters, clocks, the
 * node-wide count of waiting requests ({@code hls.maxBlockedRequests}), the table of sessions
 * (one per stream) and the viewers counted per stream.
 */
final class HlsNode {
  final HlsSettings settings;
  final StreamManager streams;
  final HlsMeters meters;
  final ByteBufAllocator alloc;
  final LongSupplier nanoClock;
  final LongSupplier wallMillis;
  final ConcurrentHashMap<String, HlsSession> sessions = new ConcurrentHashMap<>();
  private final AtomicInteger blocked;
  private final ConcurrentHashMap<String, AtomicInteger> viewersByStream = new ConcurrentHashMap<>();

  HlsNode(HlsSettings settings, StreamManager streams, HlsMeters meters, ByteBufAllocator alloc,
      LongSupplier nanoClock, LongSupplier wallMillis, AtomicInteger blocked) {
    this.settings = settings;
    this.streams = streams;
    this.meters = meters;
    this.alloc = alloc;
    this.nanoClock = nanoClock;
    this.wallMillis = wallMillis;
    this.blocked = blocked;
  }

  /** Counts one more waiting request; false at {@code hls.maxBlockedRequests}. */
  boolean startBlocking() {
    while (true) {
      int n = blocked.get();
      if (n >= settings.maxBlockedRequests()) {
        return false;
      }
      if (blocked.compareAndSet(n, n + 1)) {
        return true;
      }
    }
  }

  void stopBlocking() {
    blocked.decrementAndGet();
  }

  int blocked() {
    return blocked.get();
  }

  void viewerJoined(String key) {
    viewersByStream.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
  }

  void viewerLeft(String key) {
    viewersByStream.computeIfPresent(key, (k, n) -> n.decrementAndGet() <= 0 ? null : n);
  }

  /** HLS viewers of {@code key} counted now. */
  int viewers(String key) {
    AtomicInteger n = viewersByStream.get(key);
    return n == null ? 0 : n.get();
  }
}
