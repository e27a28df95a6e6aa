package io.cascade.origin;

import static io.cascade.testing.PlaybackAssertions.assertCleanPlayback;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.CascadeConfig;
import io.cascade.config.ConfigLoader;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The recording API on an in-process origin with ffmpeg 8 publishing: a recording made by a rule is
 * listed by time range and plays over HTTP (ffprobe through the node's /recordings playlist); a
 * live stream without a rule is recorded from a POST and ended by a DELETE with the bearer token,
 * refused (403) without it or with a wrong one; a local Vert.x HTTP server receives the segment and
 * completion events; hostile file paths get a 404 and are counted.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class RecordingApiIT {
  private static final Logger log = LoggerFactory.getLogger(RecordingApiIT.class);
  private static final String TOKEN = "test-token-" + UUID.randomUUID();
  private static final Duration GOP = Duration.ofSeconds(2);

  @TempDir
  static Path root;

  private static Ffmpeg ffmpeg;
  private static OriginNode origin;
  private static HttpServer hooks;
  private static final Queue<JsonObject> events = new ConcurrentLinkedQueue<>();
  private static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start(Vertx vertx) throws TimeoutException {
    ffmpeg = Ffmpeg.locate();
    hooks = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
      events.add(body.toJsonObject());
      req.response().setStatusCode(204).end();
    })).listen(0, "127.0.0.1").await(10, TimeUnit.SECONDS);
    CascadeConfig config = ConfigLoader.load((Path) null, Map.of(), Map.ofEntries(
        Map.entry("rtmp.host", "127.0.0.1"), Map.entry("rtmp.port", 0),
        Map.entry("http.host", "127.0.0.1"), Map.entry("http.port", 0),
        Map.entry("live.republishWaitTimeout", "2s"),
        Map.entry("recording.rules", "rec/*;segment=2s"),
        Map.entry("recording.segmentDuration", "2s"),
        Map.entry("recording.root", root.resolve("recordings").toString()),
        Map.entry("recording.webhook.url", "http://127.0.0.1:" + hooks.actualPort() + "/hook"),
        Map.entry("api.token", TOKEN))).config();
    origin = OriginNode.start(vertx, config).await(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws TimeoutException {
    InProcessOrigin.stop(origin);
    if (hooks != null) {
      hooks.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRuleRecordingIsListedByTimeRangePlaysOverHttpAndItsEventsArrive() throws Exception {
    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    String name = unique("ruled");
    Duration publish = Duration.ofSeconds(6);
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, rtmp("rec/" + name), publish)) {
      assertThat(publisher.awaitExit()).as("ffmpeg exit code\n%s", publisher.describe()).isZero();
    }
    Await.until(Duration.ofSeconds(20), "rec/" + name + " listed as finished",
        () -> finished(list("stream=rec/" + name)) != null);
    JsonObject rec = finished(list("stream=rec/" + name));
    log.info("listed {}", rec.encode());
    assertThat(rec.getString("stream")).isEqualTo("rec/" + name);
    assertThat(rec.getInteger("segments")).as("2 s segments of 6 s").isBetween(3, 4);
    assertThat(rec.getLong("durationMillis")).isBetween(publish.minus(GOP).toMillis(), publish.plus(GOP).toMillis());
    assertThat(rec.getLong("bytes")).isPositive();
    assertThat(rec.containsKey("objectPrefix")).as("no uploads here").isFalse();
    Instant start = Instant.parse(rec.getString("start"));
    Instant end = Instant.parse(rec.getString("end"));
    assertThat(start).isBetween(before, Instant.now());
    assertThat(end).isAfter(start);

    String id = rec.getString("id");
    assertThat(ids(list("stream=rec/" + name + "&from=" + before.minusSeconds(60) + "&to=" + start))).containsExactly(id);
    assertThat(ids(list("stream=rec/" + name + "&from=" + end.plusSeconds(1)))).as("after its end").isEmpty();
    assertThat(ids(list("stream=rec/" + name + "&to=" + start.minusSeconds(1)))).as("before its start").isEmpty();
    assertThat(ids(list("from=" + before + "&limit=1"))).as("limit").hasSize(1);
    assertThat(get("/api/v1/recordings?from=yesterday", Map.of()).statusCode()).isEqualTo(400);

    String playlist = "http://127.0.0.1:" + origin.httpPort() + rec.getString("playlist");
    PlayReport played = ffmpeg.probeUrl(playlist);
    log.info("played over HTTP {}", played.summary());
    assertCleanPlayback(played, PublishProfile.H264_AAC, publish.minus(GOP));
    HttpResponse<byte[]> segment = http.send(HttpRequest.newBuilder(URI.create(playlist.replace("index.m3u8",
        "segment-00001.m4s"))).build(), HttpResponse.BodyHandlers.ofByteArray());
    assertThat(segment.statusCode()).isEqualTo(200);
    assertThat(segment.headers().firstValue("cache-control")).hasValueSatisfying(v -> assertThat(v).contains("immutable"));
    assertThat(segment.body()).isEqualTo(Files.readAllBytes(
        root.resolve("recordings").resolve("rec").resolve(name).resolve(id).resolve("segment-00001.m4s")));

    Await.until(Duration.ofSeconds(10), "the completion event of " + id, () -> event("recording_complete", id) != null);
    JsonObject complete = event("recording_complete", id);
    log.info("completion event {}", complete.encode());
    assertThat(complete.getString("streamKey")).isEqualTo("rec/" + name);
    assertThat(complete.containsKey("bucket")).as("no uploads here").isFalse();
    assertThat(complete.getInteger("segments")).isEqualTo(rec.getInteger("segments"));
    assertThat(complete.getLong("bytes")).isEqualTo(rec.getLong("bytes"));
    assertThat(complete.getString("url")).isEqualTo(rec.getString("playlist"));
    List<JsonObject> segments = events.stream()
        .filter(e -> e.getString("action").equals("recording_segment") && id.equals(e.getString("recordingId")))
        .toList();
    assertThat(segments).extracting(e -> e.getInteger("segment"))
        .containsExactlyInAnyOrderElementsOf(java.util.stream.IntStream.rangeClosed(1, rec.getInteger("segments"))
            .boxed().toList());
    assertThat(segments).allSatisfy(e -> {
      assertThat(e.getLong("bytes")).isPositive();
      assertThat(e.getLong("durationMillis")).isPositive();
      assertThat(Path.of(e.getString("path"))).exists();
    });
  }

  @Test
  void aLiveStreamIsRecordedFromAPostAndEndedByADeleteWithTheToken() throws Exception {
    String name = unique("asked");
    String body = new JsonObject().put("stream", "live/" + name).encode();
    assertThat(post(body, Map.of()).statusCode()).as("no token").isEqualTo(403);
    assertThat(post(body, Map.of("Authorization", "Bearer wrong")).statusCode()).as("wrong token").isEqualTo(403);
    Map<String, String> auth = Map.of("Authorization", "Bearer " + TOKEN);
    assertThat(post(body, auth).statusCode()).as("not live yet").isEqualTo(404);

    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, rtmp("live/" + name), Duration.ofSeconds(20))) {
      publisher.awaitFramesSent(PublishProfile.FPS, Duration.ofSeconds(20));
      Await.until(Duration.ofSeconds(10), "live/" + name + " recorded on request",
          () -> post(body, auth).statusCode() == 201);
      assertThat(post(body, auth).statusCode()).as("recorded already").isEqualTo(409);
      Await.until(Duration.ofSeconds(20), "two segments recorded", () -> {
        JsonArray found = list("stream=live/" + name);
        return found.size() == 1 && found.getJsonObject(0).getInteger("segments") >= 2;
      });
      assertThat(list("stream=live/" + name).getJsonObject(0).getString("state")).isEqualTo("in_progress");
      assertThat(delete("live/" + name, Map.of()).statusCode()).as("no token").isEqualTo(403);
      assertThat(delete("live/" + name, Map.of("Authorization", "Bearer " + TOKEN + "x")).statusCode())
          .as("wrong token").isEqualTo(403);
      assertThat(delete("live/" + name, auth).statusCode()).isEqualTo(202);
      Await.until(Duration.ofSeconds(10), "live/" + name + " finished while still published",
          () -> finished(list("stream=live/" + name)) != null);
      assertThat(origin.streams().get("live/" + name).isLive()).as("still published").isTrue();
      assertThat(delete("live/" + name, auth).statusCode()).as("no recording any more").isEqualTo(404);
    }
    JsonObject rec = finished(list("stream=live/" + name));
    PlayReport played = ffmpeg.probeUrl("http://127.0.0.1:" + origin.httpPort() + rec.getString("playlist"));
    log.info("requested recording {} played {}", rec.encode(), played.summary());
    assertCleanPlayback(played, PublishProfile.H264_AAC, Duration.ofSeconds(3));
    Await.until(Duration.ofSeconds(10), "its completion event",
        () -> event("recording_complete", rec.getString("id")) != null);
    assertThat(refused("unauthorized")).isGreaterThanOrEqualTo(4);
  }

  @Test
  void hostileFilePathsAreRefusedAndCounted(@TempDir Path outside) throws Exception {
    Files.writeString(outside.resolve("index.m3u8"), "#EXTM3U\nsecret\n");
    Path streamDir = Files.createDirectories(root.resolve("recordings").resolve("rec").resolve("linked"));
    Files.createSymbolicLink(streamDir.resolve("20200101T000000Z"), outside);
    double before = refused("bad_path");
    List<String> hostile = List.of(
        "/recordings/rec/linked/20200101T000000Z/index.m3u8",
        "/recordings/rec/%2e%2e/%2e%2e/index.m3u8",
        "/recordings/%2e%2e/rec/20200101T000000Z/index.m3u8",
        "/recordings/rec/..%2f..%2f/20200101T000000Z/index.m3u8",
        "/recordings/rec/linked/20200101T000000Z/..%2F..%2F..%2Fetc%2Fpasswd",
        "/recordings/rec/linked/20200101T000000Z/index.m3u8.tmp");
    for (String path : hostile) {
      HttpResponse<String> r = get(path, Map.of());
      assertThat(r.statusCode()).as(path).isEqualTo(404);
      assertThat(r.body()).as(path).doesNotContain("secret");
    }
    String raw = rawGet("/recordings/../../../../../etc/passwd");
    assertThat(raw).startsWith("HTTP/1.1 404").doesNotContain("root:");
    assertThat(refused("bad_path") - before).isGreaterThanOrEqualTo(hostile.size());
  }

  // --- helpers ---

  private static String unique(String label) {
    return label + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String rtmp(String key) {
    return "rtmp://127.0.0.1:" + origin.rtmpPort() + "/" + key;
  }

  private static JsonArray list(String query) throws IOException, InterruptedException {
    HttpResponse<String> r = get("/api/v1/recordings?" + query, Map.of());
    assertThat(r.statusCode()).as("list %s: %s", query, r.body()).isEqualTo(200);
    return new JsonObject(r.body()).getJsonArray("recordings");
  }

  private static JsonObject finished(JsonArray recordings) {
    return recordings.stream().map(JsonObject.class::cast).filter(r -> r.getString("state").equals("finished"))
        .findFirst().orElse(null);
  }

  private static List<String> ids(JsonArray recordings) {
    return recordings.stream().map(r -> ((JsonObject) r).getString("id")).toList();
  }

  private static JsonObject event(String action, String id) {
    return events.stream().filter(e -> action.equals(e.getString("action")) && id.equals(e.getString("recordingId")))
        .findFirst().orElse(null);
  }

  private static double refused(String reason) {
    return origin.metrics().registry().find("cascade.recording.api.refused").tag("reason", reason).counter().count();
  }

  private static HttpResponse<String> get(String path, Map<String, String> headers)
      throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri(path)).GET(), headers);
  }

  private static HttpResponse<String> post(String body, Map<String, String> headers)
      throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri("/api/v1/recordings")).POST(HttpRequest.BodyPublishers.ofString(body)),
        headers);
  }

  private static HttpResponse<String> delete(String key, Map<String, String> headers)
      throws IOException, InterruptedException {
    return send(HttpRequest.newBuilder(uri("/api/v1/recordings/" + key)).DELETE(), headers);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request, Map<String, String> headers)
      throws IOException, InterruptedException {
    headers.forEach(request::header);
    return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + origin.httpPort() + path);
  }

  /** A request line sent as written, without a client's normalization of dot segments. */
  private static String rawGet(String path) throws IOException {
    try (Socket s = new Socket("127.0.0.1", origin.httpPort())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(("GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }
}
