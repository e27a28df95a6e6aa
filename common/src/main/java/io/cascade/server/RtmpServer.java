package io.cascade.server;

import io.cascade.transport.FrameBatch;
import io.cascade.transport.FrameWriter;
import io.cascade.live.StreamManager;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.rtmp.chunk.ChunkDecoder;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.handshake.ServerHandshakeHandler;
import io.cascade.rtmp.session.ProtocolControlHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslHandler;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The RTMP listener on Vert.x's NetServer. Each accepted socket gets the RTMP handlers inserted
 * into its Netty pipeline ahead of Vert.x's own: handshake → chunk decoder/encoder → connection.
 * One listener instance per event loop; Vert.x spreads accepted connections across them.
 */
public final class RtmpServer {
  private final Vertx vertx;
  private final RtmpServerSettings settings;
  private final StreamManager streams;
  private final SessionPolicy policy;
  private final RtmpMetrics metrics;
  private final AtomicInteger connections = new AtomicInteger();
  private final Set<RtmpConnection> open = ConcurrentHashMap.newKeySet();
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final Map<InetAddress, Integer> perIp = new ConcurrentHashMap<>();
  private final Map<String, LimitLog> limitLogs = new ConcurrentHashMap<>();
  private final List<String> deployments = new CopyOnWriteArrayList<>();
  private volatile int actualPort;
  private volatile int tlsPort = -1;
  private TlsReloader tls;

  private RtmpServer(Vertx vertx, RtmpServerSettings settings, StreamManager streams, SessionPolicy policy,
      RtmpMetrics metrics) {
    this.vertx = vertx;
    this.settings = settings;
    this.streams = streams;
    this.policy = policy;
    this.metrics = metrics;
  }

  /**
   * Binds one listener instance per event loop. Port 0 becomes Vert.x's shared random port
   * (a negative port): every instance then listens on the same free port.
   */
  public static Future<RtmpServer> start(Vertx vertx, RtmpServerSettings settings, StreamManager streams) {
    return start(vertx, settings, streams, SessionPolicy.ALLOW_ALL);
  }

  public static Future<RtmpServer> start(Vertx vertx, RtmpServerSettings settings, StreamManager streams,
      SessionPolicy policy) {
    return start(vertx, settings, streams, policy, RtmpMetrics.standalone());
  }

  public static Future<RtmpServer> start(Vertx vertx, RtmpServerSettings settings, StreamManager streams,
      SessionPolicy policy, RtmpMetrics metrics) {
    RtmpServer server = new RtmpServer(vertx, settings, streams, policy, metrics);
    Future<String> plain = server.deploy(settings.port(), null);
    if (settings.tls() == null) {
      return plain.map(id -> server);
    }
    return plain.compose(id -> TlsReloader.load(vertx, "rtmps", settings.tls(), settings.handshakeTimeout()))
        .compose(reloader -> {
          server.tls = reloader;
          // Port 0 for RTMPS becomes Vert.x's second shared random port (-2): -1 is plain RTMP's.
          return server.deploy(settings.tls().port() == 0 ? -2 : settings.tls().port(), reloader);
        })
        .map(id -> {
          server.tls.start(server.listeners.stream().filter(l -> l.tls != null)
              .<TlsReloader.Target>map(l -> next -> l.server.updateSSLOptions(next, true)).toList());
          return server;
        });
  }

  private Future<String> deploy(int port, TlsReloader tlsReloader) {
    int bindPort = port == 0 ? -1 : port;
    return vertx.deployVerticle(() -> new Listener(this, bindPort, tlsReloader),
            new DeploymentOptions().setInstances(settings.effectiveEventLoops()))
        .onSuccess(deployments::add);
  }

  public int actualPort() {
    return actualPort;
  }

  /** The RTMPS port, or -1 without RTMPS. */
  public int tlsPort() {
    return tlsPort;
  }

  /** Connections currently open on this listener. */
  public int connections() {
    return connections.get();
  }

  /**
   * Stops accepting connections (the listening sockets close at once) and keeps the open ones
   * for up to {@code grace}: completes when all have gone or the grace is over, whichever is
   * first. What is still open then stays open until {@link #closeAll}.
   */
  public Future<Void> drain(Duration grace) {
    long graceMillis = grace.toMillis();
    for (Listener l : listeners) {
      // A backstop: closeAll comes first.
      l.server.shutdown(graceMillis + 30_000, TimeUnit.MILLISECONDS);
    }
    return awaitConnections(0, grace);
  }

  /** Closes every open connection with {@code reason}; completes once they are closed (at most 5 s). */
  public Future<Void> closeAll(String reason, String detail) {
    for (RtmpConnection c : open) {
      c.closeLater(reason, detail);
    }
    return awaitConnections(0, Duration.ofSeconds(5));
  }

  private Future<Void> awaitConnections(int target, Duration timeout) {
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    pollConnections(target, System.nanoTime() + timeout.toNanos(), done);
    return done.future();
  }

  /**
   * One-shot timers, not a periodic one: a periodic timer that cancels itself on its first firing
   * can race its own registration (seen as a NullPointerException in Vert.x's cancelTimer).
   */
  private void pollConnections(int target, long deadline, io.vertx.core.Promise<Void> done) {
    if (connections.get() <= target || System.nanoTime() - deadline >= 0) {
      done.tryComplete();
      return;
    }
    vertx.setTimer(100, id -> pollConnections(target, deadline, done));
  }

  public Future<Void> stop() {
    if (tls != null) {
      tls.stop();
    }
    return Future.join(deployments.stream().map(vertx::undeploy).toList()).mapEmpty();
  }

  private void init(NetSocketInternal socket) {
    Channel ch = socket.channelHandlerContext().channel();
    InetAddress address = ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
    if (!admit(address)) {
      ch.close();
      return;
    }
    ch.config().setWriteBufferWaterMark(
        new WriteBufferWaterMark(settings.writeBufferLowWaterMark(), settings.writeBufferHighWaterMark()));
    ChunkDecoder decoder = new ChunkDecoder(settings.chunkLimits());
    ChunkEncoder encoder = new ChunkEncoder();
    ChannelPipeline p = ch.pipeline();
    p.addBefore("handler", "handshake", new ServerHandshakeHandler(settings.handshakeTimeout()));
    FrameWriter writer = null;
    if (ch instanceof NioSocketChannel && p.get(SslHandler.class) == null) {
      // Players' live frames go out as batches of shared buffers; see FrameWriter.
      ch.config().setMessageSizeEstimator(FrameBatch.SIZE_ESTIMATOR);
      writer = new FrameWriter(settings.batchMaxBytes());
      p.addBefore("handshake", FrameWriter.NAME, writer);
    }
    p.addBefore("handler", "chunkDecoder", decoder);
    p.addBefore("handler", "chunkEncoder", encoder);
    ProtocolControlHandler control = new ProtocolControlHandler(decoder);
    p.addBefore("handler", "protocolControl", control);
    RtmpConnection connection = new RtmpConnection(settings, streams, policy, metrics, control, encoder, writer);
    p.addBefore("handler", "rtmp", connection);
    open.add(connection);
    socket.closeHandler(v -> {
      open.remove(connection);
      connections.decrementAndGet();
      if (address != null && settings.maxConnectionsPerIp() > 0) {
        perIp.computeIfPresent(address, (k, n) -> n <= 1 ? null : n - 1);
      }
    });
  }

  /** Counts the connection against rtmp.maxConnections and rtmp.maxConnectionsPerIp, or refuses it. */
  private boolean admit(InetAddress address) {
    if (connections.incrementAndGet() > settings.maxConnections()) {
      connections.decrementAndGet();
      refuse("max_connections", address, settings.maxConnections());
      return false;
    }
    int perIpLimit = settings.maxConnectionsPerIp();
    if (address != null && perIpLimit > 0) {
      boolean[] admitted = {true};
      perIp.compute(address, (k, n) -> {
        int count = n == null ? 0 : n;
        if (count >= perIpLimit) {
          admitted[0] = false;
          return n;
        }
        return count + 1;
      });
      if (!admitted[0]) {
        connections.decrementAndGet();
        refuse("max_connections_per_ip", address, perIpLimit);
        return false;
      }
    }
    return true;
  }

  private void refuse(String limit, InetAddress address, int value) {
    metrics.connectionRefused(limit);
    limitLogs.computeIfAbsent(limit, LimitLog::new).hit(address, value);
  }

  /**
   * The log line of a connection limit: the first hit, then at most one a second with the number
   * of hits it stands for, so a flood of connections cannot flood the log.
   */
  private static final class LimitLog {
    private static final long INTERVAL_NANOS = 1_000_000_000L;
    private final String limit;
    private long lastNanos;
    private long suppressed;
    private boolean logged;

    LimitLog(String limit) {
      this.limit = limit;
    }

    synchronized void hit(InetAddress address, int value) {
      long now = System.nanoTime();
      if (logged && now - lastNanos < INTERVAL_NANOS) {
        suppressed++;
        return;
      }
      logged = true;
      lastNanos = now;
      RtmpConnection.LOG.warn("event=limit limit={} value={} peer={} reason={} refused_since_last_line={}", limit,
          value, address == null ? "?" : address.getHostAddress(), limit, suppressed);
      suppressed = 0;
    }
  }

  /** One listener instance; Vert.x binds all instances to the same port and balances accepts. */
  private static final class Listener extends VerticleBase {
    private final RtmpServer owner;
    private final int port;
    private final TlsReloader tls;
    private NetServer server;

    Listener(RtmpServer owner, int port, TlsReloader tls) {
      this.owner = owner;
      this.port = port;
      this.tls = tls;
    }

    @Override
    public Future<?> start() {
      NetServerOptions options = new NetServerOptions()
          .setHost(owner.settings.host())
          .setPort(port)
          .setTcpNoDelay(true)
          .setReuseAddress(true)
          .setAcceptBacklog(1024);
      if (owner.settings.sendBufferSize() > 0) {
        options.setSendBufferSize(owner.settings.sendBufferSize());
      }
      if (tls != null) {
        tls.configure(options);
      }
      server = vertx.createNetServer(options);
      // With TLS, Vert.x calls this after the TLS handshake, with its SslHandler first in the
      // pipeline: the RTMP handlers go behind it and see plaintext.
      server.connectHandler(so -> owner.init((NetSocketInternal) so));
      return server.listen().onSuccess(s -> {
        if (tls == null) {
          owner.actualPort = s.actualPort();
        } else {
          owner.tlsPort = s.actualPort();
        }
        owner.listeners.add(this);
      });
    }

    @Override
    public Future<?> stop() {
      return server == null ? Future.succeededFuture() : server.close();
    }
  }
}
