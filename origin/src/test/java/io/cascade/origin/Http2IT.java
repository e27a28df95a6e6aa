package io.cascade.origin;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.ConfigLoader;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HTTP/2 on a real origin fed by ffmpeg: LL-HLS (the multivariant playlist, a blocking reload of
 * the media playlist, the hinted part, the init segment) over HTTPS with ALPN h2, over cleartext
 * h2c (prior knowledge and Upgrade) and over HTTP/1.1 on both ports, each with its protocol,
 * statuses, Cache-Control and fMP4 bytes checked; HTTP-FLV's answers over each; the HTTPS
 * certificate (the RTMPS one) reloaded from disk.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class Http2IT {
  private static final Logger log = LoggerFactory.getLogger(Http2IT.class);
  private static final Duration PUBLISH = Duration.ofSeconds(60);
  private static final Duration PUBLISH_START_LIMIT = Duration.ofSeconds(20);
  private static final String PLAYLIST_CACHE = "no-cache";
  private static final String MEDIA_CACHE = "public, max-age=31536000, immutable";

  @TempDir
  static Path dir;
  private static Path certFile;
  private static Path keyFile;
  private static OriginNode origin;
  private static Publisher publisher;
  private static String name;
  private static Vertx vertx;

  /** How a client reaches the node: port, TLS, HTTP version and how HTTP/2 is agreed. */
  enum Transport {
    H2_TLS_ALPN(true, HttpVersion.HTTP_2),
    H2C_PRIOR_KNOWLEDGE(false, HttpVersion.HTTP_2),
    H2C_UPGRADE(false, HttpVersion.HTTP_2),
    HTTP1_TLS(true, HttpVersion.HTTP_1_1),
    HTTP1_PLAIN(false, HttpVersion.HTTP_1_1);

    final boolean tls;
    final HttpVersion version;

    Transport(boolean tls, HttpVersion version) {
      this.tls = tls;
      this.version = version;
    }

    HttpClientOptions options() {
      HttpClientOptions o = new HttpClientOptions().setProtocolVersion(version)
          .setHttp2ClearTextUpgrade(this == H2C_UPGRADE);
      if (tls) {
        // ALPN offers only the client's version: h2, or http/1.1.
        o.setSsl(true).setUseAlpn(true).setTrustOptions(new PemTrustOptions().addCertPath(certFile.toString()));
      }
      return o;
    }

    int port() {
      return tls ? origin.httpsPort() : origin.httpPort();
    }
  }

  @BeforeAll
  static void start(Vertx v) throws Exception {
    vertx = v;
    certFile = dir.resolve("tls.crt");
    keyFile = dir.resolve("tls.key");
    generate("cascade-a", certFile, keyFile);
    origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), Map.ofEntries(
        Map.entry("rtmp.host", "127.0.0.1"), Map.entry("rtmp.port", 0),
        Map.entry("http.host", "127.0.0.1"), Map.entry("http.port", 0),
        Map.entry("https.enabled", "true"), Map.entry("https.port", 0),
        Map.entry("rtmps.certFile", certFile.toString()), Map.entry("rtmps.keyFile", keyFile.toString()),
        Map.entry("rtmps.reloadInterval", "200ms"))).config())
        .await(30, TimeUnit.SECONDS);
    name = "h2-" + UUID.randomUUID().toString().substring(0, 8);
    publisher = Ffmpeg.locate().publish(PublishProfile.H264_AAC,
        "rtmp://127.0.0.1:" + origin.rtmpPort() + "/live/" + name, PUBLISH);
    publisher.awaitFramesSent(PublishProfile.FPS, PUBLISH_START_LIMIT);
  }

  @AfterAll
  static void stop() throws TimeoutException {
    if (publisher != null) {
      publisher.close();
    }
    InProcessOrigin.stop(origin);
  }

  @ParameterizedTest
  @EnumSource(Transport.class)
  void llHlsIsServedWithItsProtocolStatusesAndCacheHeaders(Transport transport) throws TimeoutException {
    HttpClient client = vertx.createHttpClient(transport.options());
    try {
      String base = "/live/" + name + "/";
      Reply multivariant = get(client, transport, base + "index.m3u8");
      assertThat(multivariant.status()).isEqualTo(200);
      assertThat(multivariant.header("content-type")).isEqualTo("application/vnd.apple.mpegurl");
      assertThat(multivariant.header("cache-control")).isEqualTo(PLAYLIST_CACHE);
      assertThat(multivariant.text()).startsWith("#EXTM3U").contains("media.m3u8");

      Reply media = get(client, transport, base + "media.m3u8");
      assertThat(media.status()).isEqualTo(200);
      assertThat(media.header("cache-control")).isEqualTo(PLAYLIST_CACHE);
      String playlist = media.text();
      long msn = number(playlist, "#EXT-X-MEDIA-SEQUENCE:(\\d+)")
          + playlist.lines().filter(l -> l.startsWith("#EXTINF")).count();
      int tailStart = Math.max(0, playlist.lastIndexOf("#EXTINF"));
      long part = playlist.substring(tailStart).lines().filter(l -> l.startsWith("#EXT-X-PART:")).count();

      long partsBefore = partRequests();
      long t0 = System.nanoTime();
      Reply blocked = get(client, transport, base + "media.m3u8?_HLS_msn=" + msn + "&_HLS_part=" + part);
      long waitedMs = (System.nanoTime() - t0) / 1_000_000;
      assertThat(blocked.status()).isEqualTo(200);
      assertThat(blocked.header("cache-control")).isEqualTo(PLAYLIST_CACHE);
      assertThat(waitedMs).as("answered on the part's arrival, well before hls.blockTimeout").isLessThan(3_000);
      String next = blocked.text();
      assertThat(next).isNotEqualTo(playlist);

      Matcher hint = Pattern.compile("PRELOAD-HINT:TYPE=PART,URI=\"([^\"]+)\"").matcher(next);
      assertThat(hint.find()).as("a preload hint in%n%s", next).isTrue();
      long t1 = System.nanoTime();
      Reply hinted = get(client, transport, base + hint.group(1));
      log.info("MEASURED transport={} blocking_reload_ms={} hinted_part_ms={} part_bytes={}", transport, waitedMs,
          (System.nanoTime() - t1) / 1_000_000, hinted.body().length());
      assertThat(hinted.status()).isEqualTo(200);
      assertThat(hinted.header("content-type")).isEqualTo("video/mp4");
      assertThat(hinted.header("cache-control")).isEqualTo(MEDIA_CACHE);
      assertThat(topLevelBoxes(hinted.body())).as("a part is an fMP4 fragment").containsSubsequence("moof", "mdat");
      assertThat(partRequests() - partsBefore).as("the part request counted in cascade.hls.requests").isEqualTo(1);

      Reply init = get(client, transport, base + group(next, "#EXT-X-MAP:URI=\"([^\"]+)\""));
      assertThat(init.status()).isEqualTo(200);
      assertThat(init.header("cache-control")).isEqualTo(MEDIA_CACHE);
      assertThat(topLevelBoxes(init.body())).startsWith("ftyp").contains("moov");

      Reply missing = get(client, transport, base + "index.m3u8?_HLS_msn=abc");
      assertThat(missing.status()).isEqualTo(400);
    } finally {
      client.close();
    }
  }

  @Test
  void httpFlvIsServedOverCleartextHttp11AndRefusedClearlyOverHttp2AndTls() throws TimeoutException {
    String path = "/live/" + name + ".flv";
    for (Transport t : List.of(Transport.H2C_PRIOR_KNOWLEDGE, Transport.H2_TLS_ALPN, Transport.HTTP1_TLS)) {
      HttpClient client = vertx.createHttpClient(t.options());
      try {
        Reply r = get(client, t, path);
        int expected = t.tls ? 421 : 505;
        assertThat(r.status()).as("%s", t).isEqualTo(expected);
        assertThat(r.text()).as("%s", t).isEqualTo((t.tls ? "tls" : "http_version") + "\n");
      } finally {
        client.close();
      }
    }
    HttpClient plain = vertx.createHttpClient(Transport.HTTP1_PLAIN.options());
    try {
      Promise<Buffer> head = Promise.promise();
      plain.request(HttpMethod.GET, origin.httpPort(), "127.0.0.1", path)
          .compose(req -> req.send())
          .onSuccess(resp -> {
            assertThat(resp.statusCode()).isEqualTo(200);
            assertThat(resp.version()).isEqualTo(HttpVersion.HTTP_1_1);
            Buffer got = Buffer.buffer();
            resp.handler(b -> {
              got.appendBuffer(b);
              if (got.length() >= 13) {
                head.tryComplete(got);
                resp.request().connection().close();
              }
            });
          })
          .onFailure(head::tryFail);
      Buffer flv = head.future().await(15, TimeUnit.SECONDS);
      assertThat(flv.getString(0, 3)).isEqualTo("FLV");
    } finally {
      plain.close();
    }
    var refused = origin.metrics().registry().find("cascade.httpflv.refused").tag("reason", "tls").counter();
    assertThat(refused).isNotNull();
    assertThat(refused.count()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void httpsOffersH2AndHttp11ByAlpnAndReloadsTheCertificate() throws Exception {
    try (SSLSocket s = tls(new String[] {"h2", "http/1.1"})) {
      assertThat(s.getApplicationProtocol()).isEqualTo("h2");
    }
    try (SSLSocket s = tls(new String[] {"http/1.1"})) {
      assertThat(s.getApplicationProtocol()).isEqualTo("http/1.1");
    }
    byte[] cert = Files.readAllBytes(certFile);
    byte[] key = Files.readAllBytes(keyFile);
    try {
      replace("cascade-b");
      awaitCommonName("cascade-b");
    } finally {
      Path staging = Files.createTempDirectory(dir, "back");
      Files.write(staging.resolve("tls.key"), key);
      Files.write(staging.resolve("tls.crt"), cert);
      Files.move(staging.resolve("tls.key"), keyFile, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      Files.move(staging.resolve("tls.crt"), certFile, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
      awaitCommonName("cascade-a");
    }
  }

  // ---- helpers

  /** A response with its body read and the HTTP version it came over. */
  private record Reply(int status, HttpVersion version, MultiMap headers, Buffer body) {
    String header(String name) {
      return headers.get(name);
    }

    String text() {
      return body.toString();
    }
  }

  /** GET over {@code transport}, asserting the response came over the transport's HTTP version. */
  private static Reply get(HttpClient client, Transport transport, String uri) throws TimeoutException {
    Reply r = client.request(HttpMethod.GET, transport.port(), "127.0.0.1", uri)
        .compose(req -> req.send().compose(resp -> resp.body()
            .map(b -> new Reply(resp.statusCode(), resp.version(), resp.headers(), b))))
        .await(15, TimeUnit.SECONDS);
    assertThat(r.version()).as("%s %s", transport, uri).isEqualTo(transport.version);
    return r;
  }

  /** The types of the ISO BMFF boxes at the top level of {@code bytes}, in order. */
  private static List<String> topLevelBoxes(Buffer bytes) {
    List<String> types = new ArrayList<>();
    int at = 0;
    while (at + 8 <= bytes.length()) {
      long size = bytes.getUnsignedInt(at);
      types.add(bytes.getString(at + 4, at + 8, "US-ASCII"));
      if (size < 8 || at + size > bytes.length()) {
        types.add("<bad size " + size + ">");
        break;
      }
      at += (int) size;
    }
    assertThat(at).as("boxes %s cover the body", types).isEqualTo(bytes.length());
    return types;
  }

  private static long partRequests() {
    var c = origin.metrics().registry().find("cascade.hls.requests").tag("kind", "part").tag("status", "200")
        .counter();
    return c == null ? 0 : (long) c.count();
  }

  private static String group(String text, String regex) {
    Matcher m = Pattern.compile(regex).matcher(text);
    assertThat(m.find()).as(regex).isTrue();
    return m.group(1);
  }

  private static long number(String text, String regex) {
    return Long.parseLong(group(text, regex));
  }

  /** A TLS connection to the HTTPS port offering {@code alpn}; any certificate is accepted. */
  private static SSLSocket tls(String[] alpn) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, new TrustManager[] {new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    }}, new SecureRandom());
    SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", origin.httpsPort());
    SSLParameters params = s.getSSLParameters();
    params.setApplicationProtocols(alpn);
    s.setSSLParameters(params);
    s.setSoTimeout(10_000);
    s.startHandshake();
    return s;
  }

  private static void replace(String cn) throws Exception {
    Path staging = Files.createTempDirectory(dir, "next");
    Path cert = staging.resolve("tls.crt");
    Path key = staging.resolve("tls.key");
    generate(cn, cert, key);
    Files.move(key, keyFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Files.move(cert, certFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void awaitCommonName(String cn) {
    String[] seen = {null};
    Await.until(Duration.ofSeconds(15), "new HTTPS connections get the certificate of " + cn,
        () -> {
          try (SSLSocket s = tls(new String[] {"h2"})) {
            X509Certificate c = (X509Certificate) s.getSession().getPeerCertificates()[0];
            seen[0] = c.getSubjectX500Principal().getName().replaceFirst("^.*CN=([^,]+).*$", "$1");
          }
          return cn.equals(seen[0]);
        },
        () -> "last seen: " + seen[0]);
  }

  /** A self-signed RSA certificate for {@code cn} and 127.0.0.1, by the openssl CLI (as RtmpsIT makes). */
  private static void generate(String cn, Path cert, Path key) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=" + cn, "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(),
        "-out", cert.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("openssl req failed (the openssl CLI is required):\n" + out);
    }
  }
}
