package io.cascade.http;

import io.cascade.metrics.CascadeMeter;
import io.cascade.metrics.NodeMetrics;
import io.cascade.recording.Recorder;
import io.cascade.recording.RecordingCatalog;
import io.micrometer.core.instrument.Counter;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recordings over HTTP: {@code GET /api/v1/recordings} lists this node's recordings by time range
 * (from the recording root on disk), {@code POST /api/v1/recordings} {"stream":"app/name"} and
 * {@code DELETE /api/v1/recordings/{app}/{stream}} start and end the recording of a live stream
 * (bearer {@code api.token}, compared in constant time and never logged; none set: 403), and
 * {@code /recordings/{app}/{stream}/{id}/{file}} serves a recording's playlist, init segment and
 * segments from disk, only under names the recorder writes. A refused request gets a JSON error,
 * one log line with the peer and the reason, and a count in {@code cascade.recording.api.refused}.
 */
public final class RecordingsRoute {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.recording");
  static final String API = "/api/v1/recordings";
  static final String FILES = "/recordings/";
  private static final int DEFAULT_LIMIT = 100;
  /** A control body is one small JSON object; more is not a control request. */
  private static final int MAX_BODY = 4096;
  private static final String IMMUTABLE = "public, max-age=31536000, immutable";

  private final Recorder recorder;
  private final RecordingCatalog catalog;
  private final byte[] tokenHash;
  private final int maxLimit;
  private final String objectPrefix;
  private final Map<String, Counter> refusals;

  /**
   * @param token {@code api.token}; empty disables the control endpoints
   * @param objectPrefix where uploads go ({@code s3://bucket/prefix}), or null without uploads
   */
  public RecordingsRoute(Recorder recorder, Path root, String token, int maxLimit, String objectPrefix,
      NodeMetrics metrics) {
    this.recorder = recorder;
    this.catalog = new RecordingCatalog(root);
    this.tokenHash = token.isEmpty() ? null : sha256(token);
    this.maxLimit = maxLimit;
    this.objectPrefix = objectPrefix;
    this.refusals = Stream.of("disabled", "unauthorized", "bad_request", "bad_path").collect(Collectors.toUnmodifiableMap(
        r -> r, r -> metrics.counter(CascadeMeter.RECORDING_API_REFUSED, "reason", r)));
  }

  static boolean matches(String path) {
    // Only /recordings/{4 elements}: a live stream of an app named "recordings" keeps its HLS paths.
    return path.equals(API) || path.startsWith(API + "/")
        || path.startsWith(FILES) && path.chars().filter(c -> c == '/').count() == 5;
  }

  void handle(HttpServerRequest req) {
    String path = req.path();
    if (path.startsWith(FILES)) {
      file(req, path.substring(FILES.length()));
    } else if (path.equals(API) && req.method() == HttpMethod.GET) {
      list(req);
    } else if (path.equals(API) && req.method() == HttpMethod.POST) {
      start(req);
    } else if (path.startsWith(API + "/") && req.method() == HttpMethod.DELETE) {
      end(req, decode(path.substring(API.length() + 1)));
    } else {
      reply(req, 405, new JsonObject().put("error", "method not allowed").put("method", req.method().name()));
    }
  }

  private void list(HttpServerRequest req) {
    String stream = req.getParam("stream");
    String[] key = stream == null ? null : split(stream);
    Instant from;
    Instant to;
    int limit;
    try {
      from = instant(req.getParam("from"), Instant.EPOCH);
      to = instant(req.getParam("to"), Instant.parse("9999-12-31T23:59:59Z"));
      limit = req.getParam("limit") == null ? DEFAULT_LIMIT : Integer.parseInt(req.getParam("limit"));
    } catch (DateTimeParseException | NumberFormatException e) {
      refuse(req, 400, "bad_request", "from and to are ISO-8601 instants, limit a number");
      return;
    }
    if (stream != null && key == null || limit < 1) {
      refuse(req, 400, "bad_request", "stream is app/name, limit at least 1");
      return;
    }
    int capped = Math.min(limit, maxLimit);
    req.pause();
    Vertx.currentContext().<List<RecordingCatalog.Entry>>executeBlocking(
        () -> catalog.list(key == null ? null : key[0], key == null ? null : key[1], from, to, capped + 1), false)
        .onComplete(ar -> {
          req.resume();
          if (ar.failed()) {
            LOG.warn("event=recording.list_failed peer={} detail=\"{}\"", req.remoteAddress(), ar.cause().toString());
            reply(req, 500, new JsonObject().put("error", "recordings cannot be read"));
            return;
          }
          List<RecordingCatalog.Entry> found = ar.result();
          JsonArray out = new JsonArray();
          found.stream().limit(capped).forEach(e -> out.add(json(e)));
          JsonObject body = new JsonObject().put("recordings", out).put("limit", capped)
              .put("truncated", found.size() > capped);
          if (found.size() > capped) {
            body.put("next", found.get(capped).start().toString());
          }
          reply(req, 200, body);
        });
  }

  private JsonObject json(RecordingCatalog.Entry e) {
    JsonObject o = new JsonObject()
        .put("id", e.id())
        .put("stream", e.app() + "/" + e.stream())
        .put("start", e.start().toString())
        .put("end", e.end().toString())
        .put("durationMillis", e.durationMillis())
        .put("bytes", e.bytes())
        .put("segments", e.segments())
        .put("state", e.finished() ? "finished" : "in_progress")
        .put("playlist", e.playlistPath());
    if (objectPrefix != null) {
      o.put("objectPrefix", objectPrefix + e.app() + "/" + e.stream() + "/" + e.id() + "/");
    }
    return o;
  }

  private void start(HttpServerRequest req) {
    if (!authorized(req)) {
      return;
    }
    Buffer body = Buffer.buffer();
    boolean[] tooLong = new boolean[1];
    req.handler(chunk -> {
      if (body.length() + chunk.length() > MAX_BODY) {
        tooLong[0] = true;
      } else {
        body.appendBuffer(chunk);
      }
    });
    req.exceptionHandler(e -> LOG.debug("event=recording.api.body_failed peer={} error={}", req.remoteAddress(),
        e.getClass().getSimpleName()));
    req.endHandler(v -> {
      String[] key = null;
      if (!tooLong[0]) {
        try {
          Object stream = new JsonObject(body).getValue("stream");
          key = stream instanceof String s ? split(s) : null;
        } catch (DecodeException | ClassCastException e) {
          key = null;
        }
      }
      if (key == null) {
        refuse(req, 400, "bad_request", "the body is {\"stream\":\"app/name\"}");
        return;
      }
      Recorder.Control result = recorder.record(key[0], key[1]);
      LOG.info("event=recording.api action=start stream={}/{} peer={} result={}", key[0], key[1], req.remoteAddress(),
          result);
      int status = switch (result) {
        case STARTED -> 201;
        case ALREADY_RECORDING -> 409;
        case NOT_LIVE -> 404;
        default -> 503;
      };
      reply(req, status, new JsonObject().put("stream", key[0] + "/" + key[1]).put("result", result.name()));
    });
  }

  private void end(HttpServerRequest req, String stream) {
    if (!authorized(req)) {
      return;
    }
    String[] key = split(stream);
    if (key == null) {
      refuse(req, 400, "bad_request", "the path is /api/v1/recordings/{app}/{stream}");
      return;
    }
    Recorder.Control result = recorder.endRecording(key[0], key[1]);
    LOG.info("event=recording.api action=stop stream={} peer={} result={}", stream, req.remoteAddress(), result);
    reply(req, result == Recorder.Control.STOPPING ? 202 : 404,
        new JsonObject().put("stream", stream).put("result", result.name()));
  }

  /** Answers and counts the request itself when it may not control recordings. */
  private boolean authorized(HttpServerRequest req) {
    if (tokenHash == null) {
      refuse(req, 403, "disabled", "the control endpoints are disabled (api.token is not set)");
      return false;
    }
    String header = req.getHeader("Authorization");
    String given = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).trim() : "";
    // Hashes first: equal lengths, so the comparison time says nothing about the token.
    if (!MessageDigest.isEqual(sha256(given), tokenHash)) {
      refuse(req, 403, "unauthorized", "a bearer token of api.token is needed");
      return false;
    }
    return true;
  }

  private void file(HttpServerRequest req, String rest) {
    if (req.method() != HttpMethod.GET && req.method() != HttpMethod.HEAD) {
      reply(req, 405, new JsonObject().put("error", "method not allowed").put("method", req.method().name()));
      return;
    }
    String[] parts = rest.split("/", -1);
    String name = decode(parts[3]);
    req.pause();
    Vertx.currentContext().<Optional<Path>>executeBlocking(
        () -> catalog.file(decode(parts[0]), decode(parts[1]), decode(parts[2]), name), false)
        .onComplete(ar -> {
          req.resume();
          if (ar.failed() || ar.result().isEmpty()) {
            refuse(req, 404, "bad_path", "no such recording file");
            return;
          }
          boolean playlist = name.endsWith(".m3u8");
          req.response()
              .putHeader("content-type", playlist ? "application/vnd.apple.mpegurl"
                  : name.endsWith(".mp4") ? "video/mp4" : "video/iso.segment")
              // A playlist grows while its recording is in progress; segments never change.
              .putHeader("cache-control", playlist ? "no-cache" : IMMUTABLE)
              .sendFile(ar.result().get().toString());
        });
  }

  /** {@code app/name} split at its first slash, or null when either part is empty. */
  private static String[] split(String key) {
    int slash = key.indexOf('/');
    if (slash <= 0 || slash == key.length() - 1 || key.length() > 1024) {
      return null;
    }
    return new String[] {key.substring(0, slash), key.substring(slash + 1)};
  }

  private static Instant instant(String text, Instant otherwise) {
    return text == null ? otherwise : Instant.parse(text);
  }

  private static String decode(String s) {
    try {
      return QueryStringDecoder.decodeComponent(s.replace("+", "%2B"));
    } catch (IllegalArgumentException e) {
      return "";
    }
  }

  private void refuse(HttpServerRequest req, int status, String reason, String detail) {
    refusals.get(reason).increment();
    LOG.warn("event=recording.api.refused peer={} method={} path=\"{}\" reason={}", req.remoteAddress(),
        req.method().name(), req.path().length() > 200 ? req.path().substring(0, 200) : req.path(), reason);
    reply(req, status, new JsonObject().put("error", detail).put("reason", reason));
  }

  private static void reply(HttpServerRequest req, int status, JsonObject body) {
    req.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
