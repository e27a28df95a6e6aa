package io.cascade.http.hls;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.live.LiveSettings;
import io.cascade.live.LiveStream;
import io.cascade.live.MediaFrame;
import io.cascade.live.StreamManager;
import io.cascade.metrics.NodeMetrics;
import io.cascade.testing.FlvFile;
import io.cascade.testing.Payloads;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Playlist conformance and the session's waits, in virtual time: an embedded event loop with
 * frozen time, a real stream fed with synthetic H.264 + AAC frames (25 fps, a keyframe every 2 s,
 * AAC at 48 kHz), and requests answered into a list. Over 400 lines: one fixture (feed, clock,
 * requests) serves every playlist rule, and splitting it would copy the fixture.
 */
class HlsSessionTest {
  /** x264 High 3.1 avcC, as in the cmaf tests. */
  private static final byte[] AVC_CONFIG = HexFormat.of().parseHex("0164001fffe1001a6764001facd940a02ff9701100"
      + "00030001000003003c0f18319601000668ebe3cb22c0");
  private static final byte[] AAC_CONFIG = HexFormat.of().parseHex("1190");
  private static final String KEY = "live/a";
  private static final long WALL_START = 1_767_225_600_000L;

  private record Answer(int status, String type, String cache, ByteBuf body, String reason) {
    String text() {
      return body == null ? reason : body.toString(StandardCharsets.UTF_8);
    }
  }

  private final EmbeddedChannel channel = new EmbeddedChannel();
  private final StreamManager streams = new StreamManager(LiveSettings.DEFAULTS, PooledByteBufAllocator.DEFAULT);
  private final Object publisher = new Object();
  private final List<Answer> answers = new ArrayList<>();
  private final AtomicInteger blocked = new AtomicInteger();
  private final NodeMetrics metrics = NodeMetrics.defaults("origin", "test");
  private HlsSettings settings = settings(6, 64L << 20);
  private HlsNode node;
  private HlsSession session;
  private LiveStream stream;
  private long nowMillis;
  private long nextVideo;
  private long nextAudio;
  private long timeBase;
  private int videoPayload = 16;
  /** Enhanced-RTMP video tracks published beside track 0 (OneTrack multitrack messages), GOPs aligned. */
  private int[] extraTracks = {};

  /** Viewers idle after an hour: the feeds here make no requests for many seconds. */
  private static HlsSettings settings(int windowSegments, long maxBytes) {
    return settings(windowSegments, maxBytes, Duration.ofHours(1));
  }

  private static HlsSettings settings(int windowSegments, long maxBytes, Duration viewerIdle) {
    return settings(windowSegments, maxBytes, viewerIdle, 100);
  }

  private static HlsSettings settings(int windowSegments, long maxBytes, Duration viewerIdle, int maxBlocked) {
    return settings(windowSegments, maxBytes, viewerIdle, maxBlocked, 1_000);
  }

  private static HlsSettings settings(int windowSegments, long maxBytes, Duration viewerIdle, int maxBlocked,
      int maxBlockedPerStream) {
    return new HlsSettings(true, Duration.ofMillis(250), Duration.ofSeconds(2), windowSegments, maxBytes, maxBlocked,
        maxBlockedPerStream, Duration.ofSeconds(6), viewerIdle, 100, 8);
  }

  /** A window of 3 segments with a DVR window behind it. */
  private static HlsSettings dvrSettings(Duration dvrWindow, long maxWindowBytes, long dvrMaxBytes) {
    return new HlsSettings(true, Duration.ofMillis(250), Duration.ofSeconds(2), 3, maxWindowBytes, 100, 1_000,
        Duration.ofSeconds(6), Duration.ofHours(1), 100, 8, dvrWindow, dvrMaxBytes);
  }

  private void start() {
    channel.freezeTime();
    node = new HlsNode(settings, streams, new HlsMeters(metrics, settings.partTarget(), () -> 0, blocked::get),
        PooledByteBufAllocator.DEFAULT, () -> nowMillis * 1_000_000L, () -> WALL_START + nowMillis, blocked);
    session = new HlsSession(node, KEY, channel.eventLoop(), "t1");
    node.sessions.put(KEY, session);
    assertThat(session.join()).isNull();
    publish();
    channel.runPendingTasks();
  }

  private void publish() {
    stream = streams.publish(KEY, publisher).stream();
    sendHeaders();
  }

  /** The sequence headers a publisher's encoder starts with; media times start again from 0. */
  private void sendHeaders() {
    stream.onFrame(publisher, FlvFile.frame(9, timeBase, Payloads.bytes(HexFormat.of().parseHex("1700000000"), AVC_CONFIG)));
    stream.onFrame(publisher, FlvFile.frame(8, timeBase, Payloads.bytes(HexFormat.of().parseHex("af00"), AAC_CONFIG)));
    for (int track : extraTracks) {
      stream.onFrame(publisher, FlvFile.frame(9, timeBase, Payloads.bytes(oneTrackHead(true, 0, track), AVC_CONFIG)));
    }
    nextVideo = 0;
    nextAudio = 0;
  }

  @AfterEach
  void release() {
    if (session != null) {
      session.close("test");
    }
    channel.runPendingTasks();
    answers.forEach(a -> {
      if (a.body != null) {
        a.body.release();
      }
    });
    if (stream != null) {
      streams.unpublish(stream, publisher);
    }
    channel.finishAndReleaseAll();
    metrics.close();
  }


  /** Publishes {@code millis} more of media, frame by frame, with the clock following the frames. */
  private void feed(long millis) {
    long until = nextVideo * 40 + millis;
    while (nextVideo * 40 < until) {
      long audioAt = nextAudio * 1024 * 1000 / 48_000;
      long videoAt = nextVideo * 40;
      if (audioAt < videoAt) {
        tick(audioAt);
        stream.onFrame(publisher, stamped(FlvFile.frame(8, timeBase + audioAt, new byte[] {(byte) 0xaf, 1, 0x21, 0x10, 4})));
        nextAudio++;
        channel.runPendingTasks();
      } else {
        boolean key = nextVideo % 50 == 0;
        byte[] nal = new byte[videoPayload];
        nal[0] = (byte) (key ? 0x65 : 0x41);
        byte[] head = {(byte) (key ? 0x17 : 0x27), 1, 0, 0, 0, 0, 0, (byte) (videoPayload >> 8), (byte) videoPayload};
        tick(videoAt);
        stream.onFrame(publisher, stamped(FlvFile.frame(9, timeBase + videoAt, Payloads.bytes(head, nal))));
        for (int track : extraTracks) {
          int size = videoPayload + 64 * track; // each track its own bit rate
          byte[] time = {0, 0, 0, 0, 0, (byte) (size >> 8), (byte) size};
          byte[] picture = new byte[size];
          picture[0] = nal[0];
          stream.onFrame(publisher,
              stamped(FlvFile.frame(9, timeBase + videoAt, Payloads.bytes(oneTrackHead(key, 1, track), time, picture))));
        }
        nextVideo++;
        channel.runPendingTasks();
      }
    }
  }

  /** Enhanced-RTMP video header of a OneTrack multitrack avc1 message up to its track id. */
  private static byte[] oneTrackHead(boolean key, int packetType, int track) {
    return Payloads.bytes(new byte[] {(byte) (key ? 0x96 : 0xa6), (byte) packetType}, "avc1".getBytes(StandardCharsets.US_ASCII),
        new byte[] {(byte) track});
  }

  private long streamTime;
  /** Frames arrive at once, the clock standing still: a GOP cache handed to a joiner. */
  private boolean burst;

  /** The frame as received now on the virtual clock (the stream's receive time is what latency counts from). */
  private MediaFrame stamped(MediaFrame f) {
    int flags = (f.isKeyframe() ? MediaFrame.KEYFRAME : 0) | (f.isConfig() ? MediaFrame.CONFIG : 0);
    MediaFrame out = new MediaFrame(f.kind(), f.trackId(), f.dts(), f.compositionOffset(), flags, f.codec(),
        nowMillis * 1_000_000L + 1, 0, f.body().retain());
    f.release();
    return out;
  }

  private void tick(long mediaMillis) {
    if (burst) {
      channel.runPendingTasks();
      return;
    }
    long step = mediaMillis - streamTime;
    if (step > 0) {
      advance(Duration.ofMillis(step));
      streamTime = mediaMillis;
    } else {
      channel.runPendingTasks();
    }
  }

  private void advance(Duration d) {
    nowMillis += d.toMillis();
    channel.advanceTimeBy(d.toMillis(), TimeUnit.MILLISECONDS);
    channel.runPendingTasks();
  }

  private Answer get(String resource) {
    int before = answers.size();
    request(resource);
    assertThat(answers).as("answered at once: %s", resource).hasSize(before + 1);
    return answers.get(before);
  }

  private void request(String resource) {
    int q = resource.indexOf('?');
    HlsPath path = HlsPath.parse("/" + KEY + "/" + (q < 0 ? resource : resource.substring(0, q)));
    assertThat(path).as(resource).isNotNull();
    HlsRequest r = HlsRequest.parse(path, q < 0 ? null : resource.substring(q + 1),
        (status, type, cache, body, reason) -> answers.add(new Answer(status, type, cache, body, reason)));
    assertThat(r).as("well-formed: %s", resource).isNotNull();
    assertThat(session.offer(r)).isTrue();
    channel.runPendingTasks();
  }

  private static List<String> lines(String playlist, String prefix) {
    return playlist.lines().filter(l -> l.startsWith(prefix)).toList();
  }

  private static double attr(String line, String name) {
    Matcher m = Pattern.compile(name + "=([0-9.]+)").matcher(line);
    assertThat(m.find()).as("%s in %s", name, line).isTrue();
    return Double.parseDouble(m.group(1));
  }

  private static String uri(String line) {
    Matcher m = Pattern.compile("URI=\"([^\"]+)\"").matcher(line);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  @Test
  void mediaPlaylistCarriesEveryLowLatencyTagWithinItsBounds() {
    start();
    feed(7_000);
    Answer a = get("media.m3u8");
    assertThat(a.status).isEqualTo(200);
    assertThat(a.type).isEqualTo("application/vnd.apple.mpegurl");
    assertThat(a.cache).isEqualTo("no-cache");
    String p = a.text();
    assertThat(p).startsWith("#EXTM3U\n#EXT-X-VERSION:9\n").contains("#EXT-X-TARGETDURATION:2\n")
        .contains("#EXT-X-PART-INF:PART-TARGET=0.250\n")
        .contains("#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.000,PART-HOLD-BACK=0.750\n")
        .contains("#EXT-X-MEDIA-SEQUENCE:0\n").contains("#EXT-X-DISCONTINUITY-SEQUENCE:0\n")
        .contains("#EXT-X-MAP:URI=\"init-t1-1.mp4\"\n");
    List<String> extinf = lines(p, "#EXTINF:");
    assertThat(extinf).hasSize(3);
    extinf.forEach(l -> assertThat(attrless(l)).isLessThanOrEqualTo(2.0));
    assertThat(lines(p, "#EXT-X-PROGRAM-DATE-TIME:")).hasSize(4).first().asString()
        .isEqualTo("#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00Z");
    List<String> parts = lines(p, "#EXT-X-PART:");
    assertThat(parts).isNotEmpty();
    parts.forEach(l -> assertThat(attr(l, "DURATION")).isLessThanOrEqualTo(0.250));
    // Every segment starts with an independent part: the line after each PDT (and MAP) is an INDEPENDENT part.
    List<String> all = p.lines().toList();
    for (int i = 0; i < all.size(); i++) {
      if (all.get(i).startsWith("#EXT-X-PROGRAM-DATE-TIME") && all.get(i + 1).startsWith("#EXT-X-PART:")) {
        assertThat(all.get(i + 1)).endsWith(",INDEPENDENT=YES");
      }
    }
    String hint = lines(p, "#EXT-X-PRELOAD-HINT:").get(0);
    assertThat(hint).startsWith("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"part-t1-");
    long hinted = Long.parseLong(uri(hint).replaceAll("part-t1-(\\d+)\\.m4s", "$1"));
    assertThat(hinted).isEqualTo(session.window().nextPartNumber());
    assertThat(p).endsWith("\n").as("a single rendition reports none").doesNotContain("#EXT-X-RENDITION-REPORT");
  }

  @Test
  void eachVideoTrackIsAVariantWithItsOwnPlaylistAndReportsTheOthers() {
    extraTracks = new int[] {1};
    start();
    feed(4_500);
    String mv = get("index.m3u8?token=abc").text();
    List<String> variants = lines(mv, "#EXT-X-STREAM-INF:");
    assertThat(variants).hasSize(2).allSatisfy(v -> assertThat(v).contains("CODECS=\"avc1.64001f,mp4a.40.2\"")
        .containsPattern("RESOLUTION=\\d+x\\d+").contains(",FRAME-RATE=25.000"));
    assertThat(mv).contains("\nmedia.m3u8?token=abc\n").contains("\nmedia-1.m3u8?token=abc\n");
    // Track 1 carries more bytes per picture: its measured bit rate is higher.
    assertThat(attr(variants.get(1), "BANDWIDTH")).isGreaterThan(attr(variants.get(0), "BANDWIDTH"));

    String p0 = get("media.m3u8?token=abc").text();
    String p1 = get("media-1.m3u8?token=abc").text();
    assertThat(p1).contains("#EXT-X-MAP:URI=\"init-t1-v1-1.mp4?token=abc\"").contains("\nseg-t1-v1-0.m4s?token=abc\n")
        .contains("part-t1-v1-").doesNotContain("\"part-t1-0");
    assertThat(lines(p1, "#EXT-X-PRELOAD-HINT:")).singleElement().asString().contains("part-t1-v1-");
    // Segments cut at the same keyframes: the same sequence numbers, durations and dates in both.
    for (String tag : List.of("#EXT-X-MEDIA-SEQUENCE:", "#EXTINF:", "#EXT-X-PROGRAM-DATE-TIME:")) {
      assertThat(lines(p1, tag)).as(tag).isEqualTo(lines(p0, tag));
    }
    HlsWindow.Part last1 = session.window(1).lastPart();
    HlsWindow.Part last0 = session.window().lastPart();
    assertThat(lines(p0, "#EXT-X-RENDITION-REPORT:")).containsExactly("#EXT-X-RENDITION-REPORT:URI=\"media-1.m3u8"
        + "?token=abc\",LAST-MSN=" + last1.msn() + ",LAST-PART=" + last1.index());
    assertThat(lines(p1, "#EXT-X-RENDITION-REPORT:")).containsExactly("#EXT-X-RENDITION-REPORT:URI=\"media.m3u8"
        + "?token=abc\",LAST-MSN=" + last0.msn() + ",LAST-PART=" + last0.index());

    Answer init = get("init-t1-v1-1.mp4");
    assertThat(init.status).isEqualTo(200);
    assertThat(ByteBufUtil.getBytes(init.body, 4, 4)).asString(StandardCharsets.US_ASCII).isEqualTo("ftyp");
    assertThat(get("seg-t1-v1-0.m4s").status).isEqualTo(200);
    assertThat(get("part-t1-v1-" + last1.number() + ".m4s").status).isEqualTo(200);
    assertThat(get("seg-t1-v2-0.m4s").status).as("no track 2").isEqualTo(404);
    assertThat(get("media-2.m3u8").status).isEqualTo(404);
  }

  @Test
  void aBlockingReloadOfARenditionWaitsForItsOwnNextPart() {
    extraTracks = new int[] {3};
    start();
    feed(4_100);
    HlsWindow.Part last = session.window(3).lastPart();
    int before = answers.size();
    request("media-3.m3u8?_HLS_msn=" + last.msn() + "&_HLS_part=" + (last.index() + 1));
    assertThat(answers).hasSize(before);
    feed(300);
    assertThat(answers).hasSize(before + 1);
    String p = answers.get(before).text();
    assertThat(p).contains("#EXT-X-RENDITION-REPORT:URI=\"media.m3u8\"");
    assertThat(lines(p, "#EXT-X-PART:")).last().asString().contains("part-t1-v3-");
  }

  @Test
  void renditionsBeyondTheLimitAreLeftOut() {
    settings = new HlsSettings(true, Duration.ofMillis(250), Duration.ofSeconds(2), 6, 64L << 20, 100, 100,
        Duration.ofSeconds(6), Duration.ofHours(1), 100, 2);
    extraTracks = new int[] {1, 2};
    start();
    feed(4_500);
    String mv = get("index.m3u8").text();
    assertThat(lines(mv, "#EXT-X-STREAM-INF:")).hasSize(2);
    assertThat(mv).contains("\nmedia-1.m3u8\n").doesNotContain("media-2.m3u8");
    assertThat(get("media-2.m3u8").status).isEqualTo(404);
    assertThat(node.meters.refusedCount("max_renditions")).as("counted once for the stream").isEqualTo(1);
  }

  private static double attrless(String extinf) {
    return Double.parseDouble(extinf.substring("#EXTINF:".length(), extinf.indexOf(',')));
  }

  @Test
  void multivariantNamesCodecsResolutionAndBandwidthAndResourcesAreImmutable() {
    start();
    feed(4_500);
    Answer mv = get("index.m3u8?token=abc");
    assertThat(mv.status).isEqualTo(200);
    assertThat(mv.text()).contains("#EXT-X-STREAM-INF:BANDWIDTH=").contains("CODECS=\"avc1.64001f,mp4a.40.2\"")
        .containsPattern("RESOLUTION=\\d+x\\d+").contains("\nmedia.m3u8?token=abc\n");
    String media = get("media.m3u8?token=abc").text();
    assertThat(lines(media, "#EXT-X-PART:")).allMatch(l -> l.contains(".m4s?token=abc\""));
    assertThat(media).contains("init-t1-1.mp4?token=abc").contains("seg-t1-0.m4s?token=abc");
    Answer init = get("init-t1-1.mp4");
    assertThat(init.status).isEqualTo(200);
    assertThat(init.cache).contains("immutable").contains("max-age=");
    assertThat(ByteBufUtil.getBytes(init.body, 4, 4)).asString(StandardCharsets.US_ASCII).isEqualTo("ftyp");
    // A segment is its parts, byte for byte.
    Answer seg = get("seg-t1-0.m4s");
    assertThat(seg.status).isEqualTo(200);
    assertThat(seg.cache).contains("immutable");
    HlsWindow.Segment first = session.window().segments().get(0);
    ByteBuf concatenated = PooledByteBufAllocator.DEFAULT.buffer();
    for (HlsWindow.Part part : first.parts) {
      Answer pa = get("part-t1-" + part.number() + ".m4s");
      assertThat(pa.status).isEqualTo(200);
      concatenated.writeBytes(pa.body, pa.body.readerIndex(), pa.body.readableBytes());
    }
    assertThat(ByteBufUtil.equals(seg.body, concatenated)).isTrue();
    concatenated.release();
    assertThat(get("seg-t1-99.m4s").status).isEqualTo(404);
    assertThat(get("seg-zz-0.m4s").status).as("another session's resource").isEqualTo(404);
    assertThat(get("part-t1-99999.m4s").status).isEqualTo(404);
  }

  @Test
  void blockingReloadIsAnsweredWhenThePartArrives() {
    start();
    feed(4_100);
    HlsWindow.Part last = session.window().lastPart();
    request("media.m3u8?_HLS_msn=" + last.msn() + "&_HLS_part=" + (last.index() + 1));
    assertThat(answers).as("held until the part exists").isEmpty();
    assertThat(node.blocked()).isEqualTo(1);
    feed(240);
    assertThat(answers).hasSize(1);
    Answer a = answers.get(0);
    assertThat(a.status).isEqualTo(200);
    HlsWindow.Part now = session.window().lastPart();
    assertThat(now.msn() > last.msn() || now.index() > last.index()).isTrue();
    assertThat(a.text()).contains("part-t1-" + now.number() + ".m4s");
    assertThat(node.blocked()).isZero();
  }

  @Test
  void blockingReloadTimesOutWith503AndTooFarAheadIs400() {
    start();
    feed(4_100);
    HlsWindow.Part last = session.window().lastPart();
    assertThat(get("media.m3u8?_HLS_msn=" + (last.msn() + 2)).status).isEqualTo(400);
    assertThat(node.meters.refusedCount("too_far_ahead")).isEqualTo(1);
    request("media.m3u8?_HLS_msn=" + (last.msn() + 1) + "&_HLS_part=0");
    advance(Duration.ofMillis(5_999));
    assertThat(answers).hasSize(1);
    advance(Duration.ofMillis(1));
    assertThat(answers).hasSize(2);
    assertThat(answers.get(1).status).isEqualTo(503);
    assertThat(answers.get(1).reason).isEqualTo("block_timeout");
    assertThat(node.blocked()).isZero();
  }

  @Test
  void waitingRequestsAreBoundedPerNode() {
    settings = settings(6, 64L << 20, Duration.ofHours(1), 2);
    start();
    feed(4_100);
    HlsWindow.Part last = session.window().lastPart();
    String next = "media.m3u8?_HLS_msn=" + last.msn() + "&_HLS_part=" + (last.index() + 1);
    request(next);
    request("part-t1-" + session.window().nextPartNumber() + ".m4s");
    assertThat(answers).isEmpty();
    Answer over = get(next);
    assertThat(over.status).isEqualTo(503);
    assertThat(over.reason).isEqualTo("max_blocked_requests");
    assertThat(node.meters.refusedCount("max_blocked_requests")).isEqualTo(1);
    feed(240);
    assertThat(answers).hasSize(3).extracting(Answer::status).containsExactly(503, 200, 200);
    assertThat(node.blocked()).isZero();
    assertThat(node.meters.waitedCount(true)).as("waits that ended served").isEqualTo(2);
    assertThat(node.meters.waitedCount(false)).isZero();
  }

  @Test
  void waitingRequestsAreBoundedPerStream() {
    settings = settings(6, 64L << 20, Duration.ofHours(1), 100, 2);
    start();
    feed(4_100);
    HlsWindow.Part last = session.window().lastPart();
    String next = "media.m3u8?_HLS_msn=" + last.msn() + "&_HLS_part=" + (last.index() + 1);
    request(next);
    request(next);
    assertThat(answers).isEmpty();
    Answer over = get(next);
    assertThat(over.status).isEqualTo(503);
    assertThat(over.reason).isEqualTo("max_blocked_per_stream");
    assertThat(node.meters.refusedCount("max_blocked_per_stream")).isEqualTo(1);
    assertThat(node.blocked()).as("the refused request took no node-wide slot").isEqualTo(2);
    feed(240);
    assertThat(answers).hasSize(3).extracting(Answer::status).containsExactly(503, 200, 200);
    assertThat(node.blocked()).isZero();
    assertThat(node.meters.waitedCount(true)).as("waits that ended served").isEqualTo(2);
    assertThat(node.meters.waitedCount(false)).isZero();
  }

  @Test
  void malformedQueriesAreRefused() {
    HlsPath media = HlsPath.parse("/live/a/media.m3u8");
    HlsPath part = HlsPath.parse("/live/a/part-t1-3.m4s");
    HlsRequest.Responder none = (s, t, c, b, r) -> { };
    assertThat(HlsRequest.parse(media, "_HLS_msn=x", none)).isNull();
    assertThat(HlsRequest.parse(media, "_HLS_msn=-1", none)).isNull();
    assertThat(HlsRequest.parse(media, "_HLS_part=1", none)).as("part without msn").isNull();
    assertThat(HlsRequest.parse(media, "_HLS_skip=NO", none)).isNull();
    assertThat(HlsRequest.parse(media, "_HLS_other=1", none)).isNull();
    assertThat(HlsRequest.parse(media, "k=\"x", none)).isNull();
    assertThat(HlsRequest.parse(part, "_HLS_msn=1", none)).isNull();
    assertThat(HlsRequest.parse(media, "_HLS_msn=3&_HLS_part=2&_HLS_skip=YES&token=a%20b", none))
        .extracting(HlsRequest::msn, HlsRequest::part, HlsRequest::skip, HlsRequest::carriedQuery)
        .containsExactly(3L, 2, true, "?token=a%20b");
    assertThat(HlsPath.parse("/live/../x/media.m3u8")).isNull();
    assertThat(HlsPath.parse("/media.m3u8")).isNull();
    assertThat(HlsPath.parse("/live/a/other.m3u8")).isNull();
    assertThat(HlsPath.parse("/live/a/part-t1-1x.m4s")).isNull();
  }

  @Test
  void deltaUpdateSkipsOldSegments() {
    settings = settings(12, 64L << 20);
    start();
    feed(24_100);
    String full = get("media.m3u8").text();
    String delta = get("media.m3u8?_HLS_skip=YES").text();
    int skipped = Integer.parseInt(lines(delta, "#EXT-X-SKIP:SKIPPED-SEGMENTS=").get(0).replaceAll("\\D", ""));
    assertThat(skipped).isPositive();
    assertThat(lines(delta, "#EXTINF:")).hasSize(lines(full, "#EXTINF:").size() - skipped);
    assertThat(lines(full, "#EXT-X-SKIP")).isEmpty();
    // What is left covers at least CAN-SKIP-UNTIL (12 s).
    double kept = lines(delta, "#EXTINF:").stream().mapToDouble(HlsSessionTest::attrless).sum();
    assertThat(kept).isGreaterThanOrEqualTo(10.0);
  }

  @Test
  void aHintedPartIsAnsweredOnArrivalFromOneSharedBuffer() {
    start();
    feed(4_100);
    long next = session.window().nextPartNumber();
    request("part-t1-" + next + ".m4s");
    request("part-t1-" + next + ".m4s");
    assertThat(answers).isEmpty();
    assertThat(get("part-t1-" + (next + 1) + ".m4s").status).as("beyond the hint").isEqualTo(404);
    answers.clear();
    feed(240);
    assertThat(answers).hasSize(2).allMatch(a -> a.status == 200);
    ByteBuf a = answers.get(0).body;
    ByteBuf b = answers.get(1).body;
    assertThat(a).isNotSameAs(b);
    assertThat(root(a)).as("duplicates of one buffer, not copies").isSameAs(root(b))
        .isSameAs(root(session.window().part(next).content()));
  }

  /** The buffer under every duplicate and leak-detection wrapper. */
  private static ByteBuf root(ByteBuf b) {
    while (b.unwrap() != null) {
      b = b.unwrap();
    }
    return b;
  }

  @Test
  void republishContinuesTheSequenceWithADiscontinuity() {
    start();
    feed(6_100);
    streams.unpublish(stream, publisher);
    channel.runPendingTasks();
    timeBase = 50_000;
    streamTime = 0;
    publish();
    feed(6_100);
    String p = get("media.m3u8").text();
    long sequence = Long.parseLong(lines(p, "#EXT-X-MEDIA-SEQUENCE:").get(0).replaceAll("\\D", ""));
    List<Long> msns = lines(p, "seg-t1-").stream().map(l -> Long.parseLong(l.replaceAll("seg-t1-(\\d+)\\.m4s", "$1")))
        .toList();
    for (int i = 0; i < msns.size(); i++) {
      assertThat(msns.get(i)).isEqualTo(sequence + i);
    }
    assertThat(lines(p, "#EXT-X-DISCONTINUITY")).filteredOn(l -> l.equals("#EXT-X-DISCONTINUITY")).hasSize(1);
    // The discontinuity comes right before the first segment of the new publish, with its init again
    // (the same version: the publisher sent the same sequence headers).
    int disc = p.indexOf("#EXT-X-DISCONTINUITY\n");
    assertThat(p.substring(disc)).startsWith("#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-t1-1.mp4\"\n");
    assertThat(lines(p, "#EXT-X-MAP:")).hasSize(2);
    long before = msns.get(msns.size() - 1);
    feed(4_000);
    String later = get("media.m3u8").text();
    assertThat(lines(later, "seg-t1-" + (before + 1) + ".m4s")).hasSize(1);
  }

  /**
   * An edge whose upstream moves to another origin goes on as the same publisher
   * (LiveStream.restartSession, no unpublish): the new origin's encoder session still starts a
   * new segment behind EXT-X-DISCONTINUITY, and its program date-time is the wall clock again,
   * not the old session's date run on over a timeline that left the outage out.
   */
  @Test
  void anUpstreamRestartStartsANewSegmentWithADiscontinuityAndTheWallClockDate() {
    start();
    feed(6_100);
    List<String> segmentsBefore = lines(get("media.m3u8").text(), "seg-t1-");
    long lastBefore = Long.parseLong(
        segmentsBefore.get(segmentsBefore.size() - 1).replaceAll("seg-t1-(\\d+)\\.m4s", "$1"));
    advance(Duration.ofMillis(1_500));
    long restartedAtWall = WALL_START + nowMillis;
    assertThat(stream.restartSession(publisher)).isTrue();
    channel.runPendingTasks();
    timeBase = 80_000;
    streamTime = 0;
    sendHeaders();
    feed(4_100);

    String p = get("media.m3u8").text();
    assertThat(lines(p, "#EXT-X-DISCONTINUITY")).filteredOn(l -> l.equals("#EXT-X-DISCONTINUITY")).hasSize(1);
    List<String> after = p.substring(p.indexOf("#EXT-X-DISCONTINUITY\n")).lines().toList();
    assertThat(after.get(1)).isEqualTo("#EXT-X-MAP:URI=\"init-t1-1.mp4\"");
    long date = Instant.parse(after.get(2).substring("#EXT-X-PROGRAM-DATE-TIME:".length())).toEpochMilli();
    assertThat(date).as("date of the first segment of the new session").isBetween(restartedAtWall,
        restartedAtWall + 100);
    // The media sequence runs on: the old session's segments stay listed before the new session's first.
    long sequence = Long.parseLong(lines(p, "#EXT-X-MEDIA-SEQUENCE:").get(0).replaceAll("\\D", ""));
    int beforeDisc = (int) p.substring(0, p.indexOf("#EXT-X-DISCONTINUITY\n")).lines()
        .filter(l -> l.startsWith("#EXTINF:")).count();
    assertThat(sequence + beforeDisc).as("msn of the first segment after the discontinuity")
        .isGreaterThan(lastBefore);
    assertThat(beforeDisc).as("old session's segments listed").isGreaterThan(0);
  }

  /**
   * A session that starts with a burst (the GOP cache of a stream already live, or the first
   * frames of an edge's pull) dates its first segment by the frames that then arrive live, not by
   * the burst's late arrival: EXT-X-PROGRAM-DATE-TIME stays the time the media reached the node.
   */
  @Test
  void segmentsAreDatedByLiveArrivalNotByAJoinBurst() {
    start();
    advance(Duration.ofMillis(1_200));
    burst = true;
    feed(1_200);
    burst = false;
    streamTime = 1_200;
    feed(3_500);
    List<Long> dates = lines(get("media.m3u8").text(), "#EXT-X-PROGRAM-DATE-TIME:").stream()
        .map(l -> Instant.parse(l.substring("#EXT-X-PROGRAM-DATE-TIME:".length())).toEpochMilli()).toList();
    assertThat(dates).hasSize(3);
    // Media time 0 arrived, live, at WALL_START (1.2 s before the burst that carried it); a frame's slack.
    assertThat(dates.get(0) - WALL_START).as("first segment's date after WALL_START (ms)").isBetween(0L, 40L);
    assertThat(dates.get(1) - dates.get(0)).isEqualTo(2_000);
    assertThat(dates.get(2) - dates.get(1)).isEqualTo(2_000);
  }

  @Test
  void theWindowIsBoundedBySegmentsAndBytesAndReleasesWhatItDrops() {
    settings = settings(3, 1L << 20);
    start();
    List<ByteBuf> seen = new ArrayList<>();
    videoPayload = 20_000; // 500 kB/s: a 2 s segment is about 1 MB, over the byte bound
    for (int i = 0; i < 40; i++) {
      feed(240);
      HlsWindow w = session.window();
      assertThat(w.bytes()).isLessThanOrEqualTo(1L << 20);
      assertThat(w.segments().stream().filter(s -> s.complete).count()).isLessThanOrEqualTo(3);
      HlsWindow.Part last = w.lastPart();
      if (last != null && seen.stream().noneMatch(b -> b == last.content())) {
        seen.add(last.content());
      }
    }
    assertThat(session.window().droppedByBytes()).isPositive();
    session.close("test");
    assertThat(seen).isNotEmpty().allMatch(b -> b.refCnt() == 0);
  }

  @Test
  void segmentBoundAloneDropsOldestAndCountsIt() {
    settings = settings(3, 64L << 20);
    start();
    feed(12_100);
    List<HlsWindow.Segment> segs = session.window().segments();
    assertThat(segs.stream().filter(s -> s.complete).count()).isEqualTo(3);
    assertThat(segs.get(0).msn).isEqualTo(session.window().droppedByCount());
    String p = get("media.m3u8").text();
    assertThat(p).contains("#EXT-X-MEDIA-SEQUENCE:" + segs.get(0).msn + "\n");
  }

  @Test
  void aDvrWindowKeepsSegmentsBackToItsLengthWithPartsOnlyNearTheLiveEdge() {
    settings = dvrSettings(Duration.ofSeconds(30), 64L << 20, 64L << 20);
    start();
    feed(60_100);
    HlsWindow w = session.window();
    List<HlsWindow.Segment> segs = w.segments();
    HlsWindow.Segment oldest = segs.get(0);
    // Enough to seek back 30 s, and not a segment more: without the oldest it would be short of it.
    assertThat(w.completeMillis()).isGreaterThanOrEqualTo(30_000);
    assertThat(w.completeMillis() - oldest.durationMillis).isLessThan(30_000);
    assertThat(segs.stream().filter(s -> s.complete).count()).as("complete segments").isEqualTo(15);
    assertThat(w.droppedByCount()).isEqualTo(oldest.msn).isPositive();
    assertThat(metrics.registry().find("cascade.hls.window.dropped").tag("reason", "window").counter().count())
        .isEqualTo(w.droppedByCount());

    String p = get("media.m3u8").text();
    assertThat(p).contains("#EXT-X-MEDIA-SEQUENCE:" + oldest.msn + "\n");
    List<String> uris = lines(p, "seg-t1-");
    assertThat(uris).hasSize(15);
    for (int i = 0; i < uris.size(); i++) {
      assertThat(uris.get(i)).isEqualTo("seg-t1-" + (oldest.msn + i) + ".m4s");
    }
    // Parts of the newest segments only (3 target durations and the open one), as without DVR.
    long partedSegments = lines(p, "#EXT-X-PART:").stream()
        .map(l -> w.part(Long.parseLong(uri(l).replaceAll("part-t1-(\\d+)\\.m4s", "$1"))).msn())
        .distinct().count();
    assertThat(partedSegments).isBetween(3L, 4L);
    // No EXT-X-START and no ENDLIST: a player starts at the live edge (PART-HOLD-BACK).
    assertThat(p).doesNotContain("#EXT-X-START").doesNotContain("#EXT-X-ENDLIST");
    // A segment from the far end of the window is served.
    Answer first = get("seg-t1-" + oldest.msn + ".m4s");
    assertThat(first.status).isEqualTo(200);
    assertThat(first.body.readableBytes()).isEqualTo((int) oldest.bytes);

    // A delta update skips what is older than CAN-SKIP-UNTIL (12 s) and keeps the rest.
    String delta = get("media.m3u8?_HLS_skip=YES").text();
    int skipped = Integer.parseInt(lines(delta, "#EXT-X-SKIP:SKIPPED-SEGMENTS=").get(0).replaceAll("\\D", ""));
    // 15 segments of 2 s and 0.1 s of an open one: those starting over 12 s before the end are 0 to 9.
    assertThat(skipped).isEqualTo(10);
    assertThat(lines(delta, "seg-t1-").get(0)).isEqualTo("seg-t1-" + (oldest.msn + skipped) + ".m4s");
    assertThat(lines(delta, "#EXT-X-MAP:")).hasSize(1);
    assertThat(delta).contains("#EXT-X-MEDIA-SEQUENCE:" + oldest.msn + "\n");
  }

  @Test
  void aDvrWindowIsBoundedByItsOwnByteLimitAndReleasesWhatItDrops() {
    // 1 MiB is the live window's bound; the DVR window may use 3 MiB, and no more.
    settings = dvrSettings(Duration.ofSeconds(60), 1L << 20, 3L << 20);
    start();
    videoPayload = 5_000; // 125 kB/s: a 2 s segment is about 250 kB, 60 s would be 7.5 MB
    List<ByteBuf> seen = new ArrayList<>();
    long most = 0;
    for (int i = 0; i < 150; i++) {
      feed(240);
      HlsWindow w = session.window();
      most = Math.max(most, w.bytes());
      assertThat(w.bytes()).isLessThanOrEqualTo(3L << 20);
      if (w.lastPart() != null) {
        seen.add(w.lastPart().content());
      }
    }
    HlsWindow w = session.window();
    assertThat(most).as("bytes held at the most").isGreaterThan(1L << 20);
    assertThat(w.droppedByBytes()).isPositive();
    assertThat(w.droppedByCount()).as("the DVR window was never full").isZero();
    assertThat(w.completeMillis()).isLessThan(60_000).isGreaterThan(10_000);
    assertThat(metrics.registry().find("cascade.hls.window.dropped").tag("reason", "bytes").counter().count())
        .isEqualTo(w.droppedByBytes());
    String p = get("media.m3u8").text();
    assertThat(p).contains("#EXT-X-MEDIA-SEQUENCE:" + w.segments().get(0).msn + "\n");
    session.close("test");
    assertThat(seen).allMatch(b -> b.refCnt() == 0);
  }

  @Test
  void aRepublishInTheDvrWindowKeepsItsDiscontinuityUntilItSlidesOut() {
    settings = dvrSettings(Duration.ofSeconds(20), 64L << 20, 64L << 20);
    start();
    feed(10_100);
    streams.unpublish(stream, publisher);
    channel.runPendingTasks();
    timeBase = 50_000;
    streamTime = 0;
    publish();
    feed(12_100);
    String p = get("media.m3u8").text();
    assertThat(p).contains("#EXT-X-DISCONTINUITY-SEQUENCE:0\n");
    assertThat(lines(p, "#EXT-X-DISCONTINUITY")).filteredOn(l -> l.equals("#EXT-X-DISCONTINUITY")).hasSize(1);
    // Delta updates skip segments on both sides of it; the skipped discontinuity stays counted from 0.
    String delta = get("media.m3u8?_HLS_skip=YES").text();
    assertThat(lines(delta, "#EXT-X-SKIP:")).hasSize(1);
    assertThat(delta).contains("#EXT-X-DISCONTINUITY-SEQUENCE:0\n");

    feed(24_000);
    String later = get("media.m3u8").text();
    assertThat(later).contains("#EXT-X-DISCONTINUITY-SEQUENCE:1\n").doesNotContain("#EXT-X-DISCONTINUITY\n");
    long sequence = Long.parseLong(lines(later, "#EXT-X-MEDIA-SEQUENCE:").get(0).replaceAll("\\D", ""));
    assertThat(lines(later, "seg-t1-").get(0)).isEqualTo("seg-t1-" + sequence + ".m4s");
    assertThat(session.window().completeMillis()).isBetween(20_000L, 22_000L);
  }

  @Test
  void aStreamThatNeverGoesLiveIs404AfterTheBlockTimeoutAndIdleSessionsEnd() {
    settings = settings(6, 64L << 20, Duration.ofSeconds(10));
    channel.freezeTime();
    node = new HlsNode(settings, streams, new HlsMeters(metrics, settings.partTarget(), () -> 0, blocked::get),
        PooledByteBufAllocator.DEFAULT, () -> nowMillis * 1_000_000L, () -> WALL_START + nowMillis, blocked);
    session = new HlsSession(node, KEY, channel.eventLoop(), "t1");
    node.sessions.put(KEY, session);
    request("index.m3u8");
    assertThat(streams.get(KEY)).as("the request joined the stream").isNotNull();
    // live.playerWaitTimeout (30 s) capped by hls.blockTimeout (6 s).
    Duration wait = settings.blockTimeout();
    assertThat(wait).isLessThan(LiveSettings.DEFAULTS.playerWaitTimeout());
    advance(wait.minusMillis(1));
    assertThat(answers).isEmpty();
    advance(Duration.ofMillis(1));
    assertThat(answers).hasSize(1);
    assertThat(answers.get(0).status).isEqualTo(404);
    assertThat(answers.get(0).reason).isEqualTo("stream_not_found");
    advance(settings.viewerIdle());
    assertThat(session.closed()).as("idle for hls.viewerIdle").isTrue();
    assertThat(node.sessions).isEmpty();
    assertThat(streams.get(KEY)).as("left the stream").isNull();
  }

  @Test
  void partAvailabilityLatencyIsMeasuredFromTheFirstFrameOfEachPart() {
    start();
    feed(3_000);
    assertThat(node.meters.partLatencyCount()).isGreaterThan(8);
    // A part is listed when the frame after it arrives: its latency is its duration, within the target.
    assertThat(node.meters.partLatencyMax()).isBetween(Duration.ofMillis(200), settings.partTarget());
  }

  /**
   * An edge's pull starts 1.2 s after the join with the origin's GOP cache, all at once: the parts cut
   * from that burst count their duration (240 ms at 25 fps), as the live ones after it do, not the
   * burst's few milliseconds, and the buckets around the part target hold every part.
   */
  @Test
  void partsOfAnUpstreamBurstCountTheirDurationNotTheBurst() {
    start();
    advance(Duration.ofMillis(1_200));
    burst = true;
    feed(1_200);
    burst = false;
    streamTime = 1_200;
    feed(2_000);
    assertThat(node.meters.partLatencyCount()).as("parts of the burst and live ones").isGreaterThanOrEqualTo(12);
    HistogramSnapshot snapshot = metrics.registry().find("cascade.hls.part.latency").timer().takeSnapshot();
    // Cumulative counts. Before this rule the five parts of the burst read 0 ms (the clock stood still).
    for (CountAtBucket bucket : snapshot.histogramCounts()) {
      double le = bucket.bucket(TimeUnit.MILLISECONDS);
      if (le <= 50) {
        assertThat(bucket.count()).as("parts within %s ms", le).isZero();
      } else if (le < 240) {
        // The one short part: media 1920-2000 ms, cut by the keyframe that starts the second segment.
        assertThat(bucket.count()).as("parts within %s ms", le).isLessThanOrEqualTo(1);
      }
    }
    assertThat(Arrays.stream(snapshot.histogramCounts()).map(b -> b.bucket(TimeUnit.MILLISECONDS)))
        .as("bucket bounds (ms) at the part target and 30 ms beyond").contains(250.0, 280.0);
    assertThat(node.meters.partLatencyMax()).isBetween(Duration.ofMillis(239), settings.partTarget());
    // The node lists each part as the frame that completes it arrives (the virtual clock stands still meanwhile).
    assertThat(node.meters.partDelayMax()).isLessThanOrEqualTo(Duration.ofMillis(1));
  }
}
