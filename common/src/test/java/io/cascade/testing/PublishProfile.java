package io.cascade.testing;

import java.time.Duration;
import java.util.List;

/**
 * What a test broadcaster sends: a 640x360 30 fps test pattern and a 48 kHz mono tone, with a
 * fixed 2 s GOP (scene-cut keyframes off) so keyframe positions are predictable. The encoder
 * presets are the fastest ones, in low-delay modes as a live encoder would run, so each keeps real
 * time on a 2-core machine with room to spare (SVT-AV1's rtc mode encodes about 7x real time).
 */
public enum PublishProfile {
  H264_AAC("h264", "aac", 1024, List.of(
      "-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency",
      "-g", "60", "-keyint_min", "60", "-sc_threshold", "0",
      "-c:a", "aac", "-b:a", "96k")),
  HEVC_OPUS("hevc", "opus", 960, List.of(
      "-c:v", "libx265", "-preset", "ultrafast",
      "-x265-params", "keyint=60:min-keyint=60:scenecut=0:log-level=error",
      "-c:a", "libopus", "-b:a", "64k")),
  AV1_AAC("av1", "aac", 1024, List.of(
      "-c:v", "libsvtav1", "-preset", "12", "-g", "60", "-svtav1-params", "rtc=1",
      "-c:a", "aac", "-b:a", "96k"));

  public static final int WIDTH = 640;
  public static final int HEIGHT = 360;
  public static final int FPS = 30;
  public static final int SAMPLE_RATE = 48_000;
  /** Keyframe interval in frames (2 s). */
  public static final int GOP_FRAMES = 60;

  private final String videoCodec;
  private final String audioCodec;
  private final int audioFrameSamples;
  private final List<String> encoderArgs;

  PublishProfile(String videoCodec, String audioCodec, int audioFrameSamples, List<String> encoderArgs) {
    this.videoCodec = videoCodec;
    this.audioCodec = audioCodec;
    this.audioFrameSamples = audioFrameSamples;
    this.encoderArgs = encoderArgs;
  }

  /** Samples per audio frame: AAC-LC codes 1024, libopus 20 ms (960 at 48 kHz) unless told otherwise. */
  public int audioFrameSamples() {
    return audioFrameSamples;
  }

  /** Video frames the broadcaster sends over {@code span} of stream time (an exact {@value #FPS} fps grid). */
  public static long videoFramesIn(Duration span) {
    return span.toMillis() * FPS / 1000;
  }

  /** Audio frames the broadcaster sends over {@code span} of stream time. */
  public long audioFramesIn(Duration span) {
    return span.toMillis() * SAMPLE_RATE / 1000 / audioFrameSamples;
  }

  /** Codec name as ffprobe reports it for the video stream. */
  public String videoCodec() {
    return videoCodec;
  }

  /** Codec name as ffprobe reports it for the audio stream. */
  public String audioCodec() {
    return audioCodec;
  }

  List<String> encoderArgs() {
    return encoderArgs;
  }
}
