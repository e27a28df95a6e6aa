package io.cascade.server;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.net.NetServerOptions;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.ServerSSLOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A TLS listener's certificate and key (RTMPS, HTTPS), read from PEM files and read again when they change:
 * the files' modification times and sizes are checked every {@code reloadInterval}; a change is
 * loaded once the files have stayed the same for one more interval (so a half-written pair is
 * never used), and from then on new connections get the new certificate while open ones keep
 * their session. A pair that does not load is logged and the previous one stays.
 */
public final class TlsReloader {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.tls");
  /** TLS 1.0 and 1.1 are deprecated (RFC 8996). */
  static final Set<String> PROTOCOLS = Set.of("TLSv1.2", "TLSv1.3");

  /** A listening server that takes a new certificate for its new connections. */
  public interface Target {
    Future<Boolean> update(ServerSSLOptions options);
  }

  private final Vertx vertx;
  private final String listener;
  private final RtmpServerSettings.TlsSettings settings;
  private final Duration handshakeTimeout;
  private volatile ServerSSLOptions current;
  private volatile Stamp loaded;
  private volatile Stamp seen;
  private List<Target> servers = List.of();
  private long timer = -1;
  private boolean reloading;

  /** Modification time and size of both files. */
  private record Stamp(FileTime certTime, long certSize, FileTime keyTime, long keySize) {
  }

  private TlsReloader(Vertx vertx, String listener, RtmpServerSettings.TlsSettings settings,
      Duration handshakeTimeout) {
    this.vertx = vertx;
    this.listener = listener;
    this.settings = settings;
    this.handshakeTimeout = handshakeTimeout;
  }

  /**
   * Reads the files once; fails when they cannot be read.
   *
   * @param listener names the listener in log lines: {@code rtmps}, {@code https}
   */
  public static Future<TlsReloader> load(Vertx vertx, String listener, RtmpServerSettings.TlsSettings settings,
      Duration handshakeTimeout) {
    TlsReloader r = new TlsReloader(vertx, listener, settings, handshakeTimeout);
    return vertx.executeBlocking(() -> {
      Stamp stamp = r.stamp();
      r.current = r.read();
      r.loaded = stamp;
      r.seen = stamp;
      LOG.info("event=tls.loaded listener={} cert={} key={}", listener, settings.certFile(), settings.keyFile());
      return r;
    });
  }

  /** TLS on {@code options} (a NetServer's or an HttpServer's) with the current certificate. */
  public void configure(NetServerOptions options) {
    ServerSSLOptions ssl = current;
    options.setSsl(true)
        .setKeyCertOptions(ssl.getKeyCertOptions())
        .setEnabledSecureTransportProtocols(ssl.getEnabledSecureTransportProtocols())
        .setSslHandshakeTimeout(ssl.getSslHandshakeTimeout())
        .setSslHandshakeTimeoutUnit(ssl.getSslHandshakeTimeoutUnit());
  }

  /** Starts watching the files for {@code listeners}. */
  public synchronized void start(List<Target> listeners) {
    servers = List.copyOf(listeners);
    timer = vertx.setPeriodic(settings.reloadInterval().toMillis(), id -> check());
  }

  public synchronized void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }

  private synchronized void check() {
    if (reloading) {
      return;
    }
    reloading = true;
    vertx.executeBlocking(() -> {
      Stamp now;
      try {
        now = stamp();
      } catch (IOException e) {
        // Missing for a moment while being replaced, or gone: look again at the next check.
        if (seen != null) {
          LOG.warn("event=tls.files_unreadable listener={} cert={} key={} detail=\"{}\"", listener,
              settings.certFile(), settings.keyFile(), e.toString());
        }
        seen = null;
        return null;
      }
      if (now.equals(loaded)) {
        return null;
      }
      Stamp previous = seen;
      seen = now;
      // Changed since the last check: wait until the files stay still for one interval.
      return now.equals(previous) ? read() : null;
    }).compose(next -> next == null ? Future.succeededFuture() : apply(next))
        .onComplete(ar -> {
          synchronized (this) {
            reloading = false;
          }
          if (ar.failed()) {
            LOG.warn("event=tls.reload_failed listener={} cert={} key={} detail=\"{}\"", listener,
                settings.certFile(), settings.keyFile(), ar.cause().getMessage());
            // Try again only when the files change once more.
            loaded = seen;
          }
        });
  }

  private Future<Void> apply(ServerSSLOptions next) {
    List<Future<Boolean>> updates = servers.stream().map(s -> s.update(next)).toList();
    return Future.all(updates).map(v -> {
      current = next;
      loaded = seen;
      LOG.info("event=tls.reloaded listener={} cert={} key={} instances={}", listener, settings.certFile(),
          settings.keyFile(), updates.size());
      return null;
    });
  }

  private Stamp stamp() throws IOException {
    Path cert = settings.certFile();
    Path key = settings.keyFile();
    return new Stamp(Files.getLastModifiedTime(cert), Files.size(cert), Files.getLastModifiedTime(key),
        Files.size(key));
  }

  private ServerSSLOptions read() throws IOException {
    Buffer cert = Buffer.buffer(Files.readAllBytes(settings.certFile()));
    Buffer key = Buffer.buffer(Files.readAllBytes(settings.keyFile()));
    return new ServerSSLOptions()
        .setKeyCertOptions(new PemKeyCertOptions().setCertValue(cert).setKeyValue(key))
        .setEnabledSecureTransportProtocols(PROTOCOLS)
        .setSslHandshakeTimeout(Math.max(1, handshakeTimeout.toMillis()))
        .setSslHandshakeTimeoutUnit(TimeUnit.MILLISECONDS);
  }
}
