package io.cascade.bench;

import io.cascade.client.RtmpClient;
import io.cascade.client.RtmpClientListener;
import io.cascade.client.RtmpClientOptions;
import io.cascade.client.RtmpUrl;
import io.cascade.client.SyntheticMedia;
import io.cascade.client.SyntheticPublisher;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.MessageType;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Soak: one publisher and a fixed number of players that keep leaving and joining (each lives a
 * random 10–60 s, then a new one takes its place) against a running node, for a bounded time.
 * Every 30 s it samples the server's heap after GC, live heap, Netty direct memory, RSS and open
 * players into a CSV, so a leak shows as a slope. Not part of the tests; see docs/BENCHMARKS.md.
 *
 * <p>{@code java -cp ... io.cascade.bench.SoakBench rtmp://127.0.0.1:1935/live/soak http://127.0.0.1:8080 PID
 * PLAYERS MINUTES KBPS OUT.csv}
 */
public final class SoakBench {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{[^}]*})? (\\S+)$", Pattern.MULTILINE);

  private SoakBench() {
  }

  public static void main(String[] args) throws Exception {
    RtmpUrl url = RtmpUrl.parse(args[0]);
    String http = args[1];
    long pid = Long.parseLong(args[2]);
    int players = Integer.parseInt(args[3]);
    int minutes = Integer.parseInt(args[4]);
    int kbps = Integer.parseInt(args[5]);
    Path out = Path.of(args[6]);
    EventLoopGroup loops = new NioEventLoopGroup(2);
    HttpClient httpClient = HttpClient.newHttpClient();
    AtomicLong joins = new AtomicLong();
    AtomicLong frames = new AtomicLong();
    AtomicLong gaps = new AtomicLong();
    AtomicLong failures = new AtomicLong();
    Duration total = Duration.ofMinutes(minutes);
    RtmpClient pub = RtmpClient.create(loops, new RtmpClientOptions(), new RtmpClientListener() { });
    pub.connect(url).thenCompose(i -> pub.publish(url.stream())).get(30, TimeUnit.SECONDS);
    SyntheticPublisher publisher = SyntheticPublisher.start(pub, SyntheticMedia.Profile.of(kbps, 30, 2, true),
        total.plusMinutes(1));
    long end = System.nanoTime() + total.toNanos();
    List<Player> live = new ArrayList<>();
    try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(out))) {
      csv.println("time,minute,players_open,joins,frames,gaps,failed,heap_after_gc_ratio,live_data_bytes,heap_used_bytes,"
          + "netty_direct_bytes,rss_bytes,server_players");
      long nextSample = System.nanoTime();
      while (System.nanoTime() < end) {
        long now = System.nanoTime();
        live.removeIf(p -> {
          if (now >= p.leaveAt || p.closed) {
            p.client.close();
            return true;
          }
          return false;
        });
        while (live.size() < players) {
          Player p = new Player(frames, gaps);
          p.leaveAt = now + TimeUnit.SECONDS.toNanos(ThreadLocalRandom.current().nextInt(10, 61));
          p.client = RtmpClient.create(loops, new RtmpClientOptions(), p);
          p.client.connect(url).thenCompose(i -> p.client.play(url.stream())).whenComplete((v, e) -> {
            if (e != null) {
              failures.incrementAndGet();
              p.closed = true;
            }
          });
          joins.incrementAndGet();
          live.add(p);
        }
        if (now >= nextSample) {
          nextSample = now + TimeUnit.SECONDS.toNanos(30);
          String metrics = httpClient.send(HttpRequest.newBuilder(URI.create(http + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString()).body();
          String line = String.join(",", Instant.now().toString(),
              String.format("%.1f", (total.toNanos() - (end - now)) / 60e9), Integer.toString(live.size()),
              Long.toString(joins.get()), Long.toString(frames.get()), Long.toString(gaps.get()),
              Long.toString(failures.get()),
              fmt(sum(metrics, "jvm_memory_usage_after_gc", "")), fmt(sum(metrics, "jvm_gc_live_data_size_bytes", "")),
              fmt(sum(metrics, "jvm_memory_used_bytes", "area=\"heap\"")), fmt(sum(metrics, "cascade_netty_direct_memory_bytes", "")),
              Long.toString(rss(pid)), fmt(sum(metrics, "cascade_players_active", "kind=\"player\"")));
          csv.println(line);
          csv.flush();
          System.out.println(line);
        }
        Thread.sleep(200);
      }
    } finally {
      live.forEach(p -> p.client.close());
      publisher.stop();
      pub.close();
      loops.shutdownGracefully(0, 2, TimeUnit.SECONDS);
    }
  }

  private static String fmt(double v) {
    return String.format("%.0f", v);
  }

  private static double sum(String metrics, String name, String labelPart) {
    double total = 0;
    Matcher m = SAMPLE.matcher(metrics);
    while (m.find()) {
      if (m.group(1).equals(name) && (labelPart.isEmpty() || (m.group(2) != null && m.group(2).contains(labelPart)))) {
        total += Double.parseDouble(m.group(3));
      }
    }
    return name.equals("jvm_memory_usage_after_gc") ? total * 1000 : total;
  }

  private static long rss(long pid) throws IOException {
    for (String l : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
      if (l.startsWith("VmRSS:")) {
        return Long.parseLong(l.replaceAll("[^0-9]", "")) * 1024;
      }
    }
    return -1;
  }

  /** A player counting frames and sequence gaps of the synthetic stream. */
  private static final class Player implements RtmpClientListener {
    final AtomicLong frames;
    final AtomicLong gaps;
    RtmpClient client;
    long leaveAt;
    volatile boolean closed;
    private long lastVideoSeq = -1;

    Player(AtomicLong frames, AtomicLong gaps) {
      this.frames = frames;
      this.gaps = gaps;
    }

    @Override
    public void onMessage(RtmpMessage m) {
      if (m.typeId() != MessageType.VIDEO) {
        return;
      }
      SyntheticMedia.Stamp s = SyntheticMedia.parse(m.typeId(), m.payload());
      if (s == null) {
        return;
      }
      frames.incrementAndGet();
      if (lastVideoSeq >= 0 && s.sequence() != lastVideoSeq + 1) {
        gaps.incrementAndGet();
      }
      lastVideoSeq = s.sequence();
    }

    @Override
    public void onStatus(Map<String, Object> info) {
    }

    @Override
    public void onClose(Throwable cause) {
      closed = true;
    }
  }
}
