package io.cascade.origin;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.ConfigLoader;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
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
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The media playlist against the rules Apple's players (Safari, iOS) hold a server to, since no
 * Safari runs here: RFC 8216bis and the HLS authoring specification's LL-HLS section, checked on
 * every playlist a blocking-reload poller got over two publishes of one stream (ffmpeg, stopped and
 * started again), and on the segments themselves (ffprobe: each starts with an IDR picture).
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 150, unit = TimeUnit.SECONDS)
class HlsConformanceIT {
  private static final Logger log = LoggerFactory.getLogger(HlsConformanceIT.class);
  private static final Duration PUBLISH = Duration.ofSeconds(11);
  private static final Pattern MSN = Pattern.compile("#EXT-X-MEDIA-SEQUENCE:(\\d+)");
  private static final Pattern SEGMENT = Pattern.compile("^[^#].*\\.m4s.*$", Pattern.MULTILINE);

  private static Ffmpeg ffmpeg;
  private static OriginNode origin;
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  static void startOrigin(Vertx vertx) throws TimeoutException {
    ffmpeg = Ffmpeg.locate();
    origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), Map.of(
        "rtmp.host", "127.0.0.1", "rtmp.port", 0, "http.host", "127.0.0.1", "http.port", 0,
        // The stream stays known between the two publishes, as it does through an encoder restart.
        "live.playerWaitTimeout", "10s")).config())
        .await(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stopOrigin() throws TimeoutException {
    InProcessOrigin.stop(origin);
  }

  @Test
  void everyPlaylistOverARestartKeepsTheRulesAndEverySegmentStartsWithAnIdr(@TempDir Path dir) throws Exception {
    String name = "conform-" + UUID.randomUUID().toString().substring(0, 8);
    String rtmp = "rtmp://127.0.0.1:" + origin.rtmpPort() + "/live/" + name;
    URI media = URI.create("http://127.0.0.1:" + origin.httpPort() + "/live/" + name + "/media.m3u8");
    List<String> playlists = new ArrayList<>();
    try (Publisher first = ffmpeg.publish(PublishProfile.H264_AAC, rtmp, PUBLISH)) {
      first.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(20));
      playlists.addAll(poll(media, Duration.ofSeconds(7)));
      checkRequestRules(media, playlists.get(playlists.size() - 1));
      first.awaitExit();
    }
    try (Publisher second = ffmpeg.publish(PublishProfile.H264_AAC, rtmp, PUBLISH)) {
      second.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(20));
      playlists.addAll(poll(media, Duration.ofSeconds(7)));
    }
    log.info("{} playlists polled; the last:\n{}", playlists.size(), playlists.get(playlists.size() - 1));
    assertThat(playlists).as("playlists polled by blocking reload").hasSizeGreaterThan(20);

    Map<Long, String> uriByMsn = new HashMap<>();
    long lastSequence = -1;
    long targetDuration = -1;
    long discontinuities = 0;
    for (String p : playlists) {
      assertEveryRule(p);
      long sequence = number(p, MSN);
      assertThat(sequence).as("EXT-X-MEDIA-SEQUENCE never goes back").isGreaterThanOrEqualTo(lastSequence);
      lastSequence = sequence;
      long target = number(p, Pattern.compile("#EXT-X-TARGETDURATION:(\\d+)"));
      if (targetDuration >= 0) {
        assertThat(target).as("EXT-X-TARGETDURATION never changes (RFC 8216bis 6.2.1)").isEqualTo(targetDuration);
      }
      targetDuration = target;
      long msn = sequence;
      for (String uri : segmentUris(p)) {
        String known = uriByMsn.putIfAbsent(msn, uri);
        assertThat(known == null || known.equals(uri)).as("segment %d is always %s (was %s)", msn, uri, known).isTrue();
        msn++;
      }
      discontinuities = Math.max(discontinuities, p.lines().filter(l -> l.equals("#EXT-X-DISCONTINUITY")).count()
          + number(p, Pattern.compile("#EXT-X-DISCONTINUITY-SEQUENCE:(\\d+)")));
    }
    assertThat(discontinuities).as("the restart is marked by a discontinuity, and only it").isEqualTo(1);

    // Each listed segment decodes and starts with an IDR picture, before and after the restart.
    String last = playlists.get(playlists.size() - 1);
    Map<String, String> initBySegment = initBySegment(last);
    assertThat(initBySegment).as("complete segments in the last playlist").hasSizeGreaterThanOrEqualTo(3);
    int checked = 0;
    for (Map.Entry<String, String> e : initBySegment.entrySet()) {
      Path file = dir.resolve("segment-" + checked + ".mp4");
      try (OutputStream out = Files.newOutputStream(file)) {
        out.write(bytes(media.resolve(e.getValue())));
        out.write(bytes(media.resolve(e.getKey())));
      }
      PlayReport report = ffmpeg.probeFile(file);
      assertThat(report.videoFrames()).as("%s decodes", e.getKey()).isGreaterThan(PublishProfile.FPS / 2);
      assertThat(report.firstVideoFrameIsKeyframe()).as("%s starts with a keyframe", e.getKey()).isTrue();
      assertThat(report.firstVideoPictureType()).as("%s starts with an I picture", e.getKey()).isEqualTo("I");
      checked++;
    }
    log.info("segments checked with ffprobe: {}", checked);
  }

  /**
   * The rules every media playlist keeps: server control (blocking reload, skip boundary at least
   * six target durations, part hold-back at least three part targets), parts within the part
   * target, segments within the target duration and starting with an independent part, a
   * program date-time on the first segment and after each discontinuity, a map before segments,
   * and a preload hint for the next part.
   */
  private static void assertEveryRule(String p) {
    assertThat(p).startsWith("#EXTM3U\n").contains("#EXT-X-VERSION:9", "CAN-BLOCK-RELOAD=YES", "#EXT-X-MAP:URI=");
    double target = number(p, Pattern.compile("#EXT-X-TARGETDURATION:(\\d+)"));
    double partTarget = decimal(p, "PART-TARGET=([0-9.]+)");
    assertThat(decimal(p, "PART-HOLD-BACK=([0-9.]+)")).as("PART-HOLD-BACK >= 3 x PART-TARGET")
        .isGreaterThanOrEqualTo(3 * partTarget);
    assertThat(decimal(p, "CAN-SKIP-UNTIL=([0-9.]+)")).as("CAN-SKIP-UNTIL >= 6 x TARGETDURATION")
        .isGreaterThanOrEqualTo(6 * target);
    assertThat(p).containsPattern("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"[^\"]+\"");
    boolean segmentStart = true;
    boolean dateDue = true;
    String previous = "";
    for (String line : p.lines().toList()) {
      if (line.equals("#EXT-X-DISCONTINUITY")) {
        dateDue = true;
      } else if (line.startsWith("#EXT-X-PROGRAM-DATE-TIME:")) {
        Instant.parse(line.substring(line.indexOf(':') + 1));
        dateDue = false;
      } else if (line.startsWith("#EXT-X-PART:")) {
        assertThat(dateDue).as("a date-time before the first segment and after a discontinuity: %s", line).isFalse();
        assertThat(decimal(line, "DURATION=([0-9.]+)")).as(line).isLessThanOrEqualTo(partTarget);
        if (segmentStart) {
          assertThat(line).as("a segment's first part").contains("INDEPENDENT=YES");
        }
        segmentStart = false;
      } else if (line.startsWith("#EXTINF:")) {
        // The duration rounded to the nearest integer is at most the target (RFC 8216bis 4.4.3.1).
        assertThat(Math.round(decimal(line, "#EXTINF:([0-9.]+)"))).as(line).isLessThanOrEqualTo((long) target);
        assertThat(dateDue).as("a date-time before the first segment and after a discontinuity").isFalse();
        segmentStart = true;
      } else if (!line.startsWith("#") && !line.isBlank()) {
        assertThat(previous).as("a segment URI follows its EXTINF").startsWith("#EXTINF:");
      }
      if (!line.isBlank()) {
        previous = line;
      }
    }
  }

  /** Requests the spec says to refuse, and a delta update. */
  private static void checkRequestRules(URI media, String playlist) throws Exception {
    long sequence = number(playlist, MSN);
    long lastMsn = sequence + segmentUris(playlist).size();
    assertThat(status(media, "?_HLS_part=0")).as("_HLS_part without _HLS_msn").isEqualTo(400);
    assertThat(status(media, "?_HLS_msn=" + (lastMsn + 2))).as("_HLS_msn two segments ahead").isEqualTo(400);
    assertThat(status(media, "?_HLS_msn=abc")).as("a malformed _HLS_msn").isEqualTo(400);
    HttpResponse<String> delta = http.send(request(media.resolve(media.getPath() + "?_HLS_skip=YES")),
        HttpResponse.BodyHandlers.ofString());
    assertThat(delta.statusCode()).isEqualTo(200);
    assertEveryRuleOfADeltaUpdate(delta.body(), number(delta.body(), MSN));
  }

  /** A delta update keeps the sequence numbering; skipped segments are counted, not listed. */
  private static void assertEveryRuleOfADeltaUpdate(String p, long sequence) {
    Matcher skip = Pattern.compile("#EXT-X-SKIP:SKIPPED-SEGMENTS=(\\d+)").matcher(p);
    if (skip.find()) {
      assertThat(Long.parseLong(skip.group(1))).isPositive();
      assertThat(p.indexOf("#EXT-X-SKIP")).as("EXT-X-SKIP comes before the listed segments")
          .isLessThan(p.indexOf("#EXTINF"));
    }
    assertThat(sequence).isGreaterThanOrEqualTo(0);
  }

  /**
   * Playlists for {@code span}, each asked for by a blocking reload of the part after the last one
   * listed, as LL-HLS players ask; a 503 (the stream paused longer than hls.blockTimeout) is
   * followed by a plain reload.
   */
  private static List<String> poll(URI media, Duration span) throws Exception {
    List<String> out = new ArrayList<>();
    long end = System.nanoTime() + span.toNanos();
    String query = "";
    while (System.nanoTime() < end) {
      HttpResponse<String> r = http.send(request(URI.create(media + query)), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() != 200) {
        assertThat(r.statusCode()).as("a blocking reload that got no part in time: %s", r.body()).isEqualTo(503);
        query = "";
        continue;
      }
      String p = r.body();
      out.add(p);
      long next = number(p, MSN) + segmentUris(p).size();
      String tail = p.substring(Math.max(0, p.lastIndexOf("#EXTINF")));
      long parts = tail.lines().filter(l -> l.startsWith("#EXT-X-PART:")).count();
      query = "?_HLS_msn=" + next + "&_HLS_part=" + parts;
    }
    return out;
  }

  /** Each complete segment's URI with the URI of the map in force for it, oldest first. */
  private static Map<String, String> initBySegment(String p) {
    Map<String, String> out = new LinkedHashMap<>();
    String map = null;
    for (String line : p.lines().toList()) {
      Matcher m = Pattern.compile("#EXT-X-MAP:URI=\"([^\"]+)\"").matcher(line);
      if (m.find()) {
        map = m.group(1);
      } else if (!line.startsWith("#") && !line.isBlank()) {
        out.put(line, map);
      }
    }
    return out;
  }

  private static List<String> segmentUris(String p) {
    List<String> out = new ArrayList<>();
    Matcher m = SEGMENT.matcher(p);
    while (m.find()) {
      out.add(m.group());
    }
    return out;
  }

  private static int status(URI media, String query) throws IOException, InterruptedException {
    return http.send(request(URI.create(media + query)), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static byte[] bytes(URI uri) throws IOException, InterruptedException {
    HttpResponse<byte[]> r = http.send(request(uri), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(r.statusCode()).as("GET %s", uri.getPath()).isEqualTo(200);
    return r.body();
  }

  private static HttpRequest request(URI uri) {
    return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15)).GET().build();
  }

  private static long number(String text, Pattern pattern) {
    Matcher m = pattern.matcher(text);
    assertThat(m.find()).as("%s in\n%s", pattern, text).isTrue();
    return Long.parseLong(m.group(1));
  }

  private static double decimal(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as("%s in %s", regex, text).isTrue();
    return Double.parseDouble(m.group(1));
  }
}
