package io.cascade.http;

import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import java.util.zip.CRC32;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The web console's files, which the common build puts on the classpath under {@value #ROOT}:
 * {@code index.html} at {@code /} (revalidated on every load) and Vite's content-hashed files under
 * {@code /assets/} (cached for a year: a new build gives them new names). Each file is read from the
 * classpath once, off the event loop, and kept; only files that exist are kept, so the cache holds
 * at most what the jar holds.
 */
final class ConsoleFiles {
  static final String ROOT = "io/cascade/console/";
  private static final Logger log = LoggerFactory.getLogger(ConsoleFiles.class);
  /** One file name directly under assets/, not starting with a dot (no "..", no hidden files). */
  private static final Pattern ASSET = Pattern.compile("/assets/[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}");
  private static final String IMMUTABLE = "public, max-age=31536000, immutable";
  private static final String REVALIDATE = "no-cache";
  /** The page loads only its own scripts, styles and media; mpegts.js feeds the video a blob: URL. */
  private static final String PAGE_POLICY = "default-src 'self'; media-src 'self' blob:; worker-src 'self' blob:;"
      + " img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  private static final Map<String, String> TYPES = Map.of(
      "html", "text/html; charset=utf-8",
      "js", "text/javascript; charset=utf-8",
      "css", "text/css; charset=utf-8",
      "svg", "image/svg+xml",
      "png", "image/png",
      "woff2", "font/woff2",
      "json", "application/json");

  private record File(Buffer body, String contentType, String etag) {
  }

  private final Map<String, File> files = new ConcurrentHashMap<>();

  /** Whether {@code path} is the console's: the page itself or one of its assets. */
  static boolean owns(String path) {
    return path.equals("/") || path.equals("/index.html") || path.startsWith("/assets/");
  }

  void serve(HttpServerRequest req) {
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      req.response().setStatusCode(405).putHeader("allow", "GET, HEAD").end();
      return;
    }
    String path = req.path();
    String name;
    if (path.equals("/") || path.equals("/index.html")) {
      name = "index.html";
    } else if (ASSET.matcher(path).matches()) {
      name = path.substring(1);
    } else {
      notFound(req, "no such console file");
      return;
    }
    File cached = files.get(name);
    if (cached != null) {
      send(req, name, cached);
      return;
    }
    req.pause();
    Vertx.currentContext().executeBlocking(() -> load(name), false).onComplete(ar -> {
      req.resume();
      if (ar.failed()) {
        log.warn("console file {} unreadable: {}", name, ar.cause().toString());
        req.response().setStatusCode(500).end();
      } else if (ar.result() == null) {
        notFound(req, name.equals("index.html")
            ? "the web console is not in this build (built by common's Maven build, skipped with -Dconsole.skip)"
            : "no such console file");
      } else {
        files.putIfAbsent(name, ar.result());
        send(req, name, ar.result());
      }
    });
  }

  private static File load(String name) {
    try (InputStream in = ConsoleFiles.class.getClassLoader().getResourceAsStream(ROOT + name)) {
      if (in == null) {
        return null;
      }
      byte[] bytes = in.readAllBytes();
      CRC32 crc = new CRC32();
      crc.update(bytes);
      String extension = name.substring(name.lastIndexOf('.') + 1).toLowerCase(Locale.ROOT);
      return new File(Buffer.buffer(bytes), TYPES.getOrDefault(extension, "application/octet-stream"),
          '"' + Long.toHexString(crc.getValue()) + '-' + bytes.length + '"');
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void send(HttpServerRequest req, String name, File file) {
    HttpServerResponse response = req.response()
        .putHeader("content-type", file.contentType())
        .putHeader("cache-control", name.equals("index.html") ? REVALIDATE : IMMUTABLE)
        .putHeader("etag", file.etag())
        .putHeader("x-content-type-options", "nosniff");
    if (name.equals("index.html")) {
      response.putHeader("content-security-policy", PAGE_POLICY).putHeader("referrer-policy", "no-referrer");
    }
    if (file.etag().equals(req.getHeader("if-none-match"))) {
      response.setStatusCode(304).end();
    } else {
      response.end(file.body());
    }
  }

  private static void notFound(HttpServerRequest req, String reason) {
    req.response().setStatusCode(404).putHeader("content-type", "text/plain; charset=utf-8").end(reason + "\n");
  }
}
