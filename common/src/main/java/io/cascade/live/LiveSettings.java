package io.cascade.live;

import static io.cascade.config.ConfigSchema.LIVE_GOP_CACHE_MAX_BYTES;
import static io.cascade.config.ConfigSchema.LIVE_GOP_CACHE_MAX_DURATION;
import static io.cascade.config.ConfigSchema.LIVE_MAX_PLAYERS_PER_STREAM;
import static io.cascade.config.ConfigSchema.LIVE_MAX_STREAMS;
import static io.cascade.config.ConfigSchema.LIVE_MAX_WAITING_PLAYERS;
import static io.cascade.config.ConfigSchema.LIVE_PLAYER_WAIT_TIMEOUT;
import static io.cascade.config.ConfigSchema.LIVE_REPUBLISH_WAIT_TIMEOUT;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_FLUSH_AUDIO_HOLD;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_FLUSH_BUSY_DELAY;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_FLUSH_BYTES;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_FLUSH_INTERVAL;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_FLUSH_MODE;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_FLUSH_VIDEO_HOLD;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_MAX_BEHIND_DURATION;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_MAX_QUEUE_BYTES;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_MAX_QUEUE_DURATION;
import static io.cascade.config.ConfigSchema.RTMP_CHUNK_SIZE;

import io.cascade.config.CascadeConfig;
import io.cascade.config.FlushMode;
import java.time.Duration;

/**
 * Limits of the live layer, built from the {@code live.*} settings by {@link #from}; their bounds and
 * defaults are the schema's.
 *
 * @param chunkSize outbound chunk size every connection of this node uses (frames are encoded once at it)
 * @param gopCacheMaxBytes payload bytes the GOP cache may hold; past it the cache empties until the next keyframe
 * @param gopCacheMaxDuration media duration the GOP cache may hold
 * @param queueMaxBytes bytes a subscriber may have queued before it drops to the next keyframe
 * @param queueMaxDuration media duration a subscriber may have queued before it drops to the next keyframe
 * @param maxBehind how long a subscriber may stay behind (queue never drained) before it is disconnected
 * @param flushInterval the longest writes to a player may wait to be flushed together; 0 flushes after every message
 * @param playerWaitTimeout how long a player waits for a stream that is not live yet
 * @param republishWaitTimeout how long players wait for a publisher to come back
 * @param maxStreams live streams this node holds at once
 * @param maxPlayersPerStream subscribers of one stream
 * @param maxWaitingPlayers players of this node waiting for a stream that was not live when they joined
 * @param flushBytes a message at least this large is flushed at once instead of waiting for the flush interval; 0 never
 * @param flushMode adaptive (hold writes only under load) or interval (always hold), see {@link FlushPolicy}
 * @param flushBusyDelay in adaptive mode, the average task queue wait above which a loop counts as loaded
 * @param flushAudioHold in adaptive mode, how long audio of a stream with video may wait for the next video frame; 0 never
 * @param flushVideoHold in adaptive mode, how long video of a stream with audio may wait for the next audio frame; 0 never
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
    int flushBytes,
    FlushMode flushMode,
    Duration flushBusyDelay,
    Duration flushAudioHold,
    Duration flushVideoHold) {

  /** The schema's defaults; tests that change a few build from {@code CascadeConfig.with(...)}. */
  public static final LiveSettings DEFAULTS = defaults();
  /** The schema's {@code live.maxWaitingPlayers} default, for the shorter constructor. */
  public static final int DEFAULT_MAX_WAITING_PLAYERS = DEFAULTS.maxWaitingPlayers();
  /** The schema's {@code live.subscriber.flushBytes} default, for the shorter constructor. */
  public static final int DEFAULT_FLUSH_BYTES = DEFAULTS.flushBytes();

  /** Settings with the default bound on waiting players and the default flush size. */
  public LiveSettings(int chunkSize, long gopCacheMaxBytes, Duration gopCacheMaxDuration, long queueMaxBytes,
      Duration queueMaxDuration, Duration maxBehind, Duration flushInterval, Duration playerWaitTimeout,
      Duration republishWaitTimeout, int maxStreams, int maxPlayersPerStream) {
    this(chunkSize, gopCacheMaxBytes, gopCacheMaxDuration, queueMaxBytes, queueMaxDuration, maxBehind, flushInterval,
        playerWaitTimeout, republishWaitTimeout, maxStreams, maxPlayersPerStream, DEFAULT_MAX_WAITING_PLAYERS,
        DEFAULT_FLUSH_BYTES);
  }

  /** Settings with the default flush mode, busy delay and audio and video holds. */
  public LiveSettings(int chunkSize, long gopCacheMaxBytes, Duration gopCacheMaxDuration, long queueMaxBytes,
      Duration queueMaxDuration, Duration maxBehind, Duration flushInterval, Duration playerWaitTimeout,
      Duration republishWaitTimeout, int maxStreams, int maxPlayersPerStream, int maxWaitingPlayers, int flushBytes) {
    this(chunkSize, gopCacheMaxBytes, gopCacheMaxDuration, queueMaxBytes, queueMaxDuration, maxBehind, flushInterval,
        playerWaitTimeout, republishWaitTimeout, maxStreams, maxPlayersPerStream, maxWaitingPlayers, flushBytes,
        DEFAULTS.flushMode(), DEFAULTS.flushBusyDelay(), DEFAULTS.flushAudioHold(), DEFAULTS.flushVideoHold());
  }

  /** These settings with another flush mode. */
  public LiveSettings withFlushMode(FlushMode mode) {
    return new LiveSettings(chunkSize, gopCacheMaxBytes, gopCacheMaxDuration, queueMaxBytes, queueMaxDuration, maxBehind,
        flushInterval, playerWaitTimeout, republishWaitTimeout, maxStreams, maxPlayersPerStream, maxWaitingPlayers,
        flushBytes, mode, flushBusyDelay, flushAudioHold, flushVideoHold);
  }

  /** These settings with another audio hold ({@code live.subscriber.flushAudioHold}). */
  public LiveSettings withFlushAudioHold(Duration hold) {
    return new LiveSettings(chunkSize, gopCacheMaxBytes, gopCacheMaxDuration, queueMaxBytes, queueMaxDuration, maxBehind,
        flushInterval, playerWaitTimeout, republishWaitTimeout, maxStreams, maxPlayersPerStream, maxWaitingPlayers,
        flushBytes, flushMode, flushBusyDelay, hold, flushVideoHold);
  }

  /** These settings with another video hold ({@code live.subscriber.flushVideoHold}). */
  public LiveSettings withFlushVideoHold(Duration hold) {
    return new LiveSettings(chunkSize, gopCacheMaxBytes, gopCacheMaxDuration, queueMaxBytes, queueMaxDuration, maxBehind,
        flushInterval, playerWaitTimeout, republishWaitTimeout, maxStreams, maxPlayersPerStream, maxWaitingPlayers,
        flushBytes, flushMode, flushBusyDelay, flushAudioHold, hold);
  }

  /** The {@code live.*} settings and the node's chunk size ({@code rtmp.chunkSize}); the schema checked them. */
  public static LiveSettings from(CascadeConfig config) {
    return new LiveSettings(config.get(RTMP_CHUNK_SIZE), config.get(LIVE_GOP_CACHE_MAX_BYTES),
        config.get(LIVE_GOP_CACHE_MAX_DURATION), config.get(LIVE_SUBSCRIBER_MAX_QUEUE_BYTES),
        config.get(LIVE_SUBSCRIBER_MAX_QUEUE_DURATION), config.get(LIVE_SUBSCRIBER_MAX_BEHIND_DURATION),
        config.get(LIVE_SUBSCRIBER_FLUSH_INTERVAL), config.get(LIVE_PLAYER_WAIT_TIMEOUT),
        config.get(LIVE_REPUBLISH_WAIT_TIMEOUT), config.get(LIVE_MAX_STREAMS), config.get(LIVE_MAX_PLAYERS_PER_STREAM),
        config.get(LIVE_MAX_WAITING_PLAYERS), Math.toIntExact(config.get(LIVE_SUBSCRIBER_FLUSH_BYTES)),
        config.get(LIVE_SUBSCRIBER_FLUSH_MODE), config.get(LIVE_SUBSCRIBER_FLUSH_BUSY_DELAY),
        config.get(LIVE_SUBSCRIBER_FLUSH_AUDIO_HOLD), config.get(LIVE_SUBSCRIBER_FLUSH_VIDEO_HOLD));
  }

  /** Every value at the schema's default. */
  public static LiveSettings defaults() {
    return from(CascadeConfig.defaults());
  }
}
