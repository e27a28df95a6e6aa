package io.cascade.origin;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.ConfigLoader;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hostile LL-HLS clients against an in-process origin: a flood of blocking reloads on one stream
 * is bounded by {@code hls.maxBlockedPerStream} (the excess refused at once, the admitted ones all
 * answered from one playlist when the part arrives) while a viewer of another stream keeps getting
 * its parts; malformed and traversing requests get a 400 or 404 and nothing else.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HlsHostileIT {
  private static final Logger log = LoggerFactory.getLogger(HlsHostileIT.class);
  private static final int PER_STREAM = 300;
  private static final int FLOOD = 800;

  private static Ffmpeg ffmpeg;
  private static OriginNode origin;
  private static HttpClient http;

  @BeforeAll
  static void startOrigin(Vertx vertx) throws TimeoutException {
    ffmpeg = Ffmpeg.locate();
    origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), Map.of(
        "rtmp.host", "127.0.0.1", "rtmp.port", 0, "http.host", "127.0.0.1", "http.port", 0,
        // The flood parks on a stream that is not live yet, for up to hls.blockTimeout.
        "live.playerWaitTimeout", "20s", "hls.blockTimeout", "20s", "http.idleTimeout", "45s",
        "hls.maxBlockedPerStream", PER_STREAM,
        "hls.maxBlockedRequests", 2 * PER_STREAM)).config())
        .await(30, TimeUnit.SECONDS);
    http = vertx.createHttpClient(new HttpClientOptions().setKeepAlive(true),
        new PoolOptions().setHttp1MaxSize(FLOOD + 50));
  }

  @AfterAll
  static void stopOrigin() throws TimeoutException {
    InProcessOrigin.stop(origin);
  }

  private static String name(String label) {
    return label + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void aFloodOfBlockedRequestsIsBoundedPerStreamAndAnotherStreamPlaysOn() throws Exception {
    String hot = name("hot");
    String calm = name("calm");
    try (Publisher b = ffmpeg.publish(PublishProfile.H264_AAC, rtmp(calm), Duration.ofSeconds(30))) {
      b.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(20));
      String calmPlaylist = text("/live/" + calm + "/media.m3u8");
      long directBefore = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();

      // The flood asks for a stream that is not live yet: each request waits for it (up to
      // live.playerWaitTimeout), so they are all parked at once, however slowly they arrive.
      List<Future<Integer>> flood = new ArrayList<>();
      for (int i = 0; i < FLOOD; i++) {
        flood.add(status("/live/" + hot + "/media.m3u8"));
      }
      Await.until(Duration.ofSeconds(30), "the flood parked up to hls.maxBlockedPerStream and the rest refused",
          () -> refused("max_blocked_per_stream") == FLOOD - PER_STREAM && blocked() == PER_STREAM,
          () -> "refused " + refused("max_blocked_per_stream") + ", waiting " + blocked());
      assertThat(refused("max_blocked_requests")).as("the node-wide bound was never reached").isZero();

      // Meanwhile the calm stream's viewer follows its parts by blocking reloads.
      long worstCalmMs = 0;
      int calmReloads = 0;
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
      while (System.nanoTime() < until) {
        long t0 = System.nanoTime();
        calmPlaylist = text("/live/" + calm + "/media.m3u8?" + nextPartQuery(calmPlaylist));
        worstCalmMs = Math.max(worstCalmMs, (System.nanoTime() - t0) / 1_000_000);
        calmReloads++;
      }

      // The hot stream goes live: every parked request is answered from its first playlist.
      try (Publisher a = ffmpeg.publish(PublishProfile.H264_AAC, rtmp(hot), Duration.ofSeconds(15))) {
        Map<Integer, Integer> statuses = new TreeMap<>();
        for (Future<Integer> f : flood) {
          statuses.merge(f.await(30, TimeUnit.SECONDS), 1, Integer::sum);
        }
        long directAfter = PooledByteBufAllocator.DEFAULT.metric().usedDirectMemory();
        log.info("flood of {}: statuses {}; calm viewer {} reloads, slowest {} ms; pooled direct memory {} -> {} KiB",
            FLOOD, statuses, calmReloads, worstCalmMs, directBefore / 1024, directAfter / 1024);
        assertThat(statuses).as("the parked requests answered, the rest refused")
            .containsEntry(200, PER_STREAM).containsEntry(503, FLOOD - PER_STREAM).hasSize(2);
        assertThat(calmReloads).as("the calm viewer's reloads (about 4 parts a second)").isGreaterThanOrEqualTo(6);
        assertThat(worstCalmMs).as("a calm reload waits about one part, not for the flood").isLessThan(2_000);
        Await.until(Duration.ofSeconds(5), "no request left waiting", () -> blocked() == 0);
        assertThat(directAfter - directBefore).as("pooled direct memory grown by the flood").isLessThan(32L << 20);
      }
    }
  }

  /**
   * Readers that ask for a segment and stop reading: the node closes each connection after
   * {@code http.idleTimeout} without a finished write, and lets go of the bytes it held, while a
   * viewer that reads keeps getting its parts.
   */
  @Test
  void stalledReadersAreClosedAfterTheIdleTimeoutAndOthersPlayOn() throws Exception {
    // A Vert.x of its own: two nodes on one Vert.x with port 0 would share its random ports.
    Vertx own = Vertx.vertx();
    OriginNode strict = OriginNode.start(own, ConfigLoader.load((Path) null, Map.of(), Map.of(
        "rtmp.host", "127.0.0.1", "rtmp.port", 0, "http.host", "127.0.0.1", "http.port", 0,
        "http.sendBufferSize", "16KiB", "http.idleTimeout", "3s", "hls.blockTimeout", "1s")).config())
        .await(30, TimeUnit.SECONDS);
    String name = name("stall");
    List<java.net.Socket> stalled = new ArrayList<>();
    try (Publisher p = ffmpeg.publish(PublishProfile.H264_AAC,
        "rtmp://127.0.0.1:" + strict.rtmpPort() + "/live/" + name, Duration.ofSeconds(25))) {
      p.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(20));
      String base = "/live/" + name + "/";
      String playlist = text(strict, base + "media.m3u8");
      Matcher seg = Pattern.compile("^(seg-\\S+)$", Pattern.MULTILINE).matcher(playlist);
      assertThat(seg.find()).as("a complete segment in\n%s", playlist).isTrue();
      for (int i = 0; i < 20; i++) {
        java.net.Socket s = new java.net.Socket();
        s.setReceiveBufferSize(4096);
        s.connect(new java.net.InetSocketAddress("127.0.0.1", strict.httpPort()), 5_000);
        s.getOutputStream().write(("GET " + base + seg.group(1) + " HTTP/1.1\r\nHost: x\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        stalled.add(s);
      }
      long t0 = System.nanoTime();
      // A reading viewer meanwhile: blocking reloads of the next part, each answered.
      int reloads = 0;
      long worstMs = 0;
      while (System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5)) {
        long r0 = System.nanoTime();
        playlist = text(strict, base + "media.m3u8?" + nextPartQuery(playlist));
        worstMs = Math.max(worstMs, (System.nanoTime() - r0) / 1_000_000);
        reloads++;
      }
      // Every stalled connection was closed by the node: reading it now ends (EOF or reset) well
      // before this read timeout, having got less than the segment.
      int closed = 0;
      for (java.net.Socket s : stalled) {
        s.setSoTimeout(10_000);
        long got = 0;
        try (var in = s.getInputStream()) {
          byte[] buf = new byte[65536];
          for (int n; (n = in.read(buf)) >= 0; ) {
            got += n;
          }
          closed++;
        } catch (java.net.SocketException reset) {
          closed++;
        } catch (java.net.SocketTimeoutException stillOpen) {
          log.warn("a stalled reader's connection is still open after {} bytes", got);
        }
      }
      log.info("stalled readers closed {}/{} within {} ms; the reading viewer made {} reloads, slowest {} ms",
          closed, stalled.size(), (System.nanoTime() - t0) / 1_000_000, reloads, worstMs);
      assertThat(closed).as("stalled connections closed by http.idleTimeout").isEqualTo(stalled.size());
      assertThat(reloads).as("the reading viewer's blocking reloads").isGreaterThanOrEqualTo(10);
      assertThat(worstMs).as("a reload waits about one part").isLessThan(1_500);
    } finally {
      for (java.net.Socket s : stalled) {
        s.close();
      }
      InProcessOrigin.stop(strict);
      own.close().await(30, TimeUnit.SECONDS);
    }
  }

  private static double blocked() {
    return origin.metrics().registry().find("cascade.hls.blocked").gauge().value();
  }

  @Test
  void malformedAndTraversingRequestsGetAClearStatus() throws Exception {
    Map<String, List<Integer>> cases = Map.ofEntries(
        Map.entry("/live/x/media.m3u8?_HLS_msn=-1", List.of(400)),
        Map.entry("/live/x/media.m3u8?_HLS_msn=99999999999999999999999", List.of(400)),
        Map.entry("/live/x/media.m3u8?_HLS_msn=1&_HLS_part=x", List.of(400)),
        Map.entry("/live/x/media.m3u8?_HLS_msn=1&_HLS_part=-3", List.of(400)),
        Map.entry("/live/x/media.m3u8?_HLS_skip=maybe", List.of(400)),
        Map.entry("/live/x/media.m3u8?_HLS_msn=1&_HLS_msn=2", List.of(400)),
        Map.entry("/live/x/media.m3u8?%zz=1", List.of(400)),
        Map.entry("/live/x/media.m3u8?" + "a".repeat(6_000) + "=1", List.of(400, 414, 431)),
        Map.entry("/live/../../etc/passwd/index.m3u8", List.of(400, 404)),
        Map.entry("/live/%2e%2e/x/index.m3u8", List.of(400, 404)),
        Map.entry("/live/x/..%2Fseg-a-1.m4s", List.of(400, 404)),
        Map.entry("/live/x/seg-../../1.m4s", List.of(400, 404)),
        Map.entry("/live/x/part-t-99999999999999999999.m4s", List.of(400, 404)),
        Map.entry("/live/x/init-t-0.mp4/../../../x", List.of(400, 404)),
        Map.entry("/live/" + "n".repeat(300) + "/index.m3u8", List.of(400)));
    List<String> wrong = new ArrayList<>();
    for (Map.Entry<String, List<Integer>> c : cases.entrySet()) {
      int status = status(c.getKey()).await(30, TimeUnit.SECONDS);
      if (!c.getValue().contains(status)) {
        wrong.add(c.getKey().substring(0, Math.min(80, c.getKey().length())) + " -> " + status + " (want "
            + c.getValue() + ")");
      }
    }
    assertThat(wrong).as("requests answered with the wrong status").isEmpty();
  }

  private static String rtmp(String name) {
    return "rtmp://127.0.0.1:" + origin.rtmpPort() + "/live/" + name;
  }

  private static double refused(String reason) {
    var c = origin.metrics().registry().find("cascade.hls.refused").tag("reason", reason).counter();
    return c == null ? 0 : c.count();
  }

  /** The media sequence number of the segment in progress: after the last complete one. */
  private static long nextMsn(String playlist) {
    Matcher m = Pattern.compile("#EXT-X-MEDIA-SEQUENCE:(\\d+)").matcher(playlist);
    assertThat(m.find()).isTrue();
    return Long.parseLong(m.group(1)) + playlist.lines().filter(l -> l.startsWith("#EXTINF")).count();
  }

  /** The blocking-reload query for the part after the last one listed. */
  private static String nextPartQuery(String playlist) {
    String tail = playlist.substring(Math.max(0, playlist.lastIndexOf("#EXTINF")));
    long parts = tail.lines().filter(l -> l.startsWith("#EXT-X-PART:")).count();
    return "_HLS_msn=" + nextMsn(playlist) + "&_HLS_part=" + parts;
  }

  private static Future<Integer> status(String uri) {
    return http.request(HttpMethod.GET, origin.httpPort(), "127.0.0.1", uri)
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> resp.statusCode())));
  }

  private static String text(String uri) throws TimeoutException {
    return text(origin, uri);
  }

  private static String text(OriginNode node, String uri) throws TimeoutException {
    return http.request(HttpMethod.GET, node.httpPort(), "127.0.0.1", uri)
        .compose(req -> req.send().compose(resp -> {
          assertThat(resp.statusCode()).as("GET %s", uri).isEqualTo(200);
          return resp.body();
        }))
        .await(15, TimeUnit.SECONDS).toString();
  }
}
