package io.cascade.testing;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What a player decoded: stream parameters, per-medium frame counts and timestamps, and every
 * line the decoders logged at error level. Built from ffprobe's {@code -show_frames -show_streams
 * -of compact} output.
 */
public final class PlayReport {
  private final String source;
  private final int exitCode;
  private final Duration wallTime;
  private final List<String> errorLines;
  private final String diagnostics;
  private final Tally tally;

  PlayReport(String source, int exitCode, Duration wallTime, List<String> errorLines, String diagnostics, Tally tally) {
    this.source = source;
    this.exitCode = exitCode;
    this.wallTime = wallTime;
    this.errorLines = List.copyOf(errorLines);
    this.diagnostics = diagnostics;
    this.tally = tally;
  }

  /** The URL or file that was played. */
  public String source() {
    return source;
  }

  public int exitCode() {
    return exitCode;
  }

  /** How long the player ran, connection and stream analysis included. */
  public Duration wallTime() {
    return wallTime;
  }

  /** Lines the player printed at log level error: decoder and demuxer complaints. */
  public List<String> errorLines() {
    return errorLines;
  }

  /** Command and output of the player, for assertion messages. */
  public String diagnostics() {
    return diagnostics;
  }

  /** ffprobe's name of the video codec ({@code h264}, {@code hevc}, {@code av1}), or null without video. */
  public String videoCodec() {
    return tally.videoCodec;
  }

  public int width() {
    return tally.width;
  }

  public int height() {
    return tally.height;
  }

  /** ffprobe's name of the audio codec ({@code aac}, {@code opus}), or null without audio. */
  public String audioCodec() {
    return tally.audioCodec;
  }

  public int sampleRate() {
    return tally.sampleRate;
  }

  public int channels() {
    return tally.channels;
  }

  public int videoFrames() {
    return tally.videoFrames;
  }

  public int videoKeyframes() {
    return tally.videoKeyframes;
  }

  /** Whether the first decoded video frame was a keyframe (a clean start for a late joiner). */
  public boolean firstVideoFrameIsKeyframe() {
    return tally.firstVideoKeyframe;
  }

  /** Picture type of the first decoded video frame ({@code I}, {@code P}, ...), or null without video. */
  public String firstVideoPictureType() {
    return tally.firstVideoPictType;
  }

  /** Presentation time of the first decoded video frame in seconds, NaN without video. */
  public double firstVideoTime() {
    return tally.firstVideoTime;
  }

  public double lastVideoTime() {
    return tally.lastVideoTime;
  }

  /** Seconds of stream time between the first and the last decoded video frame. */
  public double videoSpanSeconds() {
    return tally.videoFrames == 0 ? 0 : tally.lastVideoTime - tally.firstVideoTime;
  }

  /** Frames a source at {@code fps} produced between the first and last decoded video frame, both included. */
  public int expectedVideoFrames(int fps) {
    return tally.videoFrames == 0 ? 0 : (int) Math.round(videoSpanSeconds() * fps) + 1;
  }

  /** Null when video presentation times strictly increase, else a description of the first violation. */
  public String videoTimestampProblem() {
    return tally.timestampProblem;
  }

  /**
   * The longest step between consecutive decoded video frames, in seconds of stream time (0 with
   * fewer than two frames): 1/30 s for a player that lost nothing of a 30 fps broadcaster, more
   * where frames were lost or the stream stalled and resumed with later timestamps.
   */
  public double maxVideoGapSeconds() {
    return tally.maxVideoGap;
  }

  public int audioFrames() {
    return tally.audioFrames;
  }

  public long audioSamples() {
    return tally.audioSamples;
  }

  /** Seconds of decoded audio. */
  public double audioSeconds() {
    return tally.sampleRate == 0 ? 0 : (double) tally.audioSamples / tally.sampleRate;
  }

  /** One line with the figures that matter, for logs and assertion messages. */
  public String summary() {
    return String.format("source=%s exit=%d wall=%dms video=%s %dx%d frames=%d keyframes=%d first=%s%s"
            + " span=%.3fs..%.3fs maxGap=%.3fs expectedAt30fps=%d audio=%s %dHz ch=%d frames=%d seconds=%.3f errors=%d",
        source, exitCode, wallTime.toMillis(), tally.videoCodec, tally.width, tally.height, tally.videoFrames,
        tally.videoKeyframes, tally.firstVideoPictType, tally.firstVideoKeyframe ? "(key)" : "(not key)",
        tally.firstVideoTime, tally.lastVideoTime, tally.maxVideoGap, expectedVideoFrames(PublishProfile.FPS), tally.audioCodec,
        tally.sampleRate, tally.channels, tally.audioFrames, audioSeconds(), errorLines.size());
  }

  @Override
  public String toString() {
    return summary();
  }

  /** Accumulates ffprobe compact lines as they stream in, so no per-frame list is kept. */
  static final class Tally {
    private String videoCodec;
    private int width;
    private int height;
    private String audioCodec;
    private int sampleRate;
    private int channels;
    private int videoFrames;
    private int videoKeyframes;
    private boolean firstVideoKeyframe;
    private String firstVideoPictType;
    private double firstVideoTime = Double.NaN;
    private double lastVideoTime = Double.NaN;
    private String timestampProblem;
    private double maxVideoGap;
    private int audioFrames;
    private long audioSamples;

    synchronized void accept(String line) {
      int bar = line.indexOf('|');
      if (bar < 0) {
        return;
      }
      String section = line.substring(0, bar);
      Map<String, String> fields = fields(line.substring(bar + 1));
      if (section.equals("frame")) {
        frame(fields);
      } else if (section.equals("stream")) {
        stream(fields);
      }
    }

    private void frame(Map<String, String> f) {
      String type = f.get("media_type");
      if ("video".equals(type)) {
        double time = seconds(f.get("best_effort_timestamp_time"));
        boolean key = "1".equals(f.get("key_frame"));
        if (videoFrames == 0) {
          firstVideoKeyframe = key;
          firstVideoPictType = f.get("pict_type");
          firstVideoTime = time;
        } else {
          if (timestampProblem == null && !(time > lastVideoTime)) {
            timestampProblem = "video frame " + videoFrames + " at " + time + " s follows one at " + lastVideoTime + " s";
          }
          if (time - lastVideoTime > maxVideoGap) {
            maxVideoGap = time - lastVideoTime;
          }
        }
        videoFrames++;
        if (key) {
          videoKeyframes++;
        }
        lastVideoTime = time;
      } else if ("audio".equals(type)) {
        audioFrames++;
        audioSamples += Long.parseLong(f.getOrDefault("nb_samples", "0"));
      }
    }

    private void stream(Map<String, String> f) {
      String type = f.get("codec_type");
      if ("video".equals(type)) {
        videoCodec = f.get("codec_name");
        width = Integer.parseInt(f.getOrDefault("width", "0"));
        height = Integer.parseInt(f.getOrDefault("height", "0"));
      } else if ("audio".equals(type)) {
        audioCodec = f.get("codec_name");
        sampleRate = Integer.parseInt(f.getOrDefault("sample_rate", "0"));
        channels = Integer.parseInt(f.getOrDefault("channels", "0"));
      }
    }

    private static double seconds(String value) {
      return value == null || value.equals("N/A") ? Double.NaN : Double.parseDouble(value);
    }

    /** Splits {@code key=value|key=value}; the fields read here never contain a separator. */
    private static Map<String, String> fields(String body) {
      Map<String, String> fields = new HashMap<>();
      for (String pair : body.split("\\|")) {
        int eq = pair.indexOf('=');
        if (eq > 0) {
          fields.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
      }
      return fields;
    }
  }
}
