package io.cascade.origin;

import static io.cascade.testing.PlaybackAssertions.assertCleanPlayback;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.config.ConfigLoader;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.Commands;
import io.cascade.testing.Await;
import io.cascade.testing.Ffmpeg;
import io.cascade.testing.PlayReport;
import io.cascade.testing.Playback;
import io.cascade.testing.PublishProfile;
import io.cascade.testing.Publisher;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * RTMPS on a real origin with a self-signed certificate made by the openssl CLI: ffmpeg 8
 * publishes and ffprobe plays over {@code rtmps://}; only TLS 1.2 and 1.3 are spoken; a
 * certificate replaced on disk is served to new connections while an open one keeps its session,
 * and a broken replacement is refused with the previous certificate kept.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class RtmpsIT {
  private static final Duration PUBLISH = Duration.ofSeconds(8);
  private static final Duration PLAY = Duration.ofSeconds(4);

  @TempDir
  static Path dir;
  private static Path certFile;
  private static Path keyFile;
  private static OriginNode origin;
  private static LogCapture logs;

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    logs = LogCapture.attach();
    certFile = dir.resolve("tls.crt");
    keyFile = dir.resolve("tls.key");
    generate("cascade-a", certFile, keyFile);
    origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), Map.of(
        "rtmp.host", "127.0.0.1", "rtmp.port", freePort(), "http.host", "127.0.0.1", "http.port", 0,
        "rtmps.enabled", "true", "rtmps.port", freePort(), "rtmps.certFile", certFile.toString(),
        "rtmps.keyFile", keyFile.toString(), "rtmps.reloadInterval", "200ms")).config())
        .await(30, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() throws Exception {
    InProcessOrigin.stop(origin);
    if (logs != null) {
      logs.detach();
    }
  }

  @Test
  void ffmpegPublishesAndPlaysOverRtmps() {
    Ffmpeg ffmpeg = Ffmpeg.locate();
    String key = "live/tls-" + UUID.randomUUID().toString().substring(0, 8);
    String rtmps = "rtmps://127.0.0.1:" + origin.rtmpsPort() + "/" + key;
    try (Publisher publisher = ffmpeg.publish(PublishProfile.H264_AAC, rtmps, PUBLISH)) {
      publisher.awaitFramesSent(30, Duration.ofSeconds(20));
      PlayReport overTls;
      PlayReport plain;
      try (Playback a = ffmpeg.play(rtmps, PLAY);
          Playback b = ffmpeg.play("rtmp://127.0.0.1:" + origin.rtmpPort() + "/" + key, PLAY)) {
        overTls = a.await();
        plain = b.await();
      }
      assertCleanPlayback(overTls, PublishProfile.H264_AAC, PLAY.minusMillis(500));
      assertCleanPlayback(plain, PublishProfile.H264_AAC, PLAY.minusMillis(500));
      assertThat(publisher.awaitExit()).as("publisher exit\n%s", publisher.describe()).isZero();
    }
  }

  @Test
  void speaksTls12And13Only() throws Exception {
    for (String protocol : List.of("TLSv1.3", "TLSv1.2")) {
      try (SSLSocket s = tls(protocol)) {
        assertThat(s.getSession().getProtocol()).isEqualTo(protocol);
      }
    }
    // TLS 1.1 from a client that offers nothing newer: openssl with its own floor lowered.
    Process p = new ProcessBuilder("openssl", "s_client", "-connect", "127.0.0.1:" + origin.rtmpsPort(), "-tls1_1",
        "-cipher", "DEFAULT:@SECLEVEL=0").redirectErrorStream(true).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("openssl s_client -tls1_1:%n%s", out).isNotZero();
    assertThat(out).doesNotContain("TLSv1.1, Cipher is");
    // The plain port does not speak TLS at all.
    assertThat(origin.rtmpPort()).isNotEqualTo(origin.rtmpsPort());
  }

  @Test
  void aReplacedCertificateServesNewConnectionsWhileOpenOnesStay() throws Exception {
    SSLSocket before = tls("TLSv1.3");
    try {
      String firstCn = commonName(before);
      // C0 and C1 on the connection opened before the swap; the rest of its session comes after.
      OutputStream out = before.getOutputStream();
      InputStream in = before.getInputStream();
      out.write(3);
      out.write(new byte[1536]);
      out.flush();
      byte[] s0s1s2 = in.readNBytes(1 + 2 * 1536);
      assertThat(s0s1s2[0]).isEqualTo((byte) 3);

      String next = firstCn.equals("cascade-a") ? "cascade-b" : "cascade-a";
      replace(next);
      awaitCommonName(next);
      awaitLog("event=tls.reloaded");

      // The old connection still completes its RTMP handshake and connect over its first session.
      out.write(s0s1s2, 1, 1536);
      RtmpMessage connect = Commands.command(UnpooledByteBufAllocator.DEFAULT, Commands.CSID_COMMAND, 0, "connect", 1,
          Map.of("app", "live", "tcUrl", "rtmps://127.0.0.1/live"));
      try {
        byte[] payload = new byte[connect.payload().readableBytes()];
        connect.payload().getBytes(0, payload);
        out.write(RawRtmpPeer.message(Commands.CSID_COMMAND, connect.typeId(), 0, payload));
      } finally {
        connect.release();
      }
      out.flush();
      before.setSoTimeout(5_000);
      byte[] reply = in.readNBytes(16);
      assertThat(reply).as("the server answers the connect on the old session").hasSize(16);
      assertThat(commonName(before)).isEqualTo(firstCn);

      // A broken replacement is refused; new connections keep getting the last good certificate.
      Files.writeString(certFile, "-----BEGIN CERTIFICATE-----\nbroken\n-----END CERTIFICATE-----\n");
      awaitLog("event=tls.reload_failed");
      try (SSLSocket after = tls("TLSv1.2")) {
        assertThat(commonName(after)).isEqualTo(next);
      }
    } finally {
      before.close();
      replace("cascade-c");
      awaitCommonName("cascade-c");
    }
  }

  // ---- helpers

  private static void awaitLog(String prefix) {
    Await.until(Duration.ofSeconds(15), "a log line starting with " + prefix,
        () -> !logs.matching(l -> l.message().startsWith(prefix)).isEmpty());
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
    Await.until(Duration.ofSeconds(15), "new connections get the certificate of " + cn,
        () -> { try (SSLSocket s = tls("TLSv1.3")) { seen[0] = commonName(s); } return cn.equals(seen[0]); },
        () -> "last seen: " + seen[0]);
  }

  private static String commonName(SSLSocket s) throws Exception {
    X509Certificate cert = (X509Certificate) s.getSession().getPeerCertificates()[0];
    String dn = cert.getSubjectX500Principal().getName();
    return dn.replaceFirst("^.*CN=([^,]+).*$", "$1");
  }

  /** A TLS connection with only {@code protocol} enabled; any certificate is accepted (self-signed). */
  private static SSLSocket tls(String protocol) throws Exception {
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
    SSLSocket s = (SSLSocket) context.getSocketFactory().createSocket("127.0.0.1", origin.rtmpsPort());
    s.setEnabledProtocols(new String[] {protocol});
    s.setSoTimeout(10_000);
    s.startHandshake();
    return s;
  }

  /** A self-signed RSA certificate for {@code cn} and 127.0.0.1, by the openssl CLI. */
  private static void generate(String cn, Path cert, Path key) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", "/CN=" + cn, "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", key.toString(),
        "-out", cert.toString()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError("openssl req failed (the openssl CLI is required):\n" + out);
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
