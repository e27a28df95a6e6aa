package io.cascade.origin;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ch.qos.logback.classic.Level;
import com.sun.management.UnixOperatingSystemMXBean;
import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.client.SyntheticPublisher;
import io.cascade.config.ConfigLoader;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.MessageType;
import io.cascade.testing.Await;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A flood against one origin that serves a live stream to {@value #PLAYERS} players: 2,000
 * connections that never send a byte or drip the handshake a byte at a time, a few hundred that
 * complete the handshake and then say nothing, and a burst of 2,000 connections that close at
 * once, after half a handshake, or with a reset. All on loopback, every loop bounded in count and
 * time.
 *
 * <p>Asserted: every player receives every frame the publisher sent, in order, and none is
 * disconnected; every silent or slow attacker is closed by the server through the handshake or
 * idle timeout, with the reason in its close line; every burst connection is seen and cleaned up;
 * and nothing is logged at WARN or above by Netty, Vert.x or Cascade. The origin has no per-node or
 * per-IP connection limit: the timeouts alone bound how long an attacker holds a connection.
 */
@ExtendWith(VertxExtension.class)
class FloodIT {
  private static final int PLAYERS = 50;
  private static final int SILENT = 1_000;
  private static final int SLOW = 1_000;
  private static final int IDLE_AFTER_HANDSHAKE = 200;
  private static final int BURST = 2_000;
  /** Connections opened together before waiting for them all to connect. */
  private static final int BATCH = 100;
  private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(5);
  /** A closed attacker must be gone this long after its timeout at the latest: a loaded 2-core machine. */
  private static final Duration CLOSE_SLACK = Duration.ofSeconds(10);
  private static final Duration SLOW_BYTE_EVERY = Duration.ofMillis(250);
  private static final SyntheticMedia.Profile PROFILE = SyntheticMedia.Profile.of(500, 30, 1, true);
  private static final int C1_SIZE = 1536;
  /** Attackers and their server-side peers, players, publisher, and room for the JVM's own files. */
  private static final long FILES_NEEDED = 2L * (SILENT + SLOW + IDLE_AFTER_HANDSHAKE + BATCH) + 4L * PLAYERS + 1_000;

  private enum Kind { SILENT, SLOW, IDLE_AFTER_HANDSHAKE, BURST_CLOSE, BURST_HALF_HANDSHAKE, BURST_RESET }

  private OriginNode origin;
  private EventLoopGroup clients;
  private EventLoopGroup attackers;
  private LogCapture logs;
  private RtmpClient publisherClient;
  private SyntheticPublisher publisher;
  private final List<RtmpClient> playerClients = new ArrayList<>();
  private final List<Player> players = new ArrayList<>();
  private final List<Attacker> flood = new ArrayList<>();
  private final AtomicInteger open = new AtomicInteger();
  private final AtomicInteger peakOpen = new AtomicInteger();

  @BeforeEach
  void start(Vertx vertx) throws Exception {
    long maxFiles = ((UnixOperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getMaxFileDescriptorCount();
    assertThat(maxFiles).as("open-file limit of the test JVM (ulimit -n); this test holds about %d sockets", FILES_NEEDED)
        .isGreaterThanOrEqualTo(FILES_NEEDED);
    logs = LogCapture.attach();
    clients = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    attackers = new MultiThreadIoEventLoopGroup(2, NioIoHandler.newFactory());
    origin = OriginNode.start(vertx, ConfigLoader.load((Path) null, Map.of(), Map.of(
        "rtmp.host", "127.0.0.1", "rtmp.port", 0, "http.host", "127.0.0.1", "http.port", 0,
        "rtmp.handshakeTimeout", HANDSHAKE_TIMEOUT.toSeconds() + "s",
        "rtmp.idleTimeout", IDLE_TIMEOUT.toSeconds() + "s")).config()).await(30, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() throws Exception {
    try {
      for (Attacker a : flood) {
        a.channel.close();
      }
      if (publisher != null) {
        publisher.stop().handle((r, e) -> null).get(10, TimeUnit.SECONDS);
      }
      for (RtmpClient c : playerClients) {
        c.close().get(10, TimeUnit.SECONDS);
      }
      if (publisherClient != null) {
        publisherClient.close().get(10, TimeUnit.SECONDS);
      }
      InProcessOrigin.stop(origin);
    } finally {
      attackers.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
      clients.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
      logs.detach();
    }
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void playersGetEveryFrameWhileTheTimeoutsCloseTheFlood() throws Exception {
    List<String> report = new ArrayList<>();
    RtmpUrl url = new RtmpUrl("127.0.0.1", origin.rtmpPort(), "live", "flooded");
    CompletableFuture<Throwable> publisherClosed = new CompletableFuture<>();
    publisherClient = RtmpClient.create(clients, new RtmpClientOptions(), new RtmpClientListener() {
      @Override
      public void onClose(Throwable cause) {
        publisherClosed.complete(cause);
      }
    });
    publisherClient.connect(url).thenCompose(info -> publisherClient.publish(url.stream())).get(10, TimeUnit.SECONDS);
    publisher = SyntheticPublisher.start(publisherClient, PROFILE, Duration.ofMinutes(3));
    for (int i = 0; i < PLAYERS; i++) {
      Player p = new Player();
      RtmpClient c = RtmpClient.create(clients, new RtmpClientOptions(), p);
      playerClients.add(c);
      players.add(p);
      c.connect(url).thenCompose(info -> c.play(url.stream())).get(10, TimeUnit.SECONDS);
    }
    Await.until(Duration.ofSeconds(30), "every player receiving",
        () -> players.stream().allMatch(p -> p.videoFrames() >= 30), players::toString);
    long before = minVideoFrames();
    long lastSeqBefore = players.stream().mapToLong(p -> p.last(0)).min().orElseThrow();

    long floodStart = System.nanoTime();
    connectAll(Kind.SILENT, SILENT, this::silent);
    connectAll(Kind.SLOW, SLOW, this::slow);
    connectAll(Kind.IDLE_AFTER_HANDSHAKE, IDLE_AFTER_HANDSHAKE, this::idleAfterHandshake);
    long slowConnectedMillis = (System.nanoTime() - floodStart) / 1_000_000;
    int peakHolding = peakOpen.get();
    for (Kind kind : new Kind[] {Kind.BURST_CLOSE, Kind.BURST_HALF_HANDSHAKE, Kind.BURST_RESET}) {
      connectAll(kind, BURST / 3 + (kind == Kind.BURST_CLOSE ? BURST % 3 : 0), a -> burst(kind, a));
    }
    long burstDoneMillis = (System.nanoTime() - floodStart) / 1_000_000;
    report.add(String.format("%d silent + %d slow + %d idle-after-handshake attackers connected in %d ms, "
            + "%d open at once; burst of %d connect/close done %d ms after the flood began",
        SILENT, SLOW, IDLE_AFTER_HANDSHAKE, slowConnectedMillis, peakHolding, BURST, burstDoneMillis));

    Duration allClosed = HANDSHAKE_TIMEOUT.plus(IDLE_TIMEOUT).plus(CLOSE_SLACK).plusSeconds(burstDoneMillis / 1000);
    Await.until(allClosed, "every attacker connection closed",
        () -> flood.stream().allMatch(a -> a.closedNanos != 0), () -> open.get() + " still open");
    long floodMillis = (System.nanoTime() - floodStart) / 1_000_000;
    report.add(String.format("last attacker closed %d ms after the flood began", floodMillis));
    report.add(lifetimes());

    for (Attacker a : flood) {
      switch (a.kind) {
        case SILENT, SLOW -> assertThat(a.lifetimeMillis()).as("%s attacker closed by the handshake timeout", a.kind)
            .isGreaterThanOrEqualTo(HANDSHAKE_TIMEOUT.toMillis() - 100)
            .isLessThan(HANDSHAKE_TIMEOUT.plus(CLOSE_SLACK).toMillis());
        case IDLE_AFTER_HANDSHAKE -> {
          assertThat(a.received).as("S0+S1+S2 bytes to an attacker").isGreaterThanOrEqualTo(1 + 2 * C1_SIZE);
          assertThat(a.lifetimeMillis()).as("idle attacker closed by the idle timeout")
              .isGreaterThanOrEqualTo(IDLE_TIMEOUT.toMillis() - 100)
              .isLessThan(HANDSHAKE_TIMEOUT.plus(IDLE_TIMEOUT).plus(CLOSE_SLACK).toMillis());
        }
        default -> {
          // Burst connections close themselves.
        }
      }
    }
    Await.until(Duration.ofSeconds(20), "the server's close line for every attacker",
        () -> closeLines("reason=handshake_timeout") >= SILENT + SLOW
            && closeLines("reason=idle") >= IDLE_AFTER_HANDSHAKE
            && closeLines("reason=peer_closed") + closeLines("reason=io_error") >= BURST,
        () -> "handshake_timeout=" + closeLines("reason=handshake_timeout") + " idle=" + closeLines("reason=idle")
            + " peer_closed=" + closeLines("reason=peer_closed") + " io_error=" + closeLines("reason=io_error"));
    report.add(String.format("server close lines: handshake_timeout=%d idle=%d peer_closed=%d io_error=%d",
        closeLines("reason=handshake_timeout"), closeLines("reason=idle"), closeLines("reason=peer_closed"),
        closeLines("reason=io_error")));

    // Delivery went on: more frames after the flood, then every frame up to the last one sent.
    Await.until(Duration.ofSeconds(30), "players receiving through the flood",
        () -> minVideoFrames() >= before + 30 * floodMillis / 1000 / 2 + 30, players::toString);
    SyntheticPublisher.Result sent = publisher.stop().get(10, TimeUnit.SECONDS);
    Await.until(Duration.ofSeconds(15), "every player received the last frames sent",
        () -> players.stream().allMatch(p -> p.last(0) == sent.videoFrames() - 1 && p.last(1) == sent.audioFrames() - 1),
        players::toString);
    for (Player p : players) {
      assertThat(p.first(0)).as("first video frame of %s, before the flood", p).isLessThanOrEqualTo(lastSeqBefore);
      assertThat(p.closed).as("player disconnected: %s", p).isNotDone();
      assertThat(p.gaps).as("sequence gaps at %s", p).isZero();
      assertThat(p.regressions).as("timestamps going back at %s", p).isZero();
    }
    assertThat(publisherClosed).as("publisher disconnected").isNotDone();
    report.add(String.format("%d players: every frame from their first (video #%d at the latest, before the flood) to "
        + "the last of %d video + %d audio frames sent, no gaps", PLAYERS,
        players.stream().mapToLong(p -> p.first(0)).max().orElse(-1), sent.videoFrames(), sent.audioFrames()));

    List<String> problems = logs.matching(l -> l.level().isGreaterOrEqual(Level.WARN) && watched(l.logger())).stream()
        .map(LogCapture.Line::toString).limit(20).toList();
    System.out.println("FloodIT report:\n  " + String.join("\n  ", report));
    assertThat(problems).as("warnings and errors while flooded").isEmpty();
  }

  // ---- attackers

  /** Opens {@code count} connections of one kind, {@link #BATCH} at a time, each batch awaited. */
  private void connectAll(Kind kind, int count, Function<Attacker, ChannelHandler> handler) throws InterruptedException {
    Bootstrap bootstrap = new Bootstrap().group(attackers).channel(NioSocketChannel.class)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 10_000);
    for (int done = 0; done < count; done += BATCH) {
      List<ChannelFuture> batch = new ArrayList<>();
      for (int i = done; i < Math.min(count, done + BATCH); i++) {
        Attacker a = new Attacker(kind);
        ChannelFuture f = bootstrap.clone().handler(handler.apply(a)).connect("127.0.0.1", origin.rtmpPort());
        a.channel = f.channel();
        a.channel.closeFuture().addListener(c -> {
          a.closedNanos = System.nanoTime();
          open.decrementAndGet();
        });
        flood.add(a);
        batch.add(f);
      }
      for (ChannelFuture f : batch) {
        if (!f.await(15, TimeUnit.SECONDS) || !f.isSuccess()) {
          fail("attacker could not connect: " + f.cause());
        }
        peakOpen.accumulateAndGet(open.incrementAndGet(), Math::max);
      }
    }
  }

  /** Connects and sends nothing. */
  private ChannelHandler silent(Attacker a) {
    return new Sink(a);
  }

  /** Sends C0, then one byte of C1 every {@link #SLOW_BYTE_EVERY}: C1 would take six minutes. */
  private ChannelHandler slow(Attacker a) {
    return new Sink(a) {
      private ScheduledFuture<?> drip;
      private int sent;

      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {3}));
        drip = ctx.executor().scheduleAtFixedRate(() -> {
          if (sent++ < C1_SIZE - 1 && ctx.channel().isActive()) {
            ctx.writeAndFlush(Unpooled.wrappedBuffer(new byte[] {(byte) sent}));
          }
        }, SLOW_BYTE_EVERY.toMillis(), SLOW_BYTE_EVERY.toMillis(), TimeUnit.MILLISECONDS);
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        drip.cancel(false);
      }
    };
  }

  /** Completes a plain handshake, then falls silent. */
  private ChannelHandler idleAfterHandshake(Attacker a) {
    return new Sink(a) {
      private boolean c2Sent;

      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        ctx.writeAndFlush(Unpooled.buffer(1 + C1_SIZE).writeByte(3).writeZero(C1_SIZE));
      }

      @Override
      void received(ChannelHandlerContext ctx) {
        if (!c2Sent && attacker.received >= 1 + 2 * C1_SIZE) {
          c2Sent = true;
          ctx.writeAndFlush(Unpooled.buffer(C1_SIZE).writeZero(C1_SIZE));
        }
      }
    };
  }

  /** Closes at once, after half of C0+C1, or with a reset. */
  private ChannelHandler burst(Kind kind, Attacker a) {
    return new Sink(a) {
      @Override
      public void channelActive(ChannelHandlerContext ctx) {
        switch (kind) {
          case BURST_HALF_HANDSHAKE -> ctx.writeAndFlush(Unpooled.buffer(1 + C1_SIZE / 2).writeByte(3).writeZero(C1_SIZE / 2))
              .addListener(f -> ctx.close());
          case BURST_RESET -> {
            ctx.channel().config().setOption(ChannelOption.SO_LINGER, 0);
            ctx.close();
          }
          default -> ctx.close();
        }
      }
    };
  }

  /** Counts and drops what the server sends an attacker. */
  private static class Sink extends ChannelInboundHandlerAdapter {
    final Attacker attacker;

    Sink(Attacker attacker) {
      this.attacker = attacker;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (msg instanceof ByteBuf b) {
        attacker.received += b.readableBytes();
      }
      ReferenceCountUtil.release(msg);
      received(ctx);
    }

    void received(ChannelHandlerContext ctx) {
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // A reset from the server is one way of being closed.
      ctx.close();
    }
  }

  private static final class Attacker {
    final Kind kind;
    final long connectNanos = System.nanoTime();
    volatile long closedNanos;
    volatile long received;
    Channel channel;

    Attacker(Kind kind) {
      this.kind = kind;
    }

    long lifetimeMillis() {
      return (closedNanos - connectNanos) / 1_000_000;
    }
  }

  private String lifetimes() {
    Map<Kind, List<Long>> byKind = new EnumMap<>(Kind.class);
    for (Attacker a : flood) {
      byKind.computeIfAbsent(a.kind, k -> new ArrayList<>()).add(a.lifetimeMillis());
    }
    return "attacker lifetimes (ms, min/median/max): " + byKind.entrySet().stream().map(e -> {
      List<Long> l = e.getValue().stream().sorted().toList();
      return e.getKey() + " " + l.get(0) + "/" + l.get(l.size() / 2) + "/" + l.get(l.size() - 1);
    }).collect(Collectors.joining(", "));
  }

  private long closeLines(String reason) {
    return logs.matching(l -> "cascade.rtmp".equals(l.logger()) && l.message().contains(reason)
        && (l.message().startsWith("event=close ") || l.message().startsWith("event=disconnect "))).size();
  }

  private long minVideoFrames() {
    return players.stream().mapToLong(Player::videoFrames).min().orElse(0);
  }

  private static boolean watched(String logger) {
    return logger.startsWith("io.netty") || logger.startsWith("io.vertx") || logger.startsWith("cascade")
        || logger.startsWith("io.cascade");
  }

  // ---- players

  /** Counts frames per track and checks sequence numbers and timestamps as they arrive. */
  private static final class Player implements RtmpClientListener {
    final CompletableFuture<Throwable> closed = new CompletableFuture<>();
    private final long[] first = {-1, -1};
    private final long[] last = {-1, -1};
    private long lastTimestamp = -1;
    private volatile long videoFrames;
    volatile long gaps;
    volatile long regressions;

    @Override
    public synchronized void onMessage(RtmpMessage m) {
      if (!MessageType.isMedia(m.typeId())) {
        return;
      }
      if (m.timestamp() < lastTimestamp) {
        regressions++;
      }
      lastTimestamp = Math.max(lastTimestamp, m.timestamp());
      SyntheticMedia.Stamp stamp = SyntheticMedia.parse(m.typeId(), m.payload());
      if (stamp == null) {
        return;
      }
      int track = m.typeId() == MessageType.VIDEO ? 0 : 1;
      if (first[track] < 0) {
        first[track] = stamp.sequence();
      } else if (stamp.sequence() != last[track] + 1) {
        gaps++;
      }
      last[track] = stamp.sequence();
      if (track == 0) {
        videoFrames++;
      }
    }

    @Override
    public void onClose(Throwable cause) {
      closed.complete(cause);
    }

    long videoFrames() {
      return videoFrames;
    }

    synchronized long first(int track) {
      return first[track];
    }

    synchronized long last(int track) {
      return last[track];
    }

    @Override
    public synchronized String toString() {
      return "player{video=" + videoFrames + " first=" + first[0] + " last=" + last[0] + "/" + last[1] + " gaps=" + gaps
          + (closed.isDone() ? " closed" : "") + "}";
    }
  }
}
