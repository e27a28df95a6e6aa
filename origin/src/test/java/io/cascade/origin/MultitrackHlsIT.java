package io.cascade.origin;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpUrl;
import io.cascade.config.ConfigLoader;
import io.cascade.rtmp.message.MessageType;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.FlvFile;
import io.cascade.testing.PlayReport;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.junit5.VertxExtension;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
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
 * Enhanced-RTMP multitrack video over LL-HLS: ffmpeg 8 encodes the same test pattern at 640x360
 * (with AAC) and 320x180, one keyframe a second in both; the test publishes them with the project's
 * RTMP client as one stream, the first file as the default track and the second as video track 1
 * (OneTrack multitrack messages, as OBS sends them), in real time. The multivariant playlist lists
 * two renditions with their resolutions, each media playlist reports the other, segments are cut at
 * the same keyframes, and ffprobe 8 decodes each rendition's init segment and segments with its own
 * resolution and at least 90 % of the pictures sent on its track.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class MultitrackHlsIT {
  private static final Logger log = LoggerFactory.getLogger(MultitrackHlsIT.class);
  private static final Duration MEDIA = Duration.ofSeconds(8);
  private static final int AVC_CODED_FRAMES = 1;
  private static final int AVC_END_OF_SEQUENCE = 2;

  private static Ffmpeg ffmpeg;
  private static OriginNode origin;
  private static HttpClient http;
  private static EventLoopGroup group;

  @BeforeAll
  static void startOrigin(Vertx vertx) throws TimeoutException {
    ffmpeg = Ffmpeg.locate();
    origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), Map.ofEntries(
        Map.entry("rtmp.host", "127.0.0.1"), Map.entry("rtmp.port", 0),
        Map.entry("http.host", "127.0.0.1"), Map.entry("http.port", 0))).config())
        .await(30, TimeUnit.SECONDS);
    http = vertx.createHttpClient();
    group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
  }

  @AfterAll
  static void stopOrigin() throws TimeoutException {
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    InProcessOrigin.stop(origin);
  }

  @Test
  void twoVideoTracksBecomeTwoRenditionsThatEachDecodeAtTheirOwnSize(@TempDir Path dir) throws Exception {
    Path large = dir.resolve("track0.flv");
    Path small = dir.resolve("track1.flv");
    ffmpeg.encodeFlv(640, 360, true, MEDIA, large);
    ffmpeg.encodeFlv(320, 180, false, MEDIA, small);
    List<FlvFile.Tag> tags = new ArrayList<>();
    for (FlvFile.Tag t : FlvFile.read(large)) {
      if (t.type() == MessageType.VIDEO || t.type() == MessageType.AUDIO) {
        tags.add(t);
      }
    }
    for (FlvFile.Tag t : FlvFile.read(small)) {
      if (t.type() == MessageType.VIDEO && (t.body()[1] & 0xFF) != AVC_END_OF_SEQUENCE) {
        tags.add(new FlvFile.Tag(t.type(), t.timestamp(), oneTrack(t.body(), 1)));
      }
    }
    // Stable: at equal times the default track's frame goes first, as OBS sends them.
    tags.sort(Comparator.comparingLong(FlvFile.Tag::timestamp));
    long sent0 = codedPictures(FlvFile.read(large));
    long sent1 = codedPictures(FlvFile.read(small));

    String name = "multi-" + UUID.randomUUID().toString().substring(0, 8);
    RtmpClient client = RtmpClient.create(group, new RtmpClientOptions(), new RtmpClientListener() { });
    try {
      client.connect(new RtmpUrl("127.0.0.1", origin.rtmpPort(), "live", name)).get(10, TimeUnit.SECONDS);
      client.publish(name).get(10, TimeUnit.SECONDS);
      // The first request joins the stream before any frame, so the packaging sees every one.
      CompletableFuture<Reply> first = request("/live/" + name + "/index.m3u8").toCompletionStage().toCompletableFuture();
      Await.until(Duration.ofSeconds(10), "the first request waiting in its session", () -> {
        var blocked = origin.metrics().registry().find("cascade.hls.blocked").gauge();
        return blocked != null && blocked.value() >= 1;
      });
      CompletableFuture<Void> sent = publishInRealTime(client, tags);
      assertThat(first.get(20, TimeUnit.SECONDS).statusCode()).isEqualTo(200);

      String[] multivariant = new String[1];
      Await.until(Duration.ofSeconds(15), "both renditions in the multivariant playlist", () -> {
        multivariant[0] = get("/live/" + name + "/index.m3u8").text();
        return multivariant[0].lines().filter(l -> l.startsWith("#EXT-X-STREAM-INF:")).count() == 2;
      }, () -> multivariant[0]);
      log.info("multivariant playlist:\n{}", multivariant[0]);
      List<String> lines = multivariant[0].lines().toList();
      int default0 = lines.indexOf("media.m3u8");
      int track1 = lines.indexOf("media-1.m3u8");
      assertThat(lines.get(default0 - 1)).contains("RESOLUTION=640x360").contains("CODECS=\"avc1.").contains("mp4a.40.2")
          .contains("FRAME-RATE=30.");
      assertThat(lines.get(track1 - 1)).contains("RESOLUTION=320x180").contains("CODECS=\"avc1.").contains("mp4a.40.2")
          .contains("FRAME-RATE=30.");
      assertThat(number(lines.get(default0 - 1), "BANDWIDTH=(\\d+)"))
          .as("each rendition's bit rate is measured from its own bytes")
          .isGreaterThan(number(lines.get(track1 - 1), "BANDWIDTH=(\\d+)"));

      sent.get(MEDIA.toSeconds() + 20, TimeUnit.SECONDS);
      client.close().get(10, TimeUnit.SECONDS);
    } finally {
      client.close();
    }

    // The publisher left: each rendition's last segment is complete.
    String[] playlists = new String[2];
    Await.until(Duration.ofSeconds(10), "every segment complete in both renditions", () -> {
      playlists[0] = get("/live/" + name + "/media.m3u8").text();
      playlists[1] = get("/live/" + name + "/media-1.m3u8").text();
      return listedSeconds(playlists[0]) >= MEDIA.toMillis() / 1000.0 - 0.2
          && listedSeconds(playlists[1]) >= MEDIA.toMillis() / 1000.0 - 0.2;
    }, () -> String.join("\n---\n", playlists));
    log.info("rendition 1 media playlist:\n{}", playlists[1]);
    assertThat(extinf(playlists[1])).as("segments cut at the same keyframes").isEqualTo(extinf(playlists[0]));
    assertThat(playlists[0]).contains("#EXT-X-RENDITION-REPORT:URI=\"media-1.m3u8\",LAST-MSN=");
    assertThat(playlists[1]).contains("#EXT-X-RENDITION-REPORT:URI=\"media.m3u8\",LAST-MSN=");

    PlayReport r0 = probe(name, playlists[0], dir.resolve("rendition0.mp4"));
    PlayReport r1 = probe(name, playlists[1], dir.resolve("rendition1.mp4"));
    log.info("MEASURED rendition 0: {} of {} pictures, {}x{}; rendition 1: {} of {} pictures, {}x{}",
        r0.videoFrames(), sent0, r0.width(), r0.height(), r1.videoFrames(), sent1, r1.width(), r1.height());
    assertThat(r0.width()).isEqualTo(640);
    assertThat(r0.height()).isEqualTo(360);
    assertThat(r1.width()).isEqualTo(320);
    assertThat(r1.height()).isEqualTo(180);
    assertThat((double) r0.videoFrames()).isGreaterThanOrEqualTo(0.9 * sent0);
    assertThat((double) r1.videoFrames()).isGreaterThanOrEqualTo(0.9 * sent1);
    assertThat(r0.audioCodec()).isEqualTo("aac");
    assertThat(r1.audioCodec()).as("the default audio is muxed into every rendition").isEqualTo("aac");
  }

  /**
   * A classic FLV AVC body as an Enhanced-RTMP OneTrack multitrack body of {@code track}: frame
   * type and packet type kept, FourCC avc1, the track id, then the body after the AVC header (with
   * the composition time for coded frames).
   */
  private static byte[] oneTrack(byte[] legacy, int track) {
    int frameType = (legacy[0] & 0xFF) >> 4;
    int packetType = legacy[1] & 0xFF;
    ByteArrayOutputStream out = new ByteArrayOutputStream(legacy.length + 6);
    out.write(0x80 | frameType << 4 | 6); // ExVideoTagHeader, VideoPacketType.Multitrack
    out.write(packetType); // AvMultitrackType.OneTrack << 4 | the packet type
    out.writeBytes("avc1".getBytes(StandardCharsets.US_ASCII));
    out.write(track);
    int from = packetType == AVC_CODED_FRAMES ? 2 : 5;
    out.write(legacy, from, legacy.length - from);
    return out.toByteArray();
  }

  private static long codedPictures(List<FlvFile.Tag> tags) {
    return tags.stream().filter(t -> t.type() == MessageType.VIDEO && (t.body()[1] & 0xFF) == AVC_CODED_FRAMES)
        .count();
  }

  /** Sends each tag when its timestamp comes due, from tasks on the client's event loop. */
  private static CompletableFuture<Void> publishInRealTime(RtmpClient client, List<FlvFile.Tag> tags) {
    EventLoop loop = client.eventLoop();
    CompletableFuture<Void> done = new CompletableFuture<>();
    for (FlvFile.Tag t : tags) {
      loop.schedule(() -> client.sendMedia(t.type(), t.timestamp(), Unpooled.wrappedBuffer(t.body())),
          t.timestamp(), TimeUnit.MILLISECONDS);
    }
    long end = tags.get(tags.size() - 1).timestamp() + 1;
    loop.schedule(() -> done.complete(null), end, TimeUnit.MILLISECONDS);
    return done;
  }

  /** Fetches a rendition's init segment and complete segments into one file and decodes it. */
  private static PlayReport probe(String name, String playlist, Path file) throws TimeoutException, IOException {
    Matcher map = Pattern.compile("#EXT-X-MAP:URI=\"([^\"]+)\"").matcher(playlist);
    assertThat(map.find()).isTrue();
    List<String> uris = new ArrayList<>();
    uris.add(map.group(1));
    assertThat(map.find()).as("one init segment").isFalse();
    playlist.lines().filter(l -> l.startsWith("seg-")).forEach(uris::add);
    Buffer whole = Buffer.buffer();
    for (String uri : uris) {
      Reply r = get("/live/" + name + "/" + uri);
      assertThat(r.statusCode()).as(uri).isEqualTo(200);
      whole.appendBuffer(r.body());
    }
    Files.write(file, whole.getBytes());
    return ffmpeg.probeFile(file);
  }

  private static double listedSeconds(String playlist) {
    return extinf(playlist).stream().mapToDouble(Double::parseDouble).sum();
  }

  private static List<String> extinf(String playlist) {
    return playlist.lines().filter(l -> l.startsWith("#EXTINF:"))
        .map(l -> l.substring("#EXTINF:".length(), l.indexOf(','))).toList();
  }

  private static long number(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as(regex).isTrue();
    return Long.parseLong(m.group(1));
  }

  private record Reply(int statusCode, Buffer body) {
    String text() {
      return body.toString();
    }
  }

  private static io.vertx.core.Future<Reply> request(String uri) {
    return http.request(HttpMethod.GET, origin.httpPort(), "127.0.0.1", uri)
        .compose(req -> req.send().compose(resp -> resp.body().map(b -> new Reply(resp.statusCode(), b))));
  }

  private static Reply get(String uri) throws TimeoutException {
    return request(uri).await(15, TimeUnit.SECONDS);
  }
}
