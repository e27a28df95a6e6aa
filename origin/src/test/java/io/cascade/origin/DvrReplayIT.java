package io.cascade.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.offset;

import io.cascade.config.CascadeConfig;
import io.cascade.config.ConfigLoader;
import io.cascade.testing.Await;
import io.cascade.testing.ConsoleBrowser;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rewind and replay in a real browser (headless Debian chromium, hls.js). With {@code
 * hls.dvrWindow} 30 s the console's LL-HLS player starts a stream at the live edge although the
 * playlist reaches 16 s and more behind it, plays frames 10 s back in the DVR window after a seek,
 * and plays at the edge again after a seek there. A finished recording's VOD playlist, served from
 * the recording's directory by a few lines of HTTP server in the test, plays in hls.js with its
 * recorded duration, and seeks within it play frames there and to its end.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DvrReplayIT {
  private static final Logger log = LoggerFactory.getLogger(DvrReplayIT.class);
  private static final Duration DVR_WINDOW = Duration.ofSeconds(30);
  private static final Duration PUBLISH_START_LIMIT = Duration.ofSeconds(20);
  /** The playlist's reach behind the live edge before the player starts: a start at its far end would show. */
  private static final double REACH_BEFORE_PLAY_SECONDS = 16;
  private static final double SEEK_BACK_SECONDS = 10;
  /** Behind live at the start and after returning: part hold-back is 0.75 s here; slack for a busy machine. */
  private static final double NEAR_LIVE_SECONDS = 6;
  private static final Duration PLAYING_WITHIN = Duration.ofSeconds(25);
  private static final Duration RECORD = Duration.ofSeconds(8);
  private static final String REPUBLISH_WAIT = "3s";
  /** hls.js's UMD light build as the console's npm ci installs it (the version the console pins). */
  private static final Path HLS_JS =
      Path.of("..", "common", "src", "main", "console", "node_modules", "hls.js", "dist", "hls.light.min.js");
  /** The video element's state; the page's own error list when it has one (the replay page). */
  private static final String VIDEO_STATE = """
      (() => {
        const v = document.querySelector('video');
        const s = v.seekable;
        return { t: v.currentTime, frames: v.getVideoPlaybackQuality().totalVideoFrames,
          start: s.length ? s.start(0) : -1, end: s.length ? s.end(s.length - 1) : -1,
          duration: v.duration, ended: v.ended, paused: v.paused,
          errors: window.replayErrors ? window.replayErrors.slice() : [] };
      })()""";

  @TempDir
  static Path root;

  private static Ffmpeg ffmpeg;
  private static OriginNode origin;
  private static ConsoleBrowser browser;
  private static HttpClient http;

  @BeforeAll
  static void start(Vertx vertx) throws TimeoutException, IOException {
    ffmpeg = Ffmpeg.locate();
    CascadeConfig config = ConfigLoader.load((Path) null, Map.of(), Map.ofEntries(
        Map.entry("rtmp.host", "127.0.0.1"), Map.entry("rtmp.port", 0),
        Map.entry("http.host", "127.0.0.1"), Map.entry("http.port", 0),
        Map.entry("hls.dvrWindow", DVR_WINDOW.toSeconds() + "s"),
        Map.entry("live.republishWaitTimeout", REPUBLISH_WAIT),
        Map.entry("recording.rules", "rec/*;segment=2s"),
        Map.entry("recording.root", root.resolve("recordings").toString()))).config();
    origin = OriginNode.start(vertx, config).await(30, TimeUnit.SECONDS);
    http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    browser = ConsoleBrowser.start(Duration.ofSeconds(30));
  }

  @AfterAll
  static void stop() throws TimeoutException {
    try {
      if (browser != null) {
        browser.close();
      }
    } finally {
      InProcessOrigin.stop(origin);
    }
  }

  @Test
  void hlsJsStartsAtTheLiveEdgeSeeksBackIntoTheDvrWindowAndReturnsToLive() throws Exception {
    String name = "dvr-" + UUID.randomUUID().toString().substring(0, 8);
    String key = "live/" + name;
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC,
        "rtmp://127.0.0.1:" + origin.rtmpPort() + "/" + key, Duration.ofSeconds(120))) {
      publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
      // Packaging starts on the first request and lasts while requests come: poll until the window reaches back.
      String media = "http://127.0.0.1:" + origin.httpPort() + "/" + key + "/media.m3u8";
      AtomicReference<String> playlist = new AtomicReference<>("");
      Await.until(Duration.ofSeconds(45), REACH_BEFORE_PLAY_SECONDS + " s of segments in " + media, () -> {
        playlist.set(get(media));
        return seconds(playlist.get()) >= REACH_BEFORE_PLAY_SECONDS;
      }, playlist::get);

      browser.consoleLog();
      browser.open("http://127.0.0.1:" + origin.httpPort() + "/");
      Await.until(Duration.ofSeconds(15), key + " listed", () -> {
        Map<String, Object> s = browser.consoleStatus();
        return s != null && ((List<?>) s.get("streams")).contains(key);
      });
      browser.driver().findElement(By.cssSelector("input[name='protocol'][value='hls']")).click();
      browser.driver().findElement(By.cssSelector("button[aria-label='Play " + key + "']")).click();

      Map<String, Object> started = awaitVideo("live playback", PLAYING_WITHIN,
          v -> number(v, "frames") >= PublishProfile.FPS && number(v, "t") > 0);
      log.info("dvr started {}", started);
      assertThat(number(started, "end") - number(started, "start")).as("seekable seconds")
          .isGreaterThanOrEqualTo(REACH_BEFORE_PLAY_SECONDS - 2);
      assertThat(behind(started)).as("seconds behind the live edge at the start").isLessThan(NEAR_LIVE_SECONDS);

      double target = number(started, "t") - SEEK_BACK_SECONDS;
      assertThat(target).as("seek target inside the seekable range").isGreaterThan(number(started, "start"));
      browser.eval("(() => { document.querySelector('video').currentTime = " + target + "; return true; })()");
      Map<String, Object> back = awaitVideo("playback " + SEEK_BACK_SECONDS + " s back", PLAYING_WITHIN,
          v -> number(v, "t") >= target + 2 && number(v, "frames") >= number(started, "frames") + 2 * PublishProfile.FPS);
      log.info("dvr seeked back to {} -> {}", target, back);
      assertThat(number(back, "t")).as("the playhead stayed in the DVR window").isLessThan(target + 6);
      assertThat(behind(back)).as("seconds behind the live edge after the seek back")
          .isGreaterThan(SEEK_BACK_SECONDS - 3);

      browser.eval("(() => { const v = document.querySelector('video');"
          + " v.currentTime = v.seekable.end(v.seekable.length - 1) - 2; return true; })()");
      Map<String, Object> returned = awaitVideo("playback near the live edge again", PLAYING_WITHIN,
          v -> behind(v) < NEAR_LIVE_SECONDS && number(v, "t") >= number(back, "t") + SEEK_BACK_SECONDS - 3);
      Map<String, Object> later = awaitVideo("live playback advancing", PLAYING_WITHIN,
          v -> number(v, "t") >= number(returned, "t") + 1
              && number(v, "frames") >= number(returned, "frames") + PublishProfile.FPS * 0.9);
      log.info("dvr returned to live {} later {}", returned, later);
      assertThat(behind(later)).isLessThan(NEAR_LIVE_SECONDS);
      Map<?, ?> player = (Map<?, ?>) browser.consoleStatus().get("player");
      assertThat(player.get("error")).as("fatal hls.js error").isNull();
      assertThat(player.get("state")).isEqualTo("playing");
      assertNoBrowserErrors();
    }
  }

  @Test
  void hlsJsPlaysAFinishedRecordingAndSeeksWithinIt(Vertx vertx) throws Exception {
    assertThat(HLS_JS).as("hls.js from the console's npm ci (build without -Dconsole.skip)").exists();
    String name = "replay-" + UUID.randomUUID().toString().substring(0, 8);
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC,
        "rtmp://127.0.0.1:" + origin.rtmpPort() + "/rec/" + name, RECORD)) {
      assertThat(publisher.awaitExit()).as("ffmpeg exit code\n%s", publisher.describe()).isZero();
    }
    Path streamDir = root.resolve("recordings").resolve("rec").resolve(name);
    Await.until(Duration.ofSeconds(20), "a VOD playlist under " + streamDir, () -> RecordingDirs.vodPlaylist(streamDir) != null);
    Path dir = RecordingDirs.vodPlaylist(streamDir).getParent();
    double recorded = seconds(Files.readString(dir.resolve("index.m3u8")));

    HttpServer server = vertx.createHttpServer().requestHandler(req -> serveReplay(req, dir))
        .listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    try {
      browser.consoleLog();
      browser.open("http://127.0.0.1:" + server.actualPort() + "/");
      Map<String, Object> playing = awaitVideo("the recording playing", PLAYING_WITHIN,
          v -> number(v, "t") >= 1 && number(v, "frames") >= PublishProfile.FPS);
      log.info("replay recorded={} s playing {}", recorded, playing);
      assertThat(number(playing, "duration")).as("media duration (s)").isCloseTo(recorded,
          offset(0.5));
      assertThat(number(playing, "t")).as("a recording starts at its beginning").isLessThan(recorded - 2);

      double forward = recorded - 3;
      browser.eval("(() => { document.querySelector('video').currentTime = " + forward + "; return true; })()");
      Map<String, Object> ended = awaitVideo("played from " + forward + " s to the end", PLAYING_WITHIN,
          v -> Boolean.TRUE.equals(v.get("ended")));
      assertThat(number(ended, "frames")).as("frames decoded to the end")
          .isGreaterThanOrEqualTo(number(playing, "frames") + 2 * PublishProfile.FPS);
      assertThat(number(ended, "t")).isCloseTo(recorded, offset(0.5));

      browser.eval("(() => { const v = document.querySelector('video'); v.currentTime = 1; v.play(); return true; })()");
      Map<String, Object> rewound = awaitVideo("playing again from 1 s", PLAYING_WITHIN,
          v -> !Boolean.TRUE.equals(v.get("ended")) && number(v, "t") >= 2
              && number(v, "frames") >= number(ended, "frames") + PublishProfile.FPS * 0.9);
      log.info("replay ended {} rewound {}", ended, rewound);
      assertThat(number(rewound, "t")).as("the playhead is back near the start").isLessThan(recorded - 2);
      assertThat((List<?>) rewound.get("errors")).as("fatal hls.js errors").isEmpty();
      assertNoBrowserErrors();
    } finally {
      server.close().await(10, TimeUnit.SECONDS);
    }
  }

  /**
   * The replay page, hls.js, and the recording's files by name from its directory: what a recordings
   * route of the node would serve, in a few lines and nothing more (no listing, no paths).
   */
  private static void serveReplay(HttpServerRequest req, Path dir) {
    String path = req.path();
    if (path.equals("/")) {
      req.response().putHeader("content-type", "text/html; charset=utf-8").end("""
          <!doctype html><html><head><meta charset="utf-8"><title>replay</title><link rel="icon" href="data:,">
          </head><body><video muted autoplay playsinline width="640" height="360"></video>
          <script src="/hls.js"></script><script>
          window.replayErrors = [];
          const hls = new Hls({ enableWorker: false });
          hls.on(Hls.Events.ERROR, (_e, d) => { if (d.fatal) window.replayErrors.push(d.type + ": " + d.details); });
          hls.attachMedia(document.querySelector("video"));
          hls.loadSource("/rec/index.m3u8");
          document.querySelector("video").play().catch(() => undefined);
          </script></body></html>
          """);
      return;
    }
    if (path.equals("/hls.js")) {
      req.response().putHeader("content-type", "text/javascript").sendFile(HLS_JS.toString());
      return;
    }
    String file = path.startsWith("/rec/") ? path.substring(5) : "";
    if (file.matches("[A-Za-z0-9_-]+\\.(m3u8|mp4|m4s)") && Files.isRegularFile(dir.resolve(file))) {
      req.response().putHeader("content-type", file.endsWith(".m3u8") ? "application/vnd.apple.mpegurl" : "video/mp4")
          .sendFile(dir.resolve(file).toString());
      return;
    }
    req.response().setStatusCode(404).end();
  }

  private static String get(String url) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 ? r.body() : "";
  }

  /** Summed EXTINF durations of a playlist. */
  private static double seconds(String playlist) {
    return playlist.lines().filter(l -> l.startsWith("#EXTINF:"))
        .mapToDouble(l -> Double.parseDouble(l.substring(8, l.indexOf(',')))).sum();
  }

  /** Polls the video element (io.cascade.testing.Await) until {@code done} holds; returns that state. */
  @SuppressWarnings("unchecked")
  private static Map<String, Object> awaitVideo(String what, Duration limit, Predicate<Map<String, Object>> done) {
    AtomicReference<Map<String, Object>> last = new AtomicReference<>();
    Await.until(limit, "video: " + what, () -> {
      Map<String, Object> v = (Map<String, Object>) browser.eval(VIDEO_STATE);
      last.set(v);
      if (!((List<?>) v.get("errors")).isEmpty()) {
        throw new AssertionError("hls.js failed: " + v.get("errors"));
      }
      return done.test(v);
    }, () -> "last state " + last.get() + (browser.consoleStatus() != null ? "; console " + browser.consoleStatus() : ""));
    return last.get();
  }

  /** Seconds from the playhead to the end of the seekable range (the live edge). */
  private static double behind(Map<String, Object> video) {
    return number(video, "end") - number(video, "t");
  }

  private static double number(Map<String, Object> values, String name) {
    return ((Number) values.get(name)).doubleValue();
  }

  private static void assertNoBrowserErrors() {
    assertThat(browser.consoleLog().stream().filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue()).toList())
        .as("errors in the browser's console").isEmpty();
  }
}
