package io.cascade.config;

/** How writes to players are flushed ({@code live.subscriber.flushMode}); see {@code io.cascade.live.FlushPolicy}. */
public enum FlushMode {
  /** Write at once while the event loop keeps up; coalesce for up to the flush interval under load. */
  ADAPTIVE,
  /** Always coalesce: flush at most every flush interval. */
  INTERVAL
}
