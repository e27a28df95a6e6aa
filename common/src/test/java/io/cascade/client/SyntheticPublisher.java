package io.cascade.client;

import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * Publishes a {@link SyntheticMedia} stream in real time on a publishing {@link RtmpClient}, for
 * a bounded duration, from tasks scheduled on the client's event loop.
 *
 * <p>First metadata, the AVC and (with audio) AAC sequence headers at the start timestamp; then every frame
 * when its timestamp comes due on the publisher's clock, video and audio interleaved in timestamp
 * order, each stamped with its track sequence number and the wall-clock time it is written.
 * Timestamps start at 0, like an encoder's, also when a second publisher takes over a stream,
 * unless a start timestamp is given: then every timestamp is offset by it and wraps at 2^32 ms as
 * RTMP's 32-bit field does (an encoder that has run for 49.7 days, or one that starts its clock
 * anywhere), while metadata stays at 0 as encoders send it.
 *
 * <p>Backpressure: while the client is not writable no frame is written; the publisher polls every
 * millisecond and catches up, frames keeping their timestamps, once the socket drains. Frames
 * written more than {@link #LATE_MICROS} after they came due are counted as late.
 */
public final class SyntheticPublisher {
  /** How far behind its due time a frame may be written before it counts as late. */
  public static final long LATE_MICROS = 5_000;
  /** Frames written per task before yielding the event loop to other channels. */
  private static final int MAX_BURST = 64;
  private static final long POLL_MICROS = 1_000;
  private static final long UINT32_MASK = 0xFFFF_FFFFL;

  /** What a finished run sent. */
  public record Result(long videoFrames, long audioFrames, long payloadBytes, long lateFrames, long maxLateMicros,
      long elapsedMillis) {}

  private final RtmpClient client;
  private final SyntheticMedia.Profile profile;
  private final long durationMillis;
  private final long startTimestamp;
  private final EventLoop loop;
  private final CompletableFuture<Result> done = new CompletableFuture<>();
  private volatile long videoFrames;
  private volatile long audioFrames;
  private volatile boolean stopRequested;
  private long payloadBytes;
  private long lateFrames;
  private long maxLateMicros;
  private long startNanos;

  private SyntheticPublisher(RtmpClient client, SyntheticMedia.Profile profile, Duration duration, long startTimestamp,
      EventLoop loop) {
    this.client = client;
    this.profile = profile;
    this.durationMillis = duration.toMillis();
    this.startTimestamp = startTimestamp;
    this.loop = loop;
  }

  /**
   * Starts publishing on {@code client}, which must have completed {@link RtmpClient#publish}; runs
   * until {@code duration} of media has been sent, {@link #stop()} or the client fails.
   */
  public static SyntheticPublisher start(RtmpClient client, SyntheticMedia.Profile profile, Duration duration) {
    return start(client, profile, duration, 0);
  }

  /**
   * Like {@link #start(RtmpClient, SyntheticMedia.Profile, Duration)}, with the sequence headers
   * and the first frame at {@code startTimestamp} (ms, 0..2^32-1) and every later timestamp
   * counted on from it modulo 2^32.
   */
  public static SyntheticPublisher start(RtmpClient client, SyntheticMedia.Profile profile, Duration duration,
      long startTimestamp) {
    if (duration.isNegative() || duration.isZero()) {
      throw new IllegalArgumentException("duration must be positive: " + duration);
    }
    if (startTimestamp < 0 || startTimestamp > UINT32_MASK) {
      throw new IllegalArgumentException("start timestamp must be in 0..4294967295: " + startTimestamp);
    }
    EventLoop loop = client.eventLoop();
    if (loop == null) {
      throw new IllegalStateException("client is not connected");
    }
    SyntheticPublisher p = new SyntheticPublisher(client, profile, duration, startTimestamp, loop);
    p.run(p::begin);
    return p;
  }

  /** Completes when the run ends; fails if the client could not take a frame. */
  public CompletableFuture<Result> done() {
    return done;
  }

  /** Ends the run before its duration; {@link #done()} completes shortly after. */
  public CompletableFuture<Result> stop() {
    stopRequested = true;
    run(this::tick);
    return done;
  }

  public long videoFramesSent() {
    return videoFrames;
  }

  public long audioFramesSent() {
    return audioFrames;
  }

  private void begin() {
    client.sendMetadata(profile.metadata());
    client.sendMedia(MessageType.VIDEO, startTimestamp, SyntheticMedia.avcSequenceHeader(client.alloc()));
    if (profile.audio()) {
      client.sendMedia(MessageType.AUDIO, startTimestamp, SyntheticMedia.aacSequenceHeader(client.alloc()));
    }
    startNanos = System.nanoTime();
    tick();
  }

  private void tick() {
    if (done.isDone()) {
      return;
    }
    if (stopRequested) {
      finish();
      return;
    }
    for (int burst = 0; burst < MAX_BURST; burst++) {
      long videoDue = profile.videoTimestamp(videoFrames);
      long audioDue = profile.audio() ? profile.audioTimestamp(audioFrames) : Long.MAX_VALUE;
      boolean video = videoDue <= audioDue;
      long due = video ? videoDue : audioDue;
      if (due >= durationMillis) {
        finish();
        return;
      }
      long elapsedMicros = (System.nanoTime() - startNanos) / 1_000;
      long wait = due * 1_000 - elapsedMicros;
      if (wait > 0) {
        schedule(wait);
        return;
      }
      if (!client.isWritable()) {
        if (!client.isOpen()) {
          done.completeExceptionally(new IOException("publishing client closed after "
              + videoFrames + " video frames"));
          return;
        }
        schedule(POLL_MICROS);
        return;
      }
      long late = -wait;
      if (late > LATE_MICROS) {
        lateFrames++;
      }
      maxLateMicros = Math.max(maxLateMicros, late);
      ByteBuf payload;
      if (video) {
        long n = videoFrames;
        payload = SyntheticMedia.videoFrame(client.alloc(), profile.isKeyframe(n), n, SyntheticMedia.epochMicros(), profile.videoFrameSize(n));
        videoFrames = n + 1;
      } else {
        long k = audioFrames;
        payload = SyntheticMedia.audioFrame(client.alloc(), k, SyntheticMedia.epochMicros(), profile.audioFrameSize());
        audioFrames = k + 1;
      }
      payloadBytes += payload.readableBytes();
      client.sendMedia(video ? MessageType.VIDEO : MessageType.AUDIO, (startTimestamp + due) & UINT32_MASK, payload);
    }
    run(this::tick);
  }

  private void finish() {
    done.complete(new Result(videoFrames, audioFrames, payloadBytes, lateFrames, maxLateMicros,
        (System.nanoTime() - startNanos) / 1_000_000));
  }

  private void schedule(long micros) {
    try {
      loop.schedule(() -> guarded(this::tick), micros, TimeUnit.MICROSECONDS);
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(e);
    }
  }

  private void run(Runnable task) {
    try {
      loop.execute(() -> guarded(task));
    } catch (RejectedExecutionException e) {
      done.completeExceptionally(e);
    }
  }

  private void guarded(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      done.completeExceptionally(e);
    }
  }
}
