package io.cascade.cluster;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A minimal LL-HLS viewer on its own thread, as a low-latency player polls: the multivariant
 * playlist once, the media playlist, its init segment, then forever the part the playlist's
 * preload hint names (the node holds that request until the part exists) and the media playlist
 * again. It counts what it got; every request is bounded by a timeout, and {@link #close} stops it.
 */
final class HlsPoller implements AutoCloseable {
  private static final Pattern PRELOAD = Pattern.compile("#EXT-X-PRELOAD-HINT:TYPE=PART,URI=\"([^\"]+)\"");
  private static final Pattern MAP = Pattern.compile("#EXT-X-MAP:URI=\"([^\"]+)\"");

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final URI multivariant;
  private final Thread thread;
  private final AtomicLong parts = new AtomicLong();
  private final AtomicLong partBytes = new AtomicLong();
  private final AtomicLong playlists = new AtomicLong();
  private final CountDownLatch closed = new CountDownLatch(1);
  private volatile boolean stopped;
  private volatile String lastProblem = "";

  private HlsPoller(URI multivariant) {
    this.multivariant = multivariant;
    this.thread = new Thread(this::run, "hls-poller");
    thread.setDaemon(true);
  }

  /** Starts polling {@code http://host:port/app/stream/index.m3u8}. */
  static HlsPoller start(URI multivariant) {
    HlsPoller p = new HlsPoller(multivariant);
    p.thread.start();
    return p;
  }

  long parts() {
    return parts.get();
  }

  long partBytes() {
    return partBytes.get();
  }

  long playlists() {
    return playlists.get();
  }

  private void run() {
    while (!stopped) {
      try {
        String index = text(multivariant);
        URI media = multivariant.resolve(firstUri(index));
        String playlist = text(media);
        Matcher map = MAP.matcher(playlist);
        if (map.find()) {
          bytes(media.resolve(map.group(1)));
        }
        while (!stopped) {
          Matcher hint = PRELOAD.matcher(playlist);
          if (!hint.find()) {
            break;
          }
          partBytes.addAndGet(bytes(media.resolve(hint.group(1))));
          parts.incrementAndGet();
          playlist = text(media);
        }
      } catch (Exception e) {
        lastProblem = e.toString();
        if (!stopped) {
          pause();
        }
      }
    }
  }

  private String text(URI uri) throws Exception {
    HttpResponse<String> r = http.send(request(uri), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(uri.getPath() + " answered " + r.statusCode() + ": " + r.body().strip());
    }
    playlists.incrementAndGet();
    return r.body();
  }

  private long bytes(URI uri) throws Exception {
    HttpResponse<byte[]> r = http.send(request(uri), HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(uri.getPath() + " answered " + r.statusCode());
    }
    return r.body().length;
  }

  private static HttpRequest request(URI uri) {
    return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).GET().build();
  }

  private static String firstUri(String playlist) {
    return playlist.lines().filter(l -> !l.isBlank() && !l.startsWith("#")).findFirst()
        .orElseThrow(() -> new IllegalStateException("no rendition in " + playlist));
  }

  /** A stream not live yet (404) or a refused request: try again half a second later (or stop), as players do. */
  private void pause() {
    try {
      closed.await(500, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = true;
    }
  }

  @Override
  public String toString() {
    return "HlsPoller[" + multivariant.getPath() + " parts=" + parts + " playlists=" + playlists + " last problem="
        + lastProblem + "]";
  }

  @Override
  public void close() {
    stopped = true;
    closed.countDown();
    thread.interrupt();
  }
}
