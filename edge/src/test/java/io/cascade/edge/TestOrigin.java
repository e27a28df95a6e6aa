package io.cascade.edge;

import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.client.SyntheticPublisher;
import io.cascade.cluster.RelayToken;
import io.cascade.cluster.StreamRecord;
import io.cascade.config.ConfigLoader;
import io.cascade.live.LiveSettings;
import io.cascade.live.LiveStream;
import io.cascade.live.StreamManager;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.server.RtmpServer;
import io.cascade.server.RtmpServerSettings;
import io.cascade.server.SessionPolicy;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.EventLoopGroup;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in origin: a plain RTMP server with its own stream manager that admits relay pulls only
 * with a valid cluster token, and synthetic publishers pushing into it.
 */
final class TestOrigin {
  static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(400, 25, 0.5, true);

  private final String member;
  private final EventLoopGroup clientGroup;
  /** Its own Vert.x: two servers on one Vert.x with port 0 would share one random port. */
  private final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
  private final StreamManager streams = new StreamManager(LiveSettings.DEFAULTS, PooledByteBufAllocator.DEFAULT);
  private final List<RtmpClient> publishers = new CopyOnWriteArrayList<>();
  private RtmpServer server;
  private int port;
  private boolean killed;

  private TestOrigin(String member, EventLoopGroup clientGroup) {
    this.member = member;
    this.clientGroup = clientGroup;
  }

  static TestOrigin start(EventLoopGroup clientGroup, String member, String secret) throws Exception {
    TestOrigin origin = new TestOrigin(member, clientGroup);
    RtmpServerSettings settings = RtmpServerSettings.from(ConfigLoader.load((Path) null, Map.of(), Map.of(
        "rtmp.host", "127.0.0.1", "rtmp.port", 0, "rtmp.eventLoops", 2)).config());
    SessionPolicy relayOnly = new SessionPolicy() {
      @Override
      public Future<Void> admitPlay(Request request) {
        String token = request.query().get(RelayToken.PARAMETER);
        if (RelayToken.verify(List.of(secret), request.key(), token, System.currentTimeMillis() / 1000)) {
          return Future.succeededFuture();
        }
        return Future.failedFuture(new Refused(NetStatus.PLAY_FAILED, "relay_auth_failed", "no valid relay token"));
      }
    };
    origin.server = RtmpServer.start(origin.vertx, settings, origin.streams, relayOnly).await(10, TimeUnit.SECONDS);
    origin.port = origin.server.actualPort();
    return origin;
  }

  int port() {
    return port;
  }

  String member() {
    return member;
  }

  StreamRecord record(String key, String session) {
    long now = System.currentTimeMillis();
    return new StreamRecord(key, member, "node-" + member, "127.0.0.1", port, session, now, now, "", "");
  }

  /** A running synthetic publisher. */
  record Publishing(RtmpClient client, SyntheticPublisher media) {
    /** Ends the publish as an encoder would: stop sending, then unpublish and disconnect. */
    void stop() throws Exception {
      media.stop().get(5, TimeUnit.SECONDS);
      client.close().get(5, TimeUnit.SECONDS);
    }
  }

  /** Starts a synthetic publisher of {@code key} (app/name) that runs for {@code duration}. */
  Publishing publish(String key, Duration duration) throws Exception {
    int slash = key.indexOf('/');
    RtmpClient client = RtmpClient.create(clientGroup, new RtmpClientOptions(), new RtmpClientListener() { });
    publishers.add(client);
    client.connect(new RtmpUrl("127.0.0.1", port, key.substring(0, slash), "")).get(5, TimeUnit.SECONDS);
    client.publish(key.substring(slash + 1)).get(5, TimeUnit.SECONDS);
    return new Publishing(client, SyntheticPublisher.start(client, PROFILE, duration));
  }

  /** Subscribers of {@code key} here: the edge's upstream counts as one. */
  int subscribers(String key) {
    LiveStream s = streams.get(key);
    return s == null ? 0 : s.info().subscribers();
  }

  /** Closes its Vert.x, which drops every connection at once: an origin that died. */
  void kill() throws Exception {
    if (!killed) {
      killed = true;
      vertx.close().await(10, TimeUnit.SECONDS);
    }
    for (RtmpClient c : publishers) {
      c.close().get(5, TimeUnit.SECONDS);
    }
    publishers.clear();
  }
}
