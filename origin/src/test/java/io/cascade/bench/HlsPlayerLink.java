package io.cascade.bench;

import io.cascade.client.SyntheticMedia;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.internal.buffer.BufferInternal;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A bench viewer of HLS that loads as hls.js does in low-latency mode: the multivariant playlist,
 * the first variant's media playlist, its init segment, then from the part-hold-back (three parts
 * behind the live edge, back to an independent part) every part in order; once caught up, a
 * blocking reload for the next part ({@code _HLS_msn}/{@code _HLS_part}) goes out together with
 * the request of the preload-hinted part, and so on. A playlist without parts or blocking reload
 * (plain HLS, nginx-rtmp's) is reloaded every half target duration and its new segments fetched
 * in order, as a plain player does.
 *
 * <p>Every frame found in a part or segment ({@link HlsMedia}) goes to the {@link BenchPlayer}
 * as a frame, so lag is per frame (receive time of the whole part minus the frame's send stamp:
 * it includes waiting for the part to be complete, as a real player's does). The viewer also
 * counts parts or segments received and skipped (by the number in their names), media bytes and
 * playlist bytes.
 *
 * <p>One Vert.x {@link HttpClient} per viewer, on its own context: over HTTP/2 (h2c, prior
 * knowledge) one connection carries the playlist and the part concurrently, as a browser's would;
 * over HTTP/1.1 the viewer keeps two connections, so the blocking reload does not hold the part
 * up. Every request is bounded in time and size. Slow reading is not supported.
 */
final class HlsPlayerLink implements PlayerLink {
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
  /** Playlists are small; a part or segment of a high-bitrate stream is not. */
  static final int MAX_PLAYLIST = 1 << 20;
  static final int MAX_MEDIA = 32 << 20;
  /** Live-edge distance at the start, as hls.js's PART-HOLD-BACK and liveSyncDurationCount. */
  static final int START_BEHIND = 3;
  static final Duration INDEX_RETRY = Duration.ofMillis(500);
  /** A viewer that gets this many 404s for media in a row gives up. */
  static final int MAX_GONE = 5;
  /** HTTP/2 flow-control windows as Chrome's (6 MiB a stream, 15 MiB the connection), not the 64 KiB default. */
  static final int H2_STREAM_WINDOW = 6 << 20;
  static final int H2_CONNECTION_WINDOW = 15 << 20;

  private final Vertx vertx;
  private final String host;
  private final int port;
  private final String indexPath;
  private final boolean http2;
  private final BenchPlayer player;
  private final CompletableFuture<Void> answered = new CompletableFuture<>();
  private final CompletableFuture<Void> closed = new CompletableFuture<>();
  private volatile HttpClient client;
  private volatile Context context;
  private volatile boolean stopped;

  // Context only.
  private String mediaPath;
  private HlsPlaylist playlist;
  private String initFetched;
  private boolean initInFlight;
  private long mediaInFlight = -1;
  private boolean reloadInFlight;
  private long reloadTimer = -1;
  private long lastNumber = -1;
  /** 404s of parts or segments in a row. */
  private int gone;

  HlsPlayerLink(Vertx vertx, String host, int port, String indexPath, boolean http2, BenchPlayer player) {
    this.vertx = vertx;
    this.host = host;
    this.port = port;
    this.indexPath = indexPath;
    this.http2 = http2;
    this.player = player;
  }

  /** The multivariant playlist of an RTMP app and stream name. */
  static String path(String app, String stream) {
    return "/" + app + "/" + stream + "/index.m3u8";
  }

  @Override
  public CompletableFuture<Void> play() {
    player.connectStartNanos = System.nanoTime();
    HttpClientOptions o = new HttpClientOptions().setProtocolVersion(http2 ? HttpVersion.HTTP_2 : HttpVersion.HTTP_1_1)
        .setHttp2ClearTextUpgrade(false).setTcpNoDelay(true).setDefaultHost(host).setDefaultPort(port)
        .setConnectTimeout((int) REQUEST_TIMEOUT.toMillis()).setHttp2ConnectionWindowSize(H2_CONNECTION_WINDOW);
    o.getInitialSettings().setInitialWindowSize(H2_STREAM_WINDOW);
    client = vertx.createHttpClient(o, new PoolOptions().setHttp1MaxSize(2).setHttp2MaxSize(1));
    context = vertx.getOrCreateContext();
    long deadline = System.nanoTime() + REQUEST_TIMEOUT.toNanos();
    context.runOnContext(v -> loadIndex(deadline));
    return answered;
  }

  /**
   * The first playlist, asked again every {@link #INDEX_RETRY} while it is 404 until
   * {@code deadline}: a server that writes playlists as files (nginx-rtmp) has none before its
   * first segment; Cascade's answer waits for the stream itself.
   */
  private void loadIndex(long deadline) {
    get(indexPath, MAX_PLAYLIST, REQUEST_TIMEOUT).onComplete(r -> {
      if (r.failed()) {
        if (r.cause() instanceof Status s && s.code == 404 && System.nanoTime() < deadline && !stopped) {
          vertx.setTimer(INDEX_RETRY.toMillis(), t -> loadIndex(deadline));
        } else {
          fail(r.cause());
        }
        return;
      }
      long now = System.nanoTime();
      player.connectedNanos = now;
      player.playCalledNanos = now;
      player.playCalledMicros = SyntheticMedia.epochMicros();
      answered.complete(null);
      String text = r.result().toString();
      String variant = HlsPlaylist.firstVariant(text);
      mediaPath = variant == null ? indexPath : resolve(variant);
      reload(null);
    });
  }

  /** A playlist request, blocking when {@code query} names the next part. */
  private void reload(String query) {
    if (stopped) {
      return;
    }
    reloadInFlight = true;
    String uri = query == null ? mediaPath : mediaPath + (mediaPath.contains("?") ? "&" : "?") + query;
    // A blocking reload waits up to about three target durations (RFC 8216bis 6.2.5.2).
    Duration timeout = query == null || playlist == null ? REQUEST_TIMEOUT
        : REQUEST_TIMEOUT.plusMillis(3 * playlist.targetDurationMs());
    get(uri, MAX_PLAYLIST, timeout).onComplete(r -> {
      reloadInFlight = false;
      if (r.failed()) {
        fail(r.cause());
        return;
      }
      player.hlsPlaylists++;
      player.hlsOverheadBytes += r.result().length();
      HlsPlaylist next;
      try {
        next = HlsPlaylist.parse(r.result().toString());
      } catch (RuntimeException e) {
        fail(new IOException("bad playlist " + uri + ": " + e.getMessage(), e));
        return;
      }
      if (playlist == null) {
        lastNumber = startBefore(next);
      }
      playlist = next;
      advance();
    });
  }

  /** The number before the first part or segment to load: hold-back behind the edge, at an independent part. */
  private static long startBefore(HlsPlaylist p) {
    List<HlsPlaylist.Media> media = p.media();
    if (media.isEmpty()) {
      return -1;
    }
    int i = Math.max(0, media.size() - START_BEHIND);
    while (i > 0 && !media.get(i).independent()) {
      i--;
    }
    return media.get(i).number() - 1;
  }

  /** Starts whatever comes next: the init segment, the next media, the next (blocking) reload. */
  private void advance() {
    if (stopped || playlist == null) {
      return;
    }
    if (playlist.map() != null && !playlist.map().equals(initFetched)) {
      if (!initInFlight) {
        fetchInit(playlist.map());
      }
      return;
    }
    HlsPlaylist.Media next = null;
    for (HlsPlaylist.Media m : playlist.media()) {
      if (m.number() > lastNumber) {
        next = m;
        break;
      }
    }
    boolean lowLatency = playlist.partTargetMs() > 0 && playlist.canBlockReload();
    String hint = lowLatency ? playlist.preloadHint() : null;
    if (mediaInFlight < 0) {
      if (next != null) {
        fetchMedia(next.uri(), next.number());
      } else if (hint != null && HlsPlaylist.number(hint) > lastNumber) {
        fetchMedia(hint, HlsPlaylist.number(hint));
      }
    }
    // Caught up: everything listed is had or on its way.
    boolean caughtUp = playlist.media().stream().allMatch(m -> m.number() <= lastNumber || m.number() == mediaInFlight);
    if (reloadInFlight || !caughtUp || playlist.ended()) {
      return;
    }
    if (lowLatency) {
      reload("_HLS_msn=" + playlist.nextMsn() + "&_HLS_part=" + playlist.nextPart());
    } else if (reloadTimer < 0) {
      reloadTimer = vertx.setTimer(Math.max(100, playlist.targetDurationMs() / 2), t -> {
        reloadTimer = -1;
        reload(null);
      });
    }
  }

  private void fetchInit(String uri) {
    initInFlight = true;
    get(resolve(uri), MAX_MEDIA, REQUEST_TIMEOUT).onComplete(r -> {
      initInFlight = false;
      if (r.failed()) {
        fail(r.cause());
        return;
      }
      initFetched = uri;
      player.payloadBytes += r.result().length();
      advance();
    });
  }

  private void fetchMedia(String uri, long number) {
    mediaInFlight = number;
    get(resolve(uri), MAX_MEDIA, REQUEST_TIMEOUT).onComplete(r -> {
      mediaInFlight = -1;
      if (r.failed()) {
        if (r.cause() instanceof Status s && s.code == 404 && ++gone <= MAX_GONE) {
          // Fallen out of the window (the viewer is behind): as hls.js, reload and go on from
          // what is listed now; what is skipped counts as missing.
          player.hlsSkipped(lastNumber >= 0 && number > lastNumber ? number - lastNumber : 1);
          lastNumber = Math.max(lastNumber, number);
          if (!reloadInFlight) {
            reload(null);
          }
          return;
        }
        fail(r.cause());
        return;
      }
      gone = 0;
      if (number <= lastNumber) {
        // Already had (a preload hint that the playlist listed meanwhile): nothing new.
        advance();
        return;
      }
      if (lastNumber >= 0 && number > lastNumber + 1) {
        player.hlsSkipped(number - lastNumber - 1);
      }
      lastNumber = number;
      player.hlsMedia++;
      player.payloadBytes += r.result().length();
      ByteBuf body = ((BufferInternal) r.result()).getByteBuf();
      try {
        HlsMedia.frames(body, (type, stamp, keyframe) -> player.onFrame(type, 0, stamp, keyframe));
      } catch (RuntimeException e) {
        fail(new IOException("bad media " + uri + ": " + e.getMessage(), e));
        return;
      }
      advance();
    });
  }

  /** GET {@code path}: the body of a 200, else a failure naming the status. */
  private Future<Buffer> get(String path, int maxBytes, Duration timeout) {
    RequestOptions request = new RequestOptions().setMethod(HttpMethod.GET).setURI(path)
        .setIdleTimeout(timeout.toMillis()).putHeader("User-Agent", "cascade-bench");
    return client.request(request).compose(req -> req.send()).compose(resp -> {
      String length = resp.getHeader("Content-Length");
      if (length != null && Long.parseLong(length) > maxBytes) {
        return Future.failedFuture(new IOException("GET " + path + ": " + length + " bytes, more than " + maxBytes));
      }
      return resp.body().compose(body -> {
        if (resp.statusCode() != 200) {
          return Future.failedFuture(new Status(resp.statusCode(), "GET " + path + ": HTTP " + resp.statusCode() + " "
              + body.toString().substring(0, Math.min(200, body.length())).strip()));
        }
        return body.length() > maxBytes
            ? Future.failedFuture(new IOException("GET " + path + ": more than " + maxBytes + " bytes"))
            : Future.succeededFuture(body);
      });
    });
  }

  /** An answer other than 200. */
  private static final class Status extends IOException {
    final int code;

    Status(int code, String message) {
      super(message);
      this.code = code;
    }
  }

  /** A playlist URI relative to the media playlist's (or the index's) directory. */
  private String resolve(String uri) {
    if (uri.startsWith("/")) {
      return uri;
    }
    if (uri.startsWith("http://") || uri.startsWith("https://")) {
      int path = uri.indexOf('/', uri.indexOf("//") + 2);
      return path < 0 ? "/" : uri.substring(path);
    }
    String base = mediaPath != null ? mediaPath : indexPath;
    int q = base.indexOf('?');
    base = q < 0 ? base : base.substring(0, q);
    return base.substring(0, base.lastIndexOf('/') + 1) + uri;
  }

  private void fail(Throwable cause) {
    if (stopped) {
      return;
    }
    boolean playing = answered.isDone() && !answered.isCompletedExceptionally();
    answered.completeExceptionally(cause);
    stop(playing ? cause : null);
  }

  private void stop(Throwable cause) {
    if (stopped) {
      return;
    }
    stopped = true;
    if (reloadTimer >= 0) {
      vertx.cancelTimer(reloadTimer);
    }
    HttpClient c = client;
    (c == null ? Future.succeededFuture() : c.close()).onComplete(r -> {
      player.onClose(cause);
      closed.complete(null);
    });
  }

  @Override
  public void autoRead(boolean on) {
    // Not supported: HLS viewers fetch at their own pace.
  }

  @Override
  public EventLoop eventLoop() {
    return null;
  }

  @Override
  public CompletableFuture<Void> close() {
    Context c = context;
    if (c == null) {
      closed.complete(null);
      return closed;
    }
    c.runOnContext(v -> {
      answered.completeExceptionally(new IOException("closed by the bench"));
      stop(null);
    });
    return closed;
  }
}
