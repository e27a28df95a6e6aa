package io.cascade.server;

import io.cascade.live.StreamManager;
import io.cascade.metrics.RtmpMetrics;
import io.cascade.rtmp.chunk.ChunkDecoder;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.handshake.ServerHandshakeHandler;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.WriteBufferWaterMark;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VerticleBase;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetServerOptions;
import java.time.Duration;
import java.util.List;
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
  private String deploymentId;
  private volatile int actualPort;

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
    int port = settings.port() == 0 ? -1 : settings.port();
    return vertx.deployVerticle(() -> new Listener(server, port),
            new DeploymentOptions().setInstances(settings.effectiveEventLoops()))
        .map(id -> {
          server.deploymentId = id;
          return server;
        });
  }

  public int actualPort() {
    return actualPort;
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
    long deadline = System.nanoTime() + timeout.toNanos();
    io.vertx.core.Promise<Void> done = io.vertx.core.Promise.promise();
    vertx.setPeriodic(1, 100, id -> {
      if (connections.get() <= target || System.nanoTime() - deadline >= 0) {
        vertx.cancelTimer(id);
        done.tryComplete();
      }
    });
    return done.future();
  }

  public Future<Void> stop() {
    return deploymentId == null ? Future.succeededFuture() : vertx.undeploy(deploymentId);
  }

  private void init(NetSocketInternal socket) {
    Channel ch = socket.channelHandlerContext().channel();
    ch.config().setWriteBufferWaterMark(
        new WriteBufferWaterMark(settings.writeBufferLowWaterMark(), settings.writeBufferHighWaterMark()));
    ChunkDecoder decoder = new ChunkDecoder(settings.chunkLimits());
    ChunkEncoder encoder = new ChunkEncoder();
    ChannelPipeline p = ch.pipeline();
    p.addBefore("handler", "handshake", new ServerHandshakeHandler(settings.handshakeTimeout()));
    p.addBefore("handler", "chunkDecoder", decoder);
    p.addBefore("handler", "chunkEncoder", encoder);
    RtmpConnection connection = new RtmpConnection(settings, streams, policy, metrics, decoder, encoder);
    p.addBefore("handler", "rtmp", connection);
    connections.incrementAndGet();
    open.add(connection);
    socket.closeHandler(v -> {
      open.remove(connection);
      connections.decrementAndGet();
    });
  }

  /** One listener instance; Vert.x binds all instances to the same port and balances accepts. */
  private static final class Listener extends VerticleBase {
    private final RtmpServer owner;
    private final int port;
    private NetServer server;

    Listener(RtmpServer owner, int port) {
      this.owner = owner;
      this.port = port;
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
      server = vertx.createNetServer(options);
      server.connectHandler(so -> owner.init((NetSocketInternal) so));
      return server.listen().onSuccess(s -> {
        owner.actualPort = s.actualPort();
        owner.listeners.add(this);
      });
    }

    @Override
    public Future<?> stop() {
      return server == null ? Future.succeededFuture() : server.close();
    }
  }
}
