package io.cascade.live;

import io.cascade.config.CascadeConfig;
import java.time.Duration;

/**
 * Limits of the live layer, taken from configuration.
 *
 * @param chunkSize outbound chunk size every connection of this node uses (frames are encoded once at it)
 * @param gopCacheMaxBytes payload bytes the GOP cache may hold; past it the cache empties until the next keyframe
 * @param gopCacheMaxDuration media duration the GOP cache may hold
 * @param queueMaxBytes bytes a subscriber may have queued before it drops to the next keyframe
 * @param queueMaxDuration media duration a subscriber may have queued before it drops to the next keyframe
 * @param maxBehind how long a subscriber may stay behind (queue never drained) before it is disconnected
 * @param flushInterval how long writes to a player may wait to be flushed together; 0 flushes after every message
 * @param playerWaitTimeout how long a player waits for a stream that is not live yet
 * @param republishWaitTimeout how long players wait for a publisher to come back
 * @param maxStreams live streams this node holds at once
 * @param maxPlayersPerStream subscribers of one stream
 * @param maxWaitingPlayers players of this node waiting for a stream that was not live when they joined
 * @param flushBytes a message at least this large is flushed at once instead of waiting for the flush interval; 0 never
 */
public record LiveSettings(
    int chunkSize,
    long gopCacheMaxBytes,
    Duration gopCacheMaxDuration,
    long queueMaxBytes,
    Duration queueMaxDuration,
    Duration maxBehind,
    Duration flushInterval,
    Duration playerWaitTimeout,
    Duration republishWaitTimeout,
    int maxStreams,
    int maxPlayersPerStream,
    int maxWaitingPlayers,
    int flushBytes) {

  public static final int DEFAULT_MAX_WAITING_PLAYERS = 5000;
  public static final int DEFAULT_FLUSH_BYTES = 0;

  public static final LiveSettings DEFAULTS = new LiveSettings(4096, 16L << 20, Duration.ofSeconds(10),
      4L << 20, Duration.ofSeconds(3), Duration.ofSeconds(15), Duration.ofMillis(10), Duration.ofSeconds(30),
      Duration.ofSeconds(30),
      1000, 10_000);

  /** Settings with the default bound on waiting players and the default flush size. */
  public LiveSettings(int chunkSize, long gopCacheMaxBytes, Duration gopCacheMaxDuration, long queueMaxBytes,
      Duration queueMaxDuration, Duration maxBehind, Duration flushInterval, Duration playerWaitTimeout,
      Duration republishWaitTimeout, int maxStreams, int maxPlayersPerStream) {
    this(chunkSize, gopCacheMaxBytes, gopCacheMaxDuration, queueMaxBytes, queueMaxDuration, maxBehind, flushInterval,
        playerWaitTimeout, republishWaitTimeout, maxStreams, maxPlayersPerStream, DEFAULT_MAX_WAITING_PLAYERS,
        DEFAULT_FLUSH_BYTES);
  }

  public static LiveSettings from(CascadeConfig config) {
    CascadeConfig.Live live = config.live();
    return new LiveSettings(config.rtmp().chunkSize(), live.gopCache().maxBytes(), live.gopCache().maxDuration(),
        live.subscriber().maxQueueBytes(), live.subscriber().maxQueueDuration(), live.subscriber().maxBehindDuration(),
        live.subscriber().flushInterval(),
        live.playerWaitTimeout(), live.republishWaitTimeout(), live.maxStreams(), live.maxPlayersPerStream(),
        live.maxWaitingPlayers(), (int) live.subscriber().flushBytes());
  }

  public LiveSettings {
    if (chunkSize < 128 || chunkSize > 65536) {
      throw new IllegalArgumentException("chunkSize must be in 128..65536: " + chunkSize);
    }
    if (gopCacheMaxBytes < 0 || queueMaxBytes <= 0 || maxStreams <= 0 || maxPlayersPerStream <= 0
        || maxWaitingPlayers <= 0) {
      throw new IllegalArgumentException("live limits must be positive");
    }
    if (flushBytes < 0) {
      throw new IllegalArgumentException("flushBytes must not be negative: " + flushBytes);
    }
    if (flushInterval.isNegative()) {
      throw new IllegalArgumentException("flushInterval must not be negative: " + flushInterval);
    }
  }
}
