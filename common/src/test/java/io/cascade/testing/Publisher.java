package io.cascade.testing;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A running ffmpeg broadcaster. It reports its progress on stdout ({@code -progress pipe:1}), which
 * tells how many video frames it has sent so far; since ffmpeg opens (connects and publishes) its
 * output before encoding the first frame, a positive count means the publish was accepted.
 */
public final class Publisher implements AutoCloseable {
  private final PublishProfile profile;
  private final String target;
  private final Duration duration;
  private final Object progressLock = new Object();
  private final ToolProcess process;
  private int framesSent;
  private boolean ended;

  Publisher(PublishProfile profile, String target, Duration duration, List<String> command,
      Map<String, String> environment, Duration hardTimeout) {
    this.profile = profile;
    this.target = target;
    this.duration = duration;
    this.process = ToolProcess.start("ffmpeg-publish-" + profile, command, environment, hardTimeout,
        this::onProgressLine);
  }

  /** Handles one line of ffmpeg's {@code -progress} output ({@code key=value}). */
  private void onProgressLine(String line) {
    synchronized (progressLock) {
      if (line.startsWith("frame=")) {
        framesSent = Integer.parseInt(line.substring("frame=".length()).trim());
      } else if (line.equals("progress=end")) {
        ended = true;
      }
      progressLock.notifyAll();
    }
  }

  public PublishProfile profile() {
    return profile;
  }

  public String target() {
    return target;
  }

  public Duration duration() {
    return duration;
  }

  /** Video frames encoded and handed to the output so far. */
  public int framesSent() {
    synchronized (progressLock) {
      return framesSent;
    }
  }

  /**
   * Blocks until at least {@code frames} video frames have been sent.
   *
   * @throws AssertionError when that does not happen within {@code timeout} or ffmpeg exits first
   */
  public void awaitFramesSent(int frames, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (progressLock) {
      while (framesSent < frames) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || ended || !process.isAlive()) {
          throw new AssertionError("publisher sent " + framesSent + " of the " + frames
              + " frames awaited within " + timeout + "\n" + process.describe());
        }
        try {
          progressLock.wait(Math.max(1, Math.min(100, left / 1_000_000)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new AssertionError("interrupted while waiting for the publisher", e);
        }
      }
    }
  }

  /**
   * Waits for the publisher to finish its duration.
   *
   * @return ffmpeg's exit code: 0 when every frame was delivered and the connection closed cleanly
   */
  public int awaitExit() {
    return process.awaitExit();
  }

  /** Command and output of the publisher, for assertion messages. */
  public String describe() {
    return process.describe();
  }

  @Override
  public void close() {
    process.close();
  }
}
