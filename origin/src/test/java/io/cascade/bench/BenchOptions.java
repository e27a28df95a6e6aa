package io.cascade.bench;

import io.cascade.client.RtmpUrl;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;

/**
 * Command line of {@link FanoutBench}.
 *
 * @param url the stream to publish and play; null starts an in-process origin
 * @param publishUrl where to publish instead, e.g. an origin while players use an edge; null: {@code url}
 * @param players players to open
 * @param bitrateKbps video bitrate of the synthetic stream
 * @param fps video frames per second
 * @param gopSeconds keyframe interval
 * @param audio whether a 128 kbit/s AAC track runs beside the video
 * @param durationSeconds measured time, after all players have been started
 * @param ramp players started per second, 0 for all at once
 * @param slowPlayers how many of the players read slowly
 * @param slowReadPercent the share of the stream bitrate a slow player reads at most
 * @param eventLoops threads of the bench's own Netty group
 * @param json where to write the JSON report, or null
 * @param verbose keep the origin's per-connection log lines
 * @param steps player counts to step through (ascending), each measured for {@code durationSeconds};
 *     the run stops at the first step that misses the bounds. One step of {@code players} by default
 * @param maxLagMs lag p99 a step may reach and still pass
 * @param watch processes whose CPU time and RSS are read from /proc, by name
 * @param slowReceiveBuffer SO_RCVBUF of slow players, 0 for the OS default
 * @param prime open one unmeasured player during the warm-up, so the first measured one finds a
 *     warm server (an edge already pulling the stream)
 * @param probePlayers players that join one by one after the last window, while the others keep
 *     playing: time to first frame on a warm, loaded server, apart from the arrival burst
 * @param protocol what the players speak; the publisher always uses RTMP
 * @param httpPort the HTTP port of the server under {@code url}, for HTTP-FLV players; 0 when
 *     unknown (an in-process origin tells its own)
 * @param hlsHttp2 HLS viewers speak HTTP/2 (h2c, prior knowledge); else HTTP/1.1
 * @param hlsPath the playlist HLS viewers open, null for the node's {@code /{app}/{stream}/index.m3u8}
 */
record BenchOptions(RtmpUrl url, RtmpUrl publishUrl, int players, int bitrateKbps, int fps, double gopSeconds, boolean audio,
    int durationSeconds, double ramp, int slowPlayers, int slowReadPercent, int eventLoops, Path json, boolean verbose,
    List<Integer> steps, double maxLagMs, Map<String, List<Long>> watch, int slowReceiveBuffer, boolean prime,
    int probePlayers, Protocol protocol, int httpPort, boolean hlsHttp2, String hlsPath) {

  /** The players' protocol. */
  enum Protocol {
    RTMP("rtmp"), HTTP_FLV("http-flv"),
    /** Even players RTMP, odd ones HTTP-FLV, on the same client loops: lag compared under one load. */
    MIXED("mixed"),
    /** LL-HLS (or plain HLS) viewers that load like hls.js ({@link HlsPlayerLink}). */
    HLS("hls");

    final String option;

    Protocol(String option) {
      this.option = option;
    }

    static Protocol of(String value) {
      for (Protocol p : values()) {
        if (p.option.equals(value)) {
          return p;
        }
      }
      throw new IllegalArgumentException("--protocol needs rtmp, http-flv, mixed or hls: " + value);
    }
  }

  /** Probe players join at this rate. */
  static final double PROBE_RATE = 10;

  static final int MAX_PLAYERS = 20_000;
  static final int MAX_STEPS = 20;

  static final String USAGE = """
      FanoutBench: one synthetic publisher, N players, lag / time-to-first-frame / gaps / throughput.
        --url rtmp://127.0.0.1:1935/live/key   target server (loopback only); default: in-process origin
        --publish-url URL      publish here instead (e.g. an origin, players on an edge via --url)
        --players N            players (default 100, max 20000)
        --bitrate-kbps K       video bitrate (default 2000)
        --fps F                frames per second (default 30)
        --gop-seconds S        keyframe interval (default 2)
        --audio on|off         128 kbit/s AAC track (default on)
        --duration-seconds D   measured time after the ramp (default 30, max 3600)
        --ramp R               players started per second, 0 = all at once (default 50)
        --slow-players K       players that read slower than the stream (default 0)
        --slow-read-percent P  a slow player reads at most P % of the stream bitrate (default 50)
        --event-loops L        bench client threads (default: available processors)
        --json FILE            also write the report as JSON
        --verbose              keep the origin's per-connection log lines
        --steps N1,N2,...      step the player count up (ascending, at most 20 steps), measuring each
                               for --duration-seconds; stops at the first step whose lag p99 exceeds
                               --max-lag-ms or with a failed or closed player or under 95 % of the
                               expected throughput, and reports the largest passing count
        --max-lag-ms M         lag p99 bound of a step (default 500)
        --watch NAME=PID[+PID] sample CPU time and RSS of a process from /proc (repeatable; the
                               machine's busy CPU from /proc/stat is always sampled)
        --slow-rcvbuf BYTES    SO_RCVBUF of slow players (default 0: the OS's)
        --prime on|off         one unmeasured player joins during the warm-up (default off)
        --probe-players N      after the last window N more players join at 10/s while the others
                               keep playing; their TTFF is reported apart (default 0, max 1000)
        --protocol rtmp|http-flv|mixed  what the players speak (default rtmp): HTTP-FLV players GET
                               http://HOST:HTTP_PORT/APP/STREAM.flv of --url; publishing stays RTMP;
                               mixed: even players RTMP, odd ones HTTP-FLV, lag reported per protocol
        --http-port P          HTTP port of the --url server (needed with --url and http-flv)
        --protocol hls         HLS viewers that load like hls.js: LL-HLS (blocking reload + preload-hinted
                               part) from http://HOST:HTTP_PORT/APP/STREAM/index.m3u8, or plain HLS
                               polling when the playlist has no parts; lag per frame found in the media
        --hls-http 2|1.1       HLS viewers' HTTP version (default 2: h2c prior knowledge, one
                               connection per viewer; 1.1: two connections per viewer)
        --hls-path PATH        the playlist HLS viewers open instead (e.g. /hls/bench.m3u8 of nginx-rtmp)
      """;

  static BenchOptions parse(String[] args) {
    RtmpUrl url = null;
    RtmpUrl publishUrl = null;
    int players = 100;
    int bitrate = 2000;
    int fps = 30;
    double gop = 2;
    boolean audio = true;
    int duration = 30;
    double ramp = 50;
    int slow = 0;
    int slowPercent = 50;
    int loops = Runtime.getRuntime().availableProcessors();
    Path json = null;
    boolean verbose = false;
    List<Integer> steps = null;
    double maxLag = 500;
    List<String> watch = new ArrayList<>();
    int slowRcvbuf = 0;
    boolean prime = false;
    int probes = 0;
    Protocol protocol = Protocol.RTMP;
    int httpPort = 0;
    boolean hlsHttp2 = true;
    String hlsPath = null;
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      if (name.equals("--verbose")) {
        verbose = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + name);
      }
      String value = args[++i];
      switch (name) {
        case "--url" -> url = RtmpUrl.parse(value);
        case "--publish-url" -> publishUrl = RtmpUrl.parse(value);
        case "--players" -> players = intIn(name, value, n -> n >= 1 && n <= MAX_PLAYERS);
        case "--steps" -> steps = steps(value);
        case "--max-lag-ms" -> maxLag = doubleIn(name, value, 1, 60_000);
        case "--watch" -> watch.add(value);
        case "--slow-rcvbuf" -> slowRcvbuf = intIn(name, value, n -> n >= 0 && n <= 64 << 20);
        case "--prime" -> prime = onOff(name, value);
        case "--probe-players" -> probes = intIn(name, value, n -> n >= 0 && n <= 1000);
        case "--bitrate-kbps" -> bitrate = intIn(name, value, n -> n >= 1 && n <= 100_000);
        case "--fps" -> fps = intIn(name, value, n -> n >= 1 && n <= 240);
        case "--gop-seconds" -> gop = doubleIn(name, value, 0.01, 60);
        case "--audio" -> audio = onOff(name, value);
        case "--duration-seconds" -> duration = intIn(name, value, n -> n >= 1 && n <= 3600);
        case "--ramp" -> ramp = doubleIn(name, value, 0, 100_000);
        case "--slow-players" -> slow = intIn(name, value, n -> n >= 0);
        case "--slow-read-percent" -> slowPercent = intIn(name, value, n -> n >= 1 && n <= 1000);
        case "--event-loops" -> loops = intIn(name, value, n -> n >= 1 && n <= 256);
        case "--json" -> json = Path.of(value);
        case "--protocol" -> protocol = Protocol.of(value);
        case "--hls-http" -> hlsHttp2 = switch (value) {
          case "2" -> true;
          case "1.1" -> false;
          default -> throw new IllegalArgumentException("--hls-http needs 2 or 1.1: " + value);
        };
        case "--hls-path" -> hlsPath = value.startsWith("/") ? value : "/" + value;
        case "--http-port" -> httpPort = intIn(name, value, n -> n >= 1 && n <= 65535);
        default -> throw new IllegalArgumentException("unknown option " + name);
      }
    }
    if (steps == null) {
      steps = List.of(players);
    } else {
      players = steps.get(steps.size() - 1);
    }
    if (slow > players) {
      throw new IllegalArgumentException("--slow-players " + slow + " exceeds --players " + players);
    }
    if (url != null && url.stream().isEmpty()) {
      throw new IllegalArgumentException("--url needs a stream name: rtmp://host:port/app/stream");
    }
    if (publishUrl != null && url == null) {
      throw new IllegalArgumentException("--publish-url needs --url for the players");
    }
    if (protocol != Protocol.RTMP && url != null && httpPort == 0) {
      throw new IllegalArgumentException("--protocol " + protocol.option + " with --url needs --http-port");
    }
    if (protocol == Protocol.HLS && slow > 0) {
      throw new IllegalArgumentException("--slow-players is not supported with --protocol hls");
    }
    return new BenchOptions(url, publishUrl, players, bitrate, fps, gop, audio, duration, ramp, slow, slowPercent, loops, json,
        verbose, steps, maxLag, ProcSampler.parseWatch(watch), slowRcvbuf, prime, probes, protocol, httpPort, hlsHttp2,
        hlsPath);
  }

  boolean stepping() {
    return steps.size() > 1;
  }

  private static List<Integer> steps(String value) {
    List<Integer> out = new ArrayList<>();
    for (String v : value.split(",")) {
      int n = intIn("--steps", v.trim(), c -> c >= 1 && c <= MAX_PLAYERS);
      if (!out.isEmpty() && n <= out.get(out.size() - 1)) {
        throw new IllegalArgumentException("--steps must be ascending: " + value);
      }
      out.add(n);
    }
    if (out.isEmpty() || out.size() > MAX_STEPS) {
      throw new IllegalArgumentException("--steps takes 1.." + MAX_STEPS + " counts: " + value);
    }
    return List.copyOf(out);
  }

  /** Seconds the ramp takes to start every player of every step. */
  double rampSeconds() {
    return ramp <= 0 ? 0 : players / ramp;
  }

  /** Whether player {@code i} is one of the slow ones; they are spread evenly over the ramp. */
  boolean isSlow(int i) {
    if (slowPlayers == 0) {
      return false;
    }
    return (long) i * slowPlayers / players != (long) (i + 1) * slowPlayers / players;
  }

  private static int intIn(String name, String value, IntPredicate valid) {
    int n;
    try {
      n = Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " needs an integer: " + value);
    }
    if (!valid.test(n)) {
      throw new IllegalArgumentException(name + " out of range: " + value);
    }
    return n;
  }

  private static double doubleIn(String name, String value, double min, double max) {
    double d;
    try {
      d = Double.parseDouble(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " needs a number: " + value);
    }
    if (!(d >= min && d <= max)) {
      throw new IllegalArgumentException(name + " must be in " + min + ".." + max + ": " + value);
    }
    return d;
  }

  private static boolean onOff(String name, String value) {
    return switch (value) {
      case "on", "true", "yes" -> true;
      case "off", "false", "no" -> false;
      default -> throw new IllegalArgumentException(name + " needs on or off: " + value);
    };
  }
}
