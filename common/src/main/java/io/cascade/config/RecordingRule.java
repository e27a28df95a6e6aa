package io.cascade.config;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * One item of {@code recording.rules}: which publishes a node records and how, written
 * {@code APP/STREAM[;segment=DURATION][;format=fmp4]}. {@code APP} and {@code STREAM} are globs
 * ({@code *} any run of characters, {@code ?} one character, anything else itself), e.g.
 * {@code live/*}, {@code events/cam-?;segment=4s}. Without {@code segment} the recording uses
 * {@code recording.segmentDuration}.
 *
 * @param segment shortest segment (one is cut at the first video keyframe past it), or empty for the default
 */
public record RecordingRule(String appGlob, String streamGlob, RecordingFormat format, Optional<Duration> segment) {
  private static final ValueType.DurationType SEGMENT = new ValueType.DurationType(Duration.ofSeconds(1),
      Duration.ofMinutes(10));

  /** The formats a recording can be written in. FLV files are not written yet. */
  public enum RecordingFormat {
    /** Fragmented MP4 (CMAF): an init segment and {@code .m4s} segments, with an HLS VOD playlist. */
    FMP4
  }

  public RecordingRule {
    glob(appGlob);
    glob(streamGlob);
  }

  /** Parses one rule; the exception's message says what is wrong. */
  public static RecordingRule parse(String text) {
    String[] fields = text.split(";", -1);
    String key = fields[0].trim();
    int slash = key.indexOf('/');
    if (slash <= 0 || slash == key.length() - 1 || key.indexOf('/', slash + 1) >= 0) {
      throw new IllegalArgumentException("'" + text + "' is not APP/STREAM[;segment=DURATION][;format=fmp4]");
    }
    RecordingFormat format = RecordingFormat.FMP4;
    Optional<Duration> segment = Optional.empty();
    for (int i = 1; i < fields.length; i++) {
      String field = fields[i].trim();
      int eq = field.indexOf('=');
      String name = eq < 0 ? field : field.substring(0, eq).trim();
      String value = eq < 0 ? "" : field.substring(eq + 1).trim();
      switch (name) {
        case "segment" -> segment = Optional.of(SEGMENT.parseText(value));
        case "format" -> format = switch (value.toLowerCase(Locale.ROOT)) {
          case "fmp4" -> RecordingFormat.FMP4;
          default -> throw new IllegalArgumentException("'" + text + "': format '" + value
              + "' is not supported (fmp4)");
        };
        default -> throw new IllegalArgumentException("'" + text + "': unknown field '" + name
            + "' (segment, format)");
      }
    }
    return new RecordingRule(key.substring(0, slash), key.substring(slash + 1), format, segment);
  }

  /** Whether a publish of {@code app}/{@code stream} is recorded by this rule. */
  public boolean matches(String app, String stream) {
    return globMatches(appGlob, app) && globMatches(streamGlob, stream);
  }

  /** The segment duration of recordings by this rule. */
  public Duration segmentOr(Duration fallback) {
    return segment.orElse(fallback);
  }

  private static void glob(String glob) {
    if (glob.isEmpty() || glob.chars().anyMatch(c -> Character.isWhitespace(c) || c == ',' || c == '/')) {
      throw new IllegalArgumentException("'" + glob + "' is not a glob of an app or stream name");
    }
  }

  static boolean globMatches(String glob, String name) {
    StringBuilder regex = new StringBuilder();
    for (char c : glob.toCharArray()) {
      switch (c) {
        case '*' -> regex.append(".*");
        case '?' -> regex.append('.');
        default -> regex.append(Pattern.quote(String.valueOf(c)));
      }
    }
    return Pattern.compile(regex.toString(), Pattern.DOTALL).matcher(name).matches();
  }

  @Override
  public String toString() {
    return appGlob + "/" + streamGlob + segment.map(d -> ";segment=" + d.toMillis() + "ms").orElse("")
        + ";format=" + format.name().toLowerCase(Locale.ROOT);
  }
}
