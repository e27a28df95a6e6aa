package io.cascade.origin;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.testing.Await;
import io.cascade.testing.ConsoleBrowser;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.logging.LogEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console in a real browser (headless Debian chromium): ffmpeg publishes to an in-process
 * origin, the console served at {@code /} lists the stream, and choosing it plays it in the page
 * over HTTP-FLV (mpegts.js) or LL-HLS (hls.js, low-latency mode): the video element's decoded frames
 * and time advance, and over LL-HLS hls.js reports its latency. Screenshots go to target/console-it/.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ConsoleIT {
  private static final Logger log = LoggerFactory.getLogger(ConsoleIT.class);
  private static final Duration PUBLISH = Duration.ofSeconds(60);
  private static final Duration PUBLISH_START_LIMIT = Duration.ofSeconds(20);
  /** The console refreshes every 3 s; a stream shows up by the second refresh at the latest. */
  private static final Duration LISTED_WITHIN = Duration.ofSeconds(15);
  /** mpegts.js plays within a second here; the rest is slack for a loaded machine. */
  private static final Duration PLAYING_WITHIN = Duration.ofSeconds(15);
  /** LL-HLS starts at the first keyframe segment's parts after packaging begins; slack as above. */
  private static final Duration HLS_PLAYING_WITHIN = Duration.ofSeconds(25);
  /** Generous: part hold-back is 0.75 s here; this catches a player parked segments behind, not a benchmark. */
  private static final double HLS_LATENCY_BOUND_SECONDS = 10.0;
  private static final Path ARTIFACTS = Path.of("target", "console-it");

  private static Ffmpeg ffmpeg;
  private static OriginNode origin;
  private static ConsoleBrowser browser;

  @BeforeAll
  static void start(Vertx vertx) throws TimeoutException, IOException {
    ffmpeg = Ffmpeg.locate();
    origin = InProcessOrigin.start(vertx);
    browser = ConsoleBrowser.start(Duration.ofSeconds(30));
  }

  /** Each test judges only its own page's console messages, not those a previous test left behind. */
  @BeforeEach
  void forgetEarlierBrowserMessages() {
    browser.consoleLog();
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
  void consoleListsAPublishedStream() throws IOException {
    String url = InProcessOrigin.uniqueStreamUrl(origin, "console-list");
    String key = streamKey(url);
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, url, PUBLISH)) {
      publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
      browser.open(consoleUrl());
      Map<String, Object> listed = awaitStatus("stream " + key + " listed", LISTED_WITHIN,
          s -> ((List<?>) s.get("streams")).contains(key));
      // A standalone origin reports bytes in, not a rate: the page derives it from two refreshes.
      long refreshes = ((Number) listed.get("refreshes")).longValue();
      Map<String, Object> status = awaitStatus("a second refresh", LISTED_WITHIN,
          s -> ((Number) s.get("refreshes")).longValue() > refreshes);

      WebElement row = browser.driver().findElement(By.cssSelector("tr[data-key='" + key + "']"));
      assertThat(cell(row, "key")).isEqualTo(key);
      assertThat(cell(row, "owner")).isEqualTo(status.get("node")).isNotEmpty();
      assertThat(cell(row, "codecs")).as("codecs column").contains("+").doesNotContain("–");
      assertThat(cell(row, "uptime")).as("uptime column").matches("\\d+s|\\d+m \\d\\ds");
      assertThat(cell(row, "ingest")).as("ingest column").matches("[1-9]\\d* kbit/s|\\d+(\\.\\d)? Mbit/s");
      assertThat(row.findElement(By.cssSelector("button.play")).getAccessibleName()).isEqualTo("Play " + key);
      assertThat(status.get("refreshError")).isNull();
      browser.screenshot(ARTIFACTS.resolve("console-list.png"));
      assertNoBrowserErrors();
    }
  }

  @Test
  void choosingAStreamPlaysItOverHttpFlv() throws IOException {
    String url = InProcessOrigin.uniqueStreamUrl(origin, "console-play");
    String key = streamKey(url);
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, url, PUBLISH)) {
      publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
      browser.open(consoleUrl());
      awaitStatus("stream " + key + " listed", LISTED_WITHIN, s -> ((List<?>) s.get("streams")).contains(key));
      browser.driver().findElement(By.cssSelector("input[name='protocol'][value='flv']")).click();
      browser.driver().findElement(By.cssSelector("button[aria-label='Play " + key + "']")).click();

      awaitPlaybackAdvancing(key, "flv", PLAYING_WITHIN);

      // The API counts the page as a viewer on this node, and the list shows it.
      WebElement row = browser.driver().findElement(By.cssSelector("tr[data-key='" + key + "']"));
      awaitStatus("one viewer listed", LISTED_WITHIN, s -> cell(row, "viewers").startsWith("1"));
      assertThat(row.getAttribute("aria-current")).isEqualTo("true");
      browser.screenshot(ARTIFACTS.resolve("console-playing.png"));
      assertNoBrowserErrors();
    }
  }

  @Test
  void choosingLlHlsPlaysTheStreamWithHlsJs() throws IOException {
    String url = InProcessOrigin.uniqueStreamUrl(origin, "console-hls");
    String key = streamKey(url);
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, url, PUBLISH)) {
      publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
      browser.open(consoleUrl());
      awaitStatus("stream " + key + " listed", LISTED_WITHIN, s -> ((List<?>) s.get("streams")).contains(key));
      browser.driver().findElement(By.cssSelector("input[name='protocol'][value='hls']")).click();
      browser.driver().findElement(By.cssSelector("button[aria-label='Play " + key + "']")).click();

      // The node starts packaging on the first playlist request and hls.js waits for a segment's
      // keyframe (2 s GOP): a slower start than HTTP-FLV's.
      awaitPlaybackAdvancing(key, "hls", HLS_PLAYING_WITHIN);
      // hls.latency: the playhead's distance from the live edge as hls.js estimates it from the playlist.
      Map<String, Object> measured = player(awaitStatus("hls.js latency estimate", PLAYING_WITHIN,
          s -> playing(s) && player(s).get("latency") != null));
      double latency = number(measured, "latency");
      log.info("MEASURED console.llhls hls_latency_s={} buffered_s={} recovered_errors={} last_recovered={}"
          + " (H.264+AAC 30 fps, 250 ms parts, 2 s segments, headless chromium, hls.js light build, lowLatencyMode)",
          String.format("%.3f", latency), String.format("%.3f", number(measured, "bufferedSeconds")),
          measured.get("recoveredErrors"), measured.get("lastRecoveredError"));
      assertThat(latency).as("hls.latency (s)").isPositive().isLessThan(HLS_LATENCY_BOUND_SECONDS);
      assertThat(measured.get("error")).as("fatal hls.js error").isNull();
      assertThat(browser.driver().findElement(By.id("player-status")).getText()).isEqualTo("Playing over LL-HLS");
      assertThat(browser.driver().findElement(By.id("player-stats")).getText()).contains("s behind live");
      browser.screenshot(ARTIFACTS.resolve("console-playing-hls.png"));
      assertNoBrowserErrors();
    }
  }

  /**
   * Waits until the console plays {@code key} over {@code protocol} and, a second later, is still
   * decoding: one more second of frames (a few may be dropped) and of media time.
   */
  private static void awaitPlaybackAdvancing(String key, String protocol, Duration startLimit) {
    Map<String, Object> started = player(awaitStatus("playback of " + key + " over " + protocol, startLimit,
        s -> playing(s) && number(player(s), "totalVideoFrames") >= PublishProfile.FPS));
    Map<String, Object> later = player(awaitStatus("playback advancing", PLAYING_WITHIN, s -> {
      Map<String, Object> p = player(s);
      return playing(s) && number(p, "totalVideoFrames") >= number(started, "totalVideoFrames") + PublishProfile.FPS * 0.9
          && number(p, "currentTime") >= number(started, "currentTime") + 1.0;
    }));
    log.info("console playback over {} started={} later={}", protocol, started, later);
    assertThat(later.get("error")).as("player error").isNull();
    assertThat(later.get("state")).isEqualTo("playing");
    assertThat(later.get("protocol")).isEqualTo(protocol);
    assertThat(later.get("key")).isEqualTo(key);
    assertThat(number(later, "width")).isEqualTo(PublishProfile.WIDTH);
    assertThat(number(later, "height")).isEqualTo(PublishProfile.HEIGHT);
  }

  /** Whether the player is playing; a player error fails the test at once instead of at the deadline. */
  private static boolean playing(Map<String, Object> status) {
    Map<String, Object> player = player(status);
    if ("error".equals(player.get("state"))) {
      throw new AssertionError("console player failed: " + player.get("error") + "; status " + status);
    }
    return "playing".equals(player.get("state"));
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> player(Map<String, Object> status) {
    return (Map<String, Object>) status.get("player");
  }

  private static double number(Map<String, Object> values, String name) {
    return ((Number) values.get(name)).doubleValue();
  }

  /** Polls the page's status (io.cascade.testing.Await) until {@code done} holds; returns that status. */
  private static Map<String, Object> awaitStatus(String what, Duration limit, Predicate<Map<String, Object>> done) {
    AtomicReference<Map<String, Object>> last = new AtomicReference<>();
    Await.until(limit, "console: " + what, () -> {
      Map<String, Object> status = browser.consoleStatus();
      last.set(status);
      return status != null && done.test(status);
    }, () -> "last status " + last.get());
    return last.get();
  }

  private static void assertNoBrowserErrors() {
    List<LogEntry> errors = browser.consoleLog().stream()
        .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
        .toList();
    assertThat(errors).as("errors in the browser's console").isEmpty();
  }

  private static String cell(WebElement row, String name) {
    return row.findElement(By.className(name)).getText().trim();
  }

  private static String consoleUrl() {
    return "http://127.0.0.1:" + origin.httpPort() + "/";
  }

  /** rtmp://host:port/live/name → live/name */
  private static String streamKey(String rtmpUrl) {
    return URI.create(rtmpUrl).getPath().substring(1);
  }
}
