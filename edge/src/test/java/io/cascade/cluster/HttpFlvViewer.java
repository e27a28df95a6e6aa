package io.cascade.cluster;

import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.testing.FlvTagReader;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.CorruptedFrameException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * An HTTP-FLV player of a {@link io.cascade.client.SyntheticMedia} stream: one GET, whose body a
 * thread of its own reads as it arrives and splits into tags ({@link FlvTagReader}). Each audio
 * and video tag goes to a {@link StampedPlayer} as the RTMP message it carries, for the same stamp
 * checks an RTMP player gets (frames, publish sessions, frames after a mark); on top, this keeps
 * what only HTTP-FLV has: the FLV headers sent, timestamp order per track, the longest wait
 * between two media tags, and how the response ended (the body's end, or a reset).
 */
final class HttpFlvViewer implements AutoCloseable {
  private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(2)).build();
  private static final int TRACKS = 2;

  private final String name;
  private final StampedPlayer tally;
  private final FlvTagReader reader = new FlvTagReader(FlvTagReader.WHOLE_BODIES, this::onTag);
  private final CompletableFuture<Integer> status = new CompletableFuture<>();
  private final long[] lastTimestamp = {-1, -1};
  private final long[] regressions = new long[TRACKS];
  private final long[] mediaTags = new long[TRACKS];
  private String firstRegression;
  private long lastMediaArrivalNanos;
  private long longestGapNanos;
  private long longestGapEndedNanos;
  private volatile InputStream body;
  private volatile boolean closing;
  /** Set once the body is over: {@code "end"} for its orderly end, else the read failure. */
  private volatile String ending;
  private final Thread thread;

  private HttpFlvViewer(String name, URI uri) {
    this.name = name;
    this.tally = new StampedPlayer(name);
    this.thread = new Thread(() -> run(uri), "httpflv-" + name);
    thread.setDaemon(true);
  }

  /** Sends {@code GET url} and starts reading its body. */
  static HttpFlvViewer open(String url, String name) {
    HttpFlvViewer v = new HttpFlvViewer(name, URI.create(url));
    v.thread.start();
    return v;
  }

  private void run(URI uri) {
    try {
      HttpResponse<InputStream> response = HTTP.send(HttpRequest.newBuilder(uri).GET().build(),
          HttpResponse.BodyHandlers.ofInputStream());
      body = response.body();
      status.complete(response.statusCode());
      byte[] chunk = new byte[16 * 1024];
      int n;
      while ((n = body.read(chunk)) >= 0) {
        synchronized (this) {
          reader.read(Unpooled.wrappedBuffer(chunk, 0, n));
        }
      }
      ending = "end";
    } catch (CorruptedFrameException e) {
      // The reader keeps the reason (streamProblem); the rest of the body cannot be read as tags.
      // The response stays open until the test closes this viewer.
      ending = String.valueOf(e);
    } catch (IOException e) {
      ending = String.valueOf(e);
      status.completeExceptionally(e);
    } catch (InterruptedException e) {
      ending = String.valueOf(e);
      status.completeExceptionally(e);
      Thread.currentThread().interrupt();
    }
  }

  /** Runs on the reading thread, inside the feed's lock. */
  private void onTag(int type, long timestamp, ByteBuf body, int size) {
    if (type != FlvTagReader.AUDIO && type != FlvTagReader.VIDEO) {
      return;
    }
    long now = System.nanoTime();
    if (lastMediaArrivalNanos != 0 && now - lastMediaArrivalNanos > longestGapNanos) {
      longestGapNanos = now - lastMediaArrivalNanos;
      longestGapEndedNanos = now;
    }
    lastMediaArrivalNanos = now;
    int track = type == FlvTagReader.VIDEO ? 0 : 1;
    if (lastTimestamp[track] >= 0 && timestamp < lastTimestamp[track]) {
      regressions[track]++;
      if (firstRegression == null) {
        firstRegression = (track == 0 ? "video" : "audio") + " at " + timestamp + " ms after "
            + lastTimestamp[track] + " ms";
      }
    }
    lastTimestamp[track] = timestamp;
    mediaTags[track]++;
    // The body is the reader's buffer: the message holds a reference of its own, given back below.
    RtmpMessage message = new RtmpMessage(0, type, timestamp, 1, body.retainedDuplicate());
    try {
      tally.onMessage(message);
    } finally {
      message.release();
    }
  }

  /** The timestamp (ms) of the last video tag received, -1 before the first. */
  synchronized long lastVideoTimestamp() {
    return lastTimestamp[0];
  }

  /** The response's status code, once its head arrived. */
  CompletableFuture<Integer> status() {
    return status;
  }

  /** The stamp checks of the tags received (frames, sessions, frames after a mark). */
  StampedPlayer tally() {
    return tally;
  }

  synchronized int flvHeaders() {
    return reader.headers();
  }

  /** The reader's complaint about the byte stream, null while it is well formed. */
  synchronized String streamProblem() {
    return reader.problem();
  }

  synchronized long videoTags() {
    return mediaTags[0];
  }

  synchronized long audioTags() {
    return mediaTags[1];
  }

  /** Timestamps lower than the one before on the same track, video and audio together. */
  synchronized long timestampRegressions() {
    return regressions[0] + regressions[1];
  }

  synchronized String firstRegression() {
    return firstRegression;
  }

  /** The longest time between two media tags' arrival, in ms. */
  synchronized long longestGapMillis() {
    return longestGapNanos / 1_000_000;
  }

  /** {@link System#nanoTime()} when the longest gap ended. */
  synchronized long longestGapEndedNanos() {
    return longestGapEndedNanos;
  }

  /** Whether the body is still being read: no orderly end, no reset, not closed by the test. */
  boolean open() {
    return ending == null;
  }

  /** How the body ended ({@code "end"} or the read failure), null while open. */
  String ending() {
    return ending;
  }

  @Override
  public void close() {
    closing = true;
    InputStream in = body;
    if (in != null) {
      try {
        in.close();
      } catch (IOException e) {
        // The connection is going away anyway.
      }
    }
    thread.interrupt();
  }

  @Override
  public synchronized String toString() {
    return name + "{headers=" + reader.headers() + " tags=" + reader.tags() + " video=" + mediaTags[0] + " audio="
        + mediaTags[1] + " bytes=" + reader.bytes()
        + " tsRegressions=" + (regressions[0] + regressions[1])
        + (firstRegression == null ? "" : " (" + firstRegression + ")") + " longestGapMs=" + longestGapNanos / 1_000_000
        + (reader.problem() == null ? "" : " problem=" + reader.problem())
        + (ending == null ? " open" : closing ? " closed" : " ended=" + ending) + " " + tally + "}";
  }
}
