package io.cascade.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ffmpeg and ffprobe 8 as real third-party RTMP clients: a broadcaster that publishes a test
 * pattern with a chosen codec pair, and a player that decodes a stream and reports what it got.
 *
 * <p>The binaries come from the {@code org.bytedeco:ffmpeg} artifact that the origin build unpacks
 * before its integration tests, into the directory named by the system property
 * {@value #DIR_PROPERTY}. They are a hard requirement: {@link #locate()} fails the test with the
 * reason when they are missing or do not run, never skips.
 */
public final class Ffmpeg {
  public static final String DIR_PROPERTY = "cascade.ffmpeg.dir";

  private static final Logger log = LoggerFactory.getLogger(Ffmpeg.class);
  private static final Duration VERSION_TIMEOUT = Duration.ofSeconds(30);
  /** Allowance beyond the media duration for start-up, connection and stream analysis. */
  private static final Duration START_SLACK = Duration.ofSeconds(30);
  /**
   * Extra H.264 options for {@link #publish(PublishProfile, String, Duration, List)}: constant
   * 8 Mbit/s video (x264 pads with filler data), about 1 MB a second whatever the picture, so a
   * segment of a few seconds is larger than S3's 5 MiB smallest part.
   */
  public static final List<String> CBR_8_MBIT = List.of("-b:v", "8M", "-minrate", "8M", "-maxrate", "8M",
      "-bufsize", "2M", "-x264-params", "nal-hrd=cbr");
  private static Ffmpeg located;

  private final Path ffmpeg;
  private final Path ffprobe;
  private final Map<String, String> environment;
  private final String version;

  private Ffmpeg(Path dir, String version) {
    this.ffmpeg = dir.resolve("ffmpeg");
    this.ffprobe = dir.resolve("ffprobe");
    this.environment = libraryEnvironment(dir);
    this.version = version;
  }

  /**
   * Finds the unpacked binaries, makes them executable and checks that both run.
   *
   * @throws AssertionError naming the missing piece when they cannot be used
   */
  public static synchronized Ffmpeg locate() {
    if (located == null) {
      located = verify(directory());
      log.info("ffmpeg ready version=\"{}\" dir={}", located.version, located.ffmpeg.getParent());
    }
    return located;
  }

  private static Path directory() {
    String property = System.getProperty(DIR_PROPERTY);
    if (property == null || property.isBlank()) {
      throw new AssertionError("System property " + DIR_PROPERTY + " is not set. ffmpeg/ffprobe 8 are required by"
          + " the integration tests: run them through Maven (./mvnw verify), whose origin build unpacks"
          + " org.bytedeco:ffmpeg into origin/target/ffmpeg and passes this property to failsafe.");
    }
    Path dir = Path.of(property);
    for (String tool : List.of("ffmpeg", "ffprobe")) {
      Path binary = dir.resolve(tool);
      if (!Files.isRegularFile(binary)) {
        throw new AssertionError(tool + " not found at " + binary + " (" + DIR_PROPERTY + "=" + property
            + "); the origin build's pre-integration-test phase unpacks it there.");
      }
      // The jar does not keep file modes, so the unpacked binaries are not executable yet.
      if (!binary.toFile().canExecute() && !binary.toFile().setExecutable(true)) {
        throw new AssertionError("cannot make " + binary + " executable");
      }
    }
    return dir;
  }

  private static Ffmpeg verify(Path dir) {
    Map<String, String> env = libraryEnvironment(dir);
    runVersion(dir, "ffprobe", env);
    return new Ffmpeg(dir, runVersion(dir, "ffmpeg", env));
  }

  /** Runs {@code tool -version} and returns the first line it printed. */
  private static String runVersion(Path dir, String tool, Map<String, String> env) {
    AtomicReference<String> firstLine = new AtomicReference<>();
    try (ToolProcess probe = ToolProcess.start(tool + "-version", List.of(dir.resolve(tool).toString(), "-version"),
        env, VERSION_TIMEOUT, line -> firstLine.compareAndSet(null, line))) {
      int exit = probe.awaitExit();
      if (exit != 0) {
        throw new AssertionError(tool + " does not run (exit " + exit + "). A missing shared library such as"
            + " libpulse.so.0 means the Debian package libpulse0 must be installed.\n" + probe.describe());
      }
    }
    return firstLine.get();
  }

  private static Map<String, String> libraryEnvironment(Path dir) {
    String inherited = System.getenv("LD_LIBRARY_PATH");
    return Map.of("LD_LIBRARY_PATH", inherited == null || inherited.isEmpty() ? dir.toString() : dir + ":" + inherited);
  }

  /** The first line of {@code ffmpeg -version}. */
  public String version() {
    return version;
  }

  /**
   * Starts broadcasting {@code profile} in real time ({@code -re}) for {@code duration}, as FLV to
   * {@code target}: an {@code rtmp://} URL or a file path. ffmpeg lets about the first 0.5 s of
   * stream through at once and then paces at 30 fps.
   */
  public Publisher publish(PublishProfile profile, String target, Duration duration) {
    return publish(profile, target, duration, List.of());
  }

  /**
   * As {@link #publish(PublishProfile, String, Duration)}, with {@code encoderArgs} after the
   * profile's own (a later option wins), e.g. {@link #CBR_8_MBIT} for large segments.
   */
  public Publisher publish(PublishProfile profile, String target, Duration duration, List<String> encoderArgs) {
    List<String> command = new ArrayList<>(List.of(ffmpeg.toString(), "-hide_banner", "-nostdin",
        "-loglevel", "warning", "-nostats", "-progress", "pipe:1", "-stats_period", "0.2"));
    command.addAll(testSource(profile, duration, true));
    command.addAll(encoderArgs);
    // Send each packet as it is muxed, and do not try to rewrite the FLV header at the end.
    command.addAll(List.of("-flush_packets", "1", "-flvflags", "no_duration_filesize", "-f", "flv", "-y", target));
    log.info("publish start profile={} target={} duration={}", profile, target, duration);
    Map<String, String> publishEnvironment = new HashMap<>(environment);
    // SVT-AV1 prints its whole configuration on stderr unless told to keep to warnings.
    publishEnvironment.put("SVT_LOG", "2");
    return new Publisher(profile, target, duration, command, publishEnvironment, duration.plus(START_SLACK));
  }

  /** The test pattern and tone of {@code profile}, {@code duration} long, encoded by its encoder arguments. */
  private static List<String> testSource(PublishProfile profile, Duration duration, boolean realTime) {
    List<String> args = new ArrayList<>();
    if (realTime) {
      args.add("-re");
    }
    args.addAll(List.of("-f", "lavfi", "-i", String.format(Locale.ROOT, "testsrc2=size=%dx%d:rate=%d",
        PublishProfile.WIDTH, PublishProfile.HEIGHT, PublishProfile.FPS)));
    if (realTime) {
      args.add("-re");
    }
    args.addAll(List.of("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=" + PublishProfile.SAMPLE_RATE,
        "-map", "0:v", "-map", "1:a", "-t", seconds(duration), "-pix_fmt", "yuv420p"));
    args.addAll(profile.encoderArgs());
    return args;
  }

  /**
   * Encodes {@code duration} of {@code profile}'s test pattern and tone to the FLV file
   * {@code target} as fast as it can, for {@link #publishFile}. Returns when the file is complete.
   */
  public void encodeProfile(PublishProfile profile, Duration duration, Path target) {
    List<String> command = new ArrayList<>(List.of(ffmpeg.toString(), "-hide_banner", "-nostdin",
        "-loglevel", "warning"));
    command.addAll(testSource(profile, duration, false));
    command.addAll(List.of("-f", "flv", "-y", target.toString()));
    encode(command, duration.plus(START_SLACK), target);
  }

  /** Runs the encoding {@code command} to its end (within {@code limit}); fails unless it wrote {@code target}. */
  private void encode(List<String> command, Duration limit, Path target) {
    Map<String, String> encodeEnvironment = new HashMap<>(environment);
    encodeEnvironment.put("SVT_LOG", "2");
    try (ToolProcess encode = ToolProcess.start("ffmpeg-encode", command, encodeEnvironment, limit, line -> { })) {
      int exit = encode.awaitExit();
      if (exit != 0) {
        throw new AssertionError("ffmpeg could not encode " + target + " (exit " + exit + ")\n" + encode.describe());
      }
    }
  }

  /**
   * Broadcasts the FLV file {@code source} (made by {@link #encodeProfile} with {@code profile}) in
   * real time to {@code target}, packets copied as they are: no encoder shares the machine with
   * what is measured, so the packets leave at the pace of their timestamps.
   */
  public Publisher publishFile(PublishProfile profile, Path source, String target, Duration duration) {
    List<String> command = new ArrayList<>(List.of(ffmpeg.toString(), "-hide_banner", "-nostdin",
        "-loglevel", "warning", "-nostats", "-progress", "pipe:1", "-stats_period", "0.2",
        "-re", "-i", source.toString(), "-t", seconds(duration), "-c", "copy",
        "-flush_packets", "1", "-flvflags", "no_duration_filesize", "-f", "flv", "-y", target));
    log.info("publish start file={} target={} duration={}", source, target, duration);
    return new Publisher(profile, target, duration, command, environment, duration.plus(START_SLACK));
  }

  /**
   * Encodes {@code duration} of a test pattern at {@code width}x{@code height} and
   * {@value PublishProfile#FPS} fps to the FLV file {@code target} as fast as it can: H.264 with a
   * keyframe every second exactly (so files of different sizes have aligned GOPs, as an encoder's
   * multitrack output has), and AAC when {@code audio}. Returns when the file is complete.
   */
  public void encodeFlv(int width, int height, boolean audio, Duration duration, Path target) {
    List<String> command = new ArrayList<>(List.of(ffmpeg.toString(), "-hide_banner", "-nostdin",
        "-loglevel", "warning", "-f", "lavfi", "-i", String.format(Locale.ROOT, "testsrc2=size=%dx%d:rate=%d",
            width, height, PublishProfile.FPS)));
    if (audio) {
      command.addAll(List.of("-f", "lavfi", "-i", "sine=frequency=440:sample_rate=" + PublishProfile.SAMPLE_RATE,
          "-map", "0:v", "-map", "1:a", "-c:a", "aac", "-b:a", "96k"));
    }
    command.addAll(List.of("-t", seconds(duration), "-pix_fmt", "yuv420p", "-c:v", "libx264", "-preset", "veryfast",
        "-g", String.valueOf(PublishProfile.FPS), "-keyint_min", String.valueOf(PublishProfile.FPS),
        "-sc_threshold", "0", "-f", "flv", "-y", target.toString()));
    encode(command, START_SLACK, target);
  }

  /**
   * Starts a player that decodes {@code mediaDuration} of stream time from its first packet on.
   * It stops on its own when that much was read; on a stalled stream it is killed after
   * {@code mediaDuration} plus a start-up allowance and {@link Playback#await()} fails.
   */
  public Playback play(String url, Duration mediaDuration) {
    return startProbe(url, List.of("-read_intervals", "%+" + seconds(mediaDuration)),
        mediaDuration.plus(START_SLACK));
  }

  /** Decodes every frame of a media file, such as one a dumping client wrote. */
  public PlayReport probeFile(Path file) {
    try (Playback playback = startProbe(file.toString(), List.of(), START_SLACK)) {
      return playback.await();
    }
  }

  /** Decodes every frame {@code url} (a VOD playlist over HTTP, say) has, to its end. */
  public PlayReport probeUrl(String url) {
    try (Playback playback = startProbe(url, List.of(), START_SLACK)) {
      return playback.await();
    }
  }

  private Playback startProbe(String source, List<String> readArgs, Duration hardTimeout) {
    List<String> command = new ArrayList<>(List.of(ffprobe.toString(), "-hide_banner", "-loglevel", "error"));
    command.addAll(readArgs);
    command.addAll(List.of("-show_frames", "-show_streams",
        "-show_entries", "frame=media_type,key_frame,pict_type,best_effort_timestamp_time,nb_samples"
            + ":stream=codec_type,codec_name,width,height,sample_rate,channels",
        "-of", "compact", source));
    return new Playback(source, command, environment, hardTimeout);
  }

  private static String seconds(Duration duration) {
    return String.format(Locale.ROOT, "%.3f", duration.toMillis() / 1000.0);
  }
}
