package io.cascade.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.live.LiveSettings;
import io.cascade.live.StreamManager;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The console's files as HttpApi serves them from the classpath (the common build puts Vite's
 * output under io/cascade/console before the tests run): types, cache headers, revalidation, and
 * that nothing outside the console's folder is reachable.
 */
class ConsoleFilesTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static Vertx vertx;
  private static HttpApi api;
  private static final HttpClient http = HttpClient.newBuilder().connectTimeout(TIMEOUT).build();

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    StreamManager streams = new StreamManager(LiveSettings.DEFAULTS, PooledByteBufAllocator.DEFAULT);
    api = new HttpApi(streams, "node-1", "origin", () -> true, null)
        .start(vertx, "127.0.0.1", 0).await(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    if (vertx != null) {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void pageIsHtmlRevalidatedOnEveryLoad() throws Exception {
    HttpResponse<String> page = get("/", null);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.headers().firstValue("content-type")).hasValue("text/html; charset=utf-8");
    assertThat(page.headers().firstValue("cache-control")).hasValue("no-cache");
    assertThat(page.headers().firstValue("content-security-policy")).hasValueSatisfying(p -> assertThat(p).contains("default-src 'self'"));
    assertThat(page.body()).contains("<title>Cascade console</title>").doesNotContain("http://", "https://");

    String etag = page.headers().firstValue("etag").orElseThrow();
    assertThat(get("/", etag).statusCode()).isEqualTo(304);
  }

  @Test
  void hashedAssetsAreImmutableWithTheirTypes() throws Exception {
    String page = get("/", null).body();
    assertAsset(page, "\\.js", "text/javascript; charset=utf-8");
    assertAsset(page, "\\.css", "text/css; charset=utf-8");
  }

  @Test
  void onlyTheConsolesOwnFilesAreServed() throws Exception {
    assertThat(get("/assets/nothing-here.js", null).statusCode()).isEqualTo(404);
    assertThat(get("/assets/..%2Fio%2Fcascade%2Fhttp%2FHttpApi.class", null).statusCode()).isEqualTo(404);
    assertThat(get("/assets/.hidden", null).statusCode()).isEqualTo(404);
    assertThat(get("/assets/a/b.js", null).statusCode()).isEqualTo(404);
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/")).timeout(TIMEOUT)
        .POST(HttpRequest.BodyPublishers.ofString("x")).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET, HEAD");
  }

  private static void assertAsset(String page, String extension, String type) throws Exception {
    Matcher m = Pattern.compile("\"(/assets/[A-Za-z0-9_-]+" + extension + ")\"").matcher(page);
    assertThat(m.find()).as("index.html references an asset ending %s: %s", extension, page).isTrue();
    HttpResponse<String> asset = get(m.group(1), null);
    assertThat(asset.statusCode()).isEqualTo(200);
    assertThat(asset.headers().firstValue("content-type")).hasValue(type);
    assertThat(asset.headers().firstValue("cache-control")).hasValue("public, max-age=31536000, immutable");
    assertThat(asset.body()).isNotEmpty();
  }

  private static HttpResponse<String> get(String path, String ifNoneMatch) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).timeout(TIMEOUT).GET();
    if (ifNoneMatch != null) {
      request.header("if-none-match", ifNoneMatch);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + api.actualPort() + path);
  }
}
