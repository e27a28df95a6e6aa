package io.cascade.testing;

import java.time.Duration;
import org.assertj.core.api.SoftAssertions;

/** The checks every played stream must pass, reported together so one run shows all that went wrong. */
public final class PlaybackAssertions {
  /**
   * Share of the publisher's video frames a player must decode over the stream time it played.
   * The publisher's frames lie on an exact 30 fps grid, so the count expected over a span is known.
   */
  public static final double MIN_VIDEO_FRAME_SHARE = 0.90;
  /** Share of the played video span that decoded audio must cover. */
  public static final double MIN_AUDIO_SHARE = 0.90;
  /**
   * Longest step between decoded video frames of a live player that nothing disturbed: three frame
   * intervals of the 30 fps broadcaster (a player that lost nothing steps 1/30 s).
   */
  public static final double MAX_LIVE_VIDEO_GAP_SECONDS = 0.1;

  private PlaybackAssertions() {
  }

  /**
   * Asserts that a player told to read {@code played} of stream time decoded at least
   * {@value #MIN_VIDEO_FRAME_SHARE} of the video frames and, separately, of the audio frames the
   * broadcaster sent over that interval. The counts sent come from the broadcaster's fixed rates
   * ({@link PublishProfile#videoFramesIn}, {@link PublishProfile#audioFramesIn}), not from the
   * timestamps the player saw, so frames lost at either end of the interval count as lost.
   */
  public static void assertPublishedShare(PlayReport report, PublishProfile profile, Duration played) {
    long videoSent = PublishProfile.videoFramesIn(played);
    long audioSent = profile.audioFramesIn(played);
    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(report.videoFrames()).as("video frames decoded of %d sent in %d ms", videoSent, played.toMillis())
        .isGreaterThanOrEqualTo((int) Math.ceil(MIN_VIDEO_FRAME_SHARE * videoSent));
    softly.assertThat(report.audioFrames()).as("audio frames decoded of %d sent in %d ms", audioSent, played.toMillis())
        .isGreaterThanOrEqualTo((int) Math.ceil(MIN_AUDIO_SHARE * audioSent));
    if (!softly.errorsCollected().isEmpty()) {
      throw new AssertionError("playback of " + report.source() + " lost frames:\n"
          + softly.errorsCollected().stream().map(Throwable::getMessage).reduce((a, b) -> a + "\n" + b).orElse("")
          + "\n" + report.summary());
    }
  }

  /**
   * Asserts that a player decoded {@code profile}'s stream cleanly: exit code 0, no error lines,
   * codecs and picture size as published, a keyframe first, at least {@code minSpan} of video with
   * at least {@value #MIN_VIDEO_FRAME_SHARE} of the frames sent in that span, strictly increasing
   * video timestamps, and audio over that span.
   */
  public static void assertCleanPlayback(PlayReport report, PublishProfile profile, Duration minSpan) {
    SoftAssertions softly = new SoftAssertions();
    softly.assertThat(report.exitCode()).as("player exit code").isZero();
    softly.assertThat(report.errorLines()).as("player error lines").isEmpty();
    softly.assertThat(report.videoCodec()).as("video codec").isEqualTo(profile.videoCodec());
    softly.assertThat(report.width()).as("width").isEqualTo(PublishProfile.WIDTH);
    softly.assertThat(report.height()).as("height").isEqualTo(PublishProfile.HEIGHT);
    softly.assertThat(report.audioCodec()).as("audio codec").isEqualTo(profile.audioCodec());
    softly.assertThat(report.sampleRate()).as("audio sample rate").isEqualTo(PublishProfile.SAMPLE_RATE);
    softly.assertThat(report.firstVideoFrameIsKeyframe()).as("first decoded video frame is a keyframe").isTrue();
    softly.assertThat(report.videoSpanSeconds()).as("seconds of video decoded")
        .isGreaterThanOrEqualTo(minSpan.toMillis() / 1000.0);
    softly.assertThat(report.videoFrames()).as("video frames decoded of %d sent in the span played",
            report.expectedVideoFrames(PublishProfile.FPS))
        .isGreaterThanOrEqualTo((int) Math.ceil(MIN_VIDEO_FRAME_SHARE * report.expectedVideoFrames(PublishProfile.FPS)));
    softly.assertThat(report.videoTimestampProblem()).as("video timestamps strictly increase").isNull();
    softly.assertThat(report.audioFrames()).as("audio frames decoded").isPositive();
    softly.assertThat(report.audioSeconds()).as("seconds of audio decoded")
        .isGreaterThanOrEqualTo(MIN_AUDIO_SHARE * report.videoSpanSeconds());
    if (!softly.errorsCollected().isEmpty()) {
      throw new AssertionError("playback of " + report.source() + " failed:\n"
          + softly.errorsCollected().stream().map(Throwable::getMessage).reduce((a, b) -> a + "\n" + b).orElse("")
          + "\n" + report.summary() + "\n" + report.diagnostics());
    }
  }

  /**
   * {@link #assertCleanPlayback}, and no step between consecutive decoded video frames longer than
   * {@value #MAX_LIVE_VIDEO_GAP_SECONDS} s: a live player that kept playing while something else on
   * the node (its recording, an upload) failed.
   */
  public static void assertUndisturbedPlayback(PlayReport report, PublishProfile profile, Duration minSpan) {
    assertCleanPlayback(report, profile, minSpan);
    if (report.maxVideoGapSeconds() > MAX_LIVE_VIDEO_GAP_SECONDS) {
      throw new AssertionError(String.format("playback of %s has a gap of %.3f s between video frames (at most %.3f"
          + " s allowed)%n%s", report.source(), report.maxVideoGapSeconds(), MAX_LIVE_VIDEO_GAP_SECONDS,
          report.summary()));
    }
  }
}
