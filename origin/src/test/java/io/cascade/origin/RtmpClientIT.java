package io.cascade.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpStatusException;
import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.client.SyntheticPublisher;
import io.cascade.config.ConfigLoader;
import io.cascade.media.MediaTags;
import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.NetStatus;
import io.cascade.testing.Await;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import io.vertx.junit5.VertxExtension;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Cascade's own client against an in-process origin: a synthetic stream whose frames carry
 * sequence numbers is published and played, and the players check what they got frame by frame.
 */
@ExtendWith(VertxExtension.class)
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RtmpClientIT {
  private static final Duration WAIT = Duration.ofSeconds(15);
  private static final Duration PUBLISH_FOR = Duration.ofSeconds(40);
  private static final SyntheticMedia.Profile ONE_SECOND_GOP = SyntheticMedia.Profile.of(800, 30, 1, true);
  private static final SyntheticMedia.Profile TWO_SECOND_GOP = SyntheticMedia.Profile.of(800, 30, 2, true);

  private static OriginNode origin;
  private static EventLoopGroup group;
  private final List<RtmpClient> clients = new ArrayList<>();
  private final List<SyntheticPublisher> publishers = new ArrayList<>();

  @BeforeAll
  static void start(Vertx vertx) throws Exception {
    group = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    // An explicit port: with rtmp.port 0 the origin's second listener instance fails to bind.
    origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), Map.of(
        "rtmp.host", "127.0.0.1", "rtmp.port", freePort(), "http.host", "127.0.0.1", "http.port", 0)).config())
        .await(30, TimeUnit.SECONDS);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    if (origin != null) {
      origin.stop().await(30, TimeUnit.SECONDS);
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
  }

  @AfterEach
  void closeClients() throws Exception {
    for (SyntheticPublisher p : publishers) {
      p.stop().handle((r, e) -> null).get(10, TimeUnit.SECONDS);
    }
    for (RtmpClient c : clients) {
      c.close().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void threePlayersGetEveryFrameInOrderStartingAtAKeyframe(Vertx vertx) throws Exception {
    String key = uniqueKey("three");
    SyntheticPublisher publisher = publish(key, ONE_SECOND_GOP);
    Await.until(WAIT, "publisher started", () -> publisher.videoFramesSent() >= 10);

    // One player runs on Vert.x's event loops, as an edge's upstream pull will.
    VertxInternal vx = (VertxInternal) vertx;
    Player onVertx = new Player();
    RtmpClient vertxClient = client(vx.nettyEventLoopGroup(),
        new RtmpClientOptions().channelFactory(vx.transport().channelFactory(false)), onVertx);
    List<Player> players = List.of(onVertx, new Player(), new Player());
    play(vertxClient, key).get(10, TimeUnit.SECONDS);
    play(client(players.get(1)), key).get(10, TimeUnit.SECONDS);
    play(client(players.get(2)), key).get(10, TimeUnit.SECONDS);

    for (Player p : players) {
      Await.until(WAIT, "75 video frames at a player", () -> p.videoFrames() >= 75);
    }
    for (Player p : players) {
      List<Event> events = p.snapshot();
      assertStartsCleanly(events, true);
      assertNoGaps(events);
      assertMonotonic(events);
      assertThat(p.closeCause.isDone()).isFalse();
    }
  }

  @Test
  void lateJoinerStartsAtTheKeyframeFromTheGopCache() throws Exception {
    String key = uniqueKey("late");
    SyntheticPublisher publisher = publish(key, TWO_SECOND_GOP);
    // Half-way through the second GOP: the cache holds frames 60.. and frame 60 is its keyframe.
    Await.until(WAIT, "publisher in its second GOP", () -> publisher.videoFramesSent() >= 90);
    long sentAtJoin = publisher.videoFramesSent();

    Player late = new Player();
    long playSent = System.nanoTime();
    play(client(late), key).get(10, TimeUnit.SECONDS);
    Await.until(WAIT, "first frame at the late joiner", () -> late.videoFrames() >= 1);
    long ttffMillis = (late.firstMediaNanos - playSent) / 1_000_000;
    Await.until(WAIT, "a second of video at the late joiner", () -> late.videoFrames() >= 60);

    List<Event> events = late.snapshot();
    assertStartsCleanly(events, true);
    Event first = firstMedia(events);
    assertThat(first.seq()).as("first frame is the cached keyframe").isEqualTo(60).isLessThan(sentAtJoin);
    assertThat(ttffMillis).as("time to first frame, ms").isLessThan(1000);
    assertNoGaps(events);
    assertMonotonic(events);
  }

  @Test
  void secondPublisherOfTheSameKeyIsRefusedWhileTheFirstKeepsFlowing() throws Exception {
    String key = uniqueKey("dup");
    publish(key, ONE_SECOND_GOP);
    Player player = new Player();
    play(client(player), key).get(10, TimeUnit.SECONDS);
    Await.until(WAIT, "player receiving", () -> player.videoFrames() >= 15);

    Player intruderEvents = new Player();
    RtmpClient intruder = client(intruderEvents);
    intruder.connect(url(key)).get(10, TimeUnit.SECONDS);
    Throwable refused = Futures.failure(intruder.publish(key));
    assertThat(refused).isInstanceOf(RtmpStatusException.class);
    assertThat(((RtmpStatusException) refused).code()).isEqualTo(NetStatus.PUBLISH_BAD_NAME);
    assertThat(intruderEvents.closeCause.get(10, TimeUnit.SECONDS)).as("server closes the refused publisher").isNotNull();

    long atRefusal = player.videoFrames();
    Await.until(WAIT, "player still receiving after the refusal", () -> player.videoFrames() >= atRefusal + 45);
    List<Event> events = player.snapshot();
    assertNoGaps(events);
    assertMonotonic(events);
    assertThat(player.statusCodes()).doesNotContain(NetStatus.PLAY_UNPUBLISH_NOTIFY);
  }

  @Test
  void playerWaitingForAStreamStartsWhenItIsPublished() throws Exception {
    String key = uniqueKey("waiting");
    Player player = new Player();
    play(client(player), key).get(10, TimeUnit.SECONDS);
    // The server holds the play as a waiting player (positive state), and nothing was sent yet.
    Await.until(WAIT, "the player waiting for its stream", () -> origin.streams().waitingPlayers() >= 1);
    assertThat(player.videoFrames()).isZero();

    publish(key, ONE_SECOND_GOP);
    Await.until(WAIT, "player receiving once published", () -> player.videoFrames() >= 30);
    List<Event> events = player.snapshot();
    assertThat(player.statusCodes()).contains(NetStatus.PLAY_START, NetStatus.PLAY_PUBLISH_NOTIFY);
    assertStartsCleanly(events, true);
    assertThat(firstMedia(events).seq()).isZero();
    assertNoGaps(events);
    assertMonotonic(events);
  }

  @Test
  void republishAfterDisconnectResumesWithTimestampsThatNeverGoBack() throws Exception {
    String key = uniqueKey("republish");
    RtmpClient firstPublisher = client(new Player());
    firstPublisher.connect(url(key)).get(10, TimeUnit.SECONDS);
    firstPublisher.publish(key).get(10, TimeUnit.SECONDS);
    SyntheticPublisher first = SyntheticPublisher.start(firstPublisher, ONE_SECOND_GOP, PUBLISH_FOR);
    publishers.add(first);

    Player player = new Player();
    play(client(player), key).get(10, TimeUnit.SECONDS);
    Await.until(WAIT, "player receiving from the first publisher", () -> player.videoFrames() >= 45);

    first.stop().get(10, TimeUnit.SECONDS);
    firstPublisher.close().get(10, TimeUnit.SECONDS);
    Await.until(WAIT, "UnpublishNotify at the player",
        () -> player.statusCodes().contains(NetStatus.PLAY_UNPUBLISH_NOTIFY));
    long beforeRepublish = player.videoFrames();

    // The new encoder starts its timestamps at 0 again.
    publish(key, ONE_SECOND_GOP);
    Await.until(WAIT, "player receiving from the second publisher", () -> player.videoFrames() >= beforeRepublish + 45);

    List<Event> events = player.snapshot();
    assertThat(player.statusCodes()).containsSubsequence(NetStatus.PLAY_START, NetStatus.PLAY_UNPUBLISH_NOTIFY,
        NetStatus.PLAY_PUBLISH_NOTIFY);
    int resumedAt = indexOfStatus(events, NetStatus.PLAY_PUBLISH_NOTIFY);
    List<Event> afterRepublish = events.subList(resumedAt, events.size());
    assertStartsCleanly(afterRepublish, false);
    assertThat(firstMedia(afterRepublish).seq()).isZero();
    assertNoGaps(events);
    assertMonotonic(events);
    assertThat(player.closeCause.isDone()).isFalse();
  }

  // ---- helpers

  private SyntheticPublisher publish(String key, SyntheticMedia.Profile profile) throws Exception {
    RtmpClient client = client(new Player());
    client.connect(url(key)).get(10, TimeUnit.SECONDS);
    client.publish(key).get(10, TimeUnit.SECONDS);
    SyntheticPublisher p = SyntheticPublisher.start(client, profile, PUBLISH_FOR);
    publishers.add(p);
    return p;
  }

  private CompletableFuture<Void> play(RtmpClient client, String key) {
    return client.connect(url(key)).thenCompose(info -> client.play(key));
  }

  private RtmpClient client(RtmpClientListener listener) {
    return client(group, new RtmpClientOptions(), listener);
  }

  private RtmpClient client(EventLoopGroup loops, RtmpClientOptions options, RtmpClientListener listener) {
    RtmpClient c = RtmpClient.create(loops, options, listener);
    clients.add(c);
    return c;
  }

  private static RtmpUrl url(String key) {
    return new RtmpUrl("127.0.0.1", origin.rtmpPort(), "live", key);
  }

  private static String uniqueKey(String label) {
    return label + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static int indexOfStatus(List<Event> events, String code) {
    for (int i = 0; i < events.size(); i++) {
      if (code.equals(events.get(i).status())) {
        return i;
      }
    }
    return fail("no " + code + " in " + events);
  }

  private static Event firstMedia(List<Event> events) {
    return events.stream().filter(e -> e.seq() >= 0).findFirst().orElseThrow();
  }

  /**
   * Metadata, then both sequence headers, then the first stamped frame, which is a video
   * keyframe. {@code fromStart} also wants no media before the metadata.
   */
  private static void assertStartsCleanly(List<Event> events, boolean fromStart) {
    int metadata = -1;
    int videoHeader = -1;
    int audioHeader = -1;
    int firstFrame = -1;
    for (int i = 0; i < events.size() && firstFrame < 0; i++) {
      Event e = events.get(i);
      if ("onMetaData".equals(e.dataName()) && metadata < 0) {
        metadata = i;
      } else if (e.sequenceHeader() && e.type() == MessageType.VIDEO) {
        videoHeader = i;
      } else if (e.sequenceHeader() && e.type() == MessageType.AUDIO) {
        audioHeader = i;
      } else if (e.seq() >= 0) {
        firstFrame = i;
      } else if (fromStart && MessageType.isMedia(e.type())) {
        fail("unexpected media before the first frame: " + e);
      }
    }
    assertThat(metadata).as("metadata received").isGreaterThanOrEqualTo(0);
    assertThat(firstFrame).as("a stamped frame received").isGreaterThan(metadata);
    assertThat(videoHeader).as("AVC sequence header before the first frame").isBetween(0, firstFrame);
    assertThat(audioHeader).as("AAC sequence header before the first frame").isBetween(0, firstFrame);
    Event first = events.get(firstFrame);
    assertThat(first.type()).as("first frame is video").isEqualTo(MessageType.VIDEO);
    assertThat(first.keyframe()).as("first frame is a keyframe: " + first).isTrue();
  }

  /** Per track, consecutive sequence numbers; a publish session (after PublishNotify) starts over. */
  private static void assertNoGaps(List<Event> events) {
    long[] last = {-1, -1};
    for (Event e : events) {
      if (NetStatus.PLAY_PUBLISH_NOTIFY.equals(e.status())) {
        last[0] = -1;
        last[1] = -1;
      }
      if (e.seq() < 0) {
        continue;
      }
      int track = e.type() == MessageType.VIDEO ? 0 : 1;
      if (last[track] >= 0) {
        assertThat(e.seq()).as("sequence after %d on %s", last[track], MessageType.name(e.type())).isEqualTo(last[track] + 1);
      }
      last[track] = e.seq();
    }
  }

  /** Audio and video timestamps together never go backwards, across publish sessions too. */
  private static void assertMonotonic(List<Event> events) {
    long last = -1;
    for (Event e : events) {
      if (!MessageType.isMedia(e.type())) {
        continue;
      }
      assertThat(e.timestamp()).as("timestamp of %s after %d", e, last).isGreaterThanOrEqualTo(last);
      last = e.timestamp();
    }
  }

  /** One thing a player saw: a message ({@code type} > 0) or a status ({@code status} set). */
  record Event(int type, long timestamp, long seq, boolean keyframe, boolean sequenceHeader, String dataName, String status) {}

  /** Records what a client receives; the messages themselves are released by the client. */
  static final class Player implements RtmpClientListener {
    final CompletableFuture<Throwable> closeCause = new CompletableFuture<>();
    private final List<Event> events = new ArrayList<>();
    private volatile long videoFrames;
    volatile long firstMediaNanos;

    @Override
    public void onMessage(RtmpMessage m) {
      int type = m.typeId();
      if (MessageType.isMedia(type)) {
        int tags = MediaTags.classify(type, m.payload());
        SyntheticMedia.Stamp stamp = SyntheticMedia.parse(type, m.payload());
        if (stamp != null && firstMediaNanos == 0) {
          firstMediaNanos = System.nanoTime();
        }
        add(new Event(type, m.timestamp(), stamp == null ? -1 : stamp.sequence(), MediaTags.has(tags, MediaTags.KEYFRAME),
            MediaTags.has(tags, MediaTags.SEQUENCE_HEADER), null, null));
        if (type == MessageType.VIDEO && stamp != null) {
          videoFrames++;
        }
      } else {
        add(new Event(type, m.timestamp(), -1, false, false, Commands.decodeData(m, AmfLimits.DEFAULTS).name(), null));
      }
    }

    @Override
    public void onStatus(Map<String, Object> info) {
      add(new Event(0, 0, -1, false, false, null, String.valueOf(info.get("code"))));
    }

    @Override
    public void onClose(Throwable cause) {
      closeCause.complete(cause);
    }

    private synchronized void add(Event e) {
      events.add(e);
    }

    synchronized List<Event> snapshot() {
      return List.copyOf(events);
    }

    long videoFrames() {
      return videoFrames;
    }

    List<String> statusCodes() {
      return snapshot().stream().filter(e -> e.status() != null).map(Event::status).toList();
    }
  }
}
