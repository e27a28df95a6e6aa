package io.cascade.origin;

import static io.cascade.testing.PlaybackAssertions.assertCleanPlayback;
import static io.cascade.testing.PlaybackAssertions.assertPublishedShare;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.auth.SignedKey;
import io.cascade.config.ConfigLoader;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.Playback;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * LL-HLS on an in-process origin: ffmpeg publishes over RTMP, ffprobe plays
 * {@code http://.../live/x/index.m3u8} through ffmpeg's HLS demuxer (fMP4 segments), a blocking
 * reload is answered when its part arrives, and bad or unauthorised requests get their status.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HlsIT {
  private static final Logger log = LoggerFactory.getLogger(HlsIT.class);
  private static final Duration PUBLISH = Duration.ofSeconds(16);
  private static final Duration PLAY = Duration.ofSeconds(5);
  private static final Duration MIN_SPAN = PLAY.minusMillis(500);
  private static final Duration PUBLISH_START_LIMIT = Duration.ofSeconds(20);
  private static final String SECRET = "hls-it-secret-7Qw2";

  private static Ffmpeg ffmpeg;
  private static OriginNode origin;
  private static HttpClient http;

  @BeforeAll
  static void startOrigin(Vertx vertx) throws TimeoutException {
    ffmpeg = Ffmpeg.locate();
    origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), Map.ofEntries(
        Map.entry("rtmp.host", "127.0.0.1"), Map.entry("rtmp.port", 0),
        Map.entry("http.host", "127.0.0.1"), Map.entry("http.port", 0),
        Map.entry("live.playerWaitTimeout", "2s"),
        Map.entry("auth.play.apps", "secure"),
        Map.entry("auth.play.secrets", SECRET))).config())
        .await(30, TimeUnit.SECONDS);
    http = vertx.createHttpClient();
  }

  @AfterAll
  static void stopOrigin() throws TimeoutException {
    InProcessOrigin.stop(origin);
  }

  private static String unique(String label) {
    return label + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String rtmpUrl(String name) {
    return "rtmp://127.0.0.1:" + origin.rtmpPort() + "/live/" + name;
  }

  private static String base() {
    return "http://127.0.0.1:" + origin.httpPort();
  }

  @ParameterizedTest
  @EnumSource(value = PublishProfile.class, names = {"H264_AAC", "HEVC_OPUS"})
  void ffmpegsHlsDemuxerDecodesThePublishedFrames(PublishProfile profile) throws TimeoutException {
    String name = unique(profile.name().toLowerCase(Locale.ROOT));
    try (Publisher publisher = ffmpeg.publish(profile, rtmpUrl(name), PUBLISH)) {
      publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
      Reply mv = get("/live/" + name + "/index.m3u8");
      assertThat(mv.statusCode()).isEqualTo(200);
      String multivariant = mv.text();
      log.info("multivariant playlist:\n{}", multivariant);
      assertThat(multivariant).contains("CODECS=\"" + (profile == PublishProfile.H264_AAC ? "avc1." : "hvc1."))
          .containsIgnoringCase(profile == PublishProfile.H264_AAC ? "mp4a.40.2" : "opus").contains("RESOLUTION=");
      PlayReport report;
      try (Playback playback = ffmpeg.play(base() + "/live/" + name + "/index.m3u8", PLAY)) {
        report = playback.await();
      }
      log.info("played over hls profile={} {}", profile, report.summary());
      assertCleanPlayback(report, profile, MIN_SPAN);
      assertPublishedShare(report, profile, PLAY);
      var latency = origin.metrics().registry().find("cascade.hls.part.latency").timer();
      assertThat(latency).isNotNull();
      assertThat(latency.count()).as("part availability samples").isPositive();
      log.info("part availability over {} parts: mean {} ms, max {} ms", latency.count(),
          latency.mean(TimeUnit.MILLISECONDS), latency.max(TimeUnit.MILLISECONDS));
    }
  }

  @Test
  void blockingReloadIsAnsweredWhenTheNextPartArrives() throws TimeoutException {
    String name = unique("block");
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, rtmpUrl(name), PUBLISH)) {
      publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
      String path = "/live/" + name + "/media.m3u8";
      Reply first = get(path);
      assertThat(first.statusCode()).isEqualTo(200);
      assertThat(first.getHeader("content-type")).isEqualTo("application/vnd.apple.mpegurl");
      assertThat(first.getHeader("cache-control")).isEqualTo("no-cache");
      assertThat(first.getHeader("access-control-allow-origin")).isEqualTo("*");
      String playlist = first.text();
      assertConformant(playlist);
      long sequence = number(playlist, "#EXT-X-MEDIA-SEQUENCE:(\\d+)");
      long complete = playlist.lines().filter(l -> l.startsWith("#EXTINF")).count();
      // The segment after the last complete one is in progress; ask for its next part by index.
      long msn = sequence + complete;
      String tail = playlist.substring(playlist.lastIndexOf("#EXTINF") < 0 ? 0 : playlist.lastIndexOf("#EXTINF"));
      long partsSoFar = tail.lines().filter(l -> l.startsWith("#EXT-X-PART:")).count();
      long t0 = System.nanoTime();
      Reply blocked = get(path + "?_HLS_msn=" + msn + "&_HLS_part=" + partsSoFar);
      long waitedMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(blocked.statusCode()).isEqualTo(200);
      String next = blocked.text();
      assertThat(next).isNotEqualTo(playlist);
      assertConformant(next);
      log.info("blocking reload answered after {} ms", waitedMs);
      assertThat(waitedMs).as("answered on the part's arrival, well before hls.blockTimeout").isLessThan(3_000);
      assertThat(get(path + "?_HLS_msn=" + (msn + 5)).statusCode()).as("too far ahead").isEqualTo(400);
      // The hinted part and a listed part are fetched like a player would.
      Matcher hint = Pattern.compile("PRELOAD-HINT:TYPE=PART,URI=\"([^\"]+)\"").matcher(next);
      assertThat(hint.find()).isTrue();
      Reply part = get("/live/" + name + "/" + hint.group(1));
      assertThat(part.statusCode()).isEqualTo(200);
      assertThat(part.getHeader("cache-control")).contains("immutable");
      Buffer bytes = part.body();
      assertThat(bytes.getString(4, 8)).as("a part is moof + mdat").isIn("moof", "styp");
    }
  }

  @Test
  void badUnknownAndUnauthorisedRequestsGetTheirStatus() throws TimeoutException {
    assertThat(get("/live/" + unique("never") + "/index.m3u8").statusCode()).as("not live in time").isEqualTo(404);
    assertThat(get("/live/../x/index.m3u8").statusCode()).isIn(400, 404);
    assertThat(get("/live/x/other.m3u8").statusCode()).isEqualTo(400);
    assertThat(get("/live/x/media.m3u8?_HLS_msn=abc").statusCode()).isEqualTo(400);
    assertThat(get("/live/x/media.m3u8?_HLS_part=2").statusCode()).isEqualTo(400);
    String name = unique("secret");
    assertThat(get("/secure/" + name + "/index.m3u8").statusCode()).as("unsigned").isEqualTo(403);
    String signed = SignedKey.query(SECRET, "secure/" + name, System.currentTimeMillis() / 1000 + 600);
    assertThat(get("/secure/" + name + "/index.m3u8?" + signed).statusCode()).as("admitted, not live in time")
        .isEqualTo(404);
    var refused = origin.metrics().registry().find("cascade.hls.refused").tag("reason", "bad_query").counter();
    assertThat(refused.count()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aSignedKeyIsCarriedIntoEveryListedUri() throws TimeoutException {
    String name = unique("signed");
    String rtmp = "rtmp://127.0.0.1:" + origin.rtmpPort() + "/secure/" + name;
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, rtmp, PUBLISH)) {
      publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
      String signed = SignedKey.query(SECRET, "secure/" + name, System.currentTimeMillis() / 1000 + 600);
      Reply r = get("/secure/" + name + "/media.m3u8?" + signed);
      assertThat(r.statusCode()).isEqualTo(200);
      String playlist = r.text();
      playlist.lines().filter(l -> l.contains(".m4s") || l.contains(".mp4"))
          .forEach(l -> assertThat(l).contains("?" + signed));
      Matcher seg = Pattern.compile("^(seg-[^\\s]+)$", Pattern.MULTILINE).matcher(playlist);
      assertThat(seg.find()).isTrue();
      assertThat(get("/secure/" + name + "/" + seg.group(1)).statusCode()).isEqualTo(200);
      String bare = seg.group(1).substring(0, seg.group(1).indexOf('?'));
      assertThat(get("/secure/" + name + "/" + bare).statusCode()).as("a segment without the key").isEqualTo(403);
    }
  }

  /** Parts within PART-TARGET, segments within TARGETDURATION, each segment's first part independent. */
  private static void assertConformant(String playlist) {
    double partTarget = Double.parseDouble(group(playlist, "PART-TARGET=([0-9.]+)"));
    long target = number(playlist, "#EXT-X-TARGETDURATION:(\\d+)");
    assertThat(Double.parseDouble(group(playlist, "PART-HOLD-BACK=([0-9.]+)"))).isGreaterThanOrEqualTo(3 * partTarget);
    boolean segmentStart = true;
    for (String line : playlist.lines().toList()) {
      if (line.startsWith("#EXT-X-PART:")) {
        assertThat(Double.parseDouble(group(line, "DURATION=([0-9.]+)"))).as(line).isLessThanOrEqualTo(partTarget);
        if (segmentStart) {
          assertThat(line).as("a segment's first part").contains("INDEPENDENT=YES");
        }
        segmentStart = false;
      } else if (line.startsWith("#EXTINF:")) {
        assertThat(Double.parseDouble(group(line, "#EXTINF:([0-9.]+)"))).as(line).isLessThanOrEqualTo(target);
        segmentStart = true;
      }
    }
  }

  private static String group(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as(regex).isTrue();
    return m.group(1);
  }

  private static long number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as(regex).isTrue();
    return Long.parseLong(m.group(1));
  }

  /** A response, its body read. */
  private record Reply(int statusCode, MultiMap headers, Buffer body) {
    String getHeader(String name) {
      return headers.get(name);
    }

    String text() {
      return body.toString();
    }
  }

  private static Reply get(String uri) throws TimeoutException {
    return http.request(HttpMethod.GET, origin.httpPort(), "127.0.0.1", uri)
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), resp.headers(), b))))
        .await(15, TimeUnit.SECONDS);
  }
}
