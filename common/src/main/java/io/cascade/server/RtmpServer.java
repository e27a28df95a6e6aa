package io.cascade.server;

import io.cascade.live.StreamManager;
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
  private final AtomicInteger connections = new AtomicInteger();
  private String deploymentId;
  private volatile int actualPort;

  private RtmpServer(Vertx vertx, RtmpServerSettings settings, StreamManager streams, SessionPolicy policy) {
    this.vertx = vertx;
    this.settings = settings;
    this.streams = streams;
    this.policy = policy;
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
    RtmpServer server = new RtmpServer(vertx, settings, streams, policy);
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
    p.addBefore("handler", "rtmp", new RtmpConnection(settings, streams, policy, decoder, encoder));
    connections.incrementAndGet();
    socket.closeHandler(v -> connections.decrementAndGet());
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
      });
    }

    @Override
    public Future<?> stop() {
      return server == null ? Future.succeededFuture() : server.close();
    }
  }
}
