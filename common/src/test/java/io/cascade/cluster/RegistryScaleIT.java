package io.cascade.cluster;

import static io.cascade.cluster.ClusterTestSupport.address;
import static io.cascade.cluster.ClusterTestSupport.await;
import static io.cascade.cluster.ClusterTestSupport.closeAll;
import static io.cascade.cluster.ClusterTestSupport.config;
import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.instance.impl.HazelcastInstanceProxy;
import com.hazelcast.map.impl.EntryEventFilter;
import com.hazelcast.map.impl.EventListenerFilter;
import com.hazelcast.map.impl.MapService;
import com.hazelcast.spi.impl.NodeEngine;
import com.hazelcast.spi.impl.eventservice.EventFilter;
import com.hazelcast.spi.impl.eventservice.EventRegistration;
import io.cascade.config.HostPort;
import io.cascade.testing.Await;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The registry at fleet scale: {@value #EDGES} simulated edges, each a Hazelcast client of two
 * origins (the production client configuration, {@code cluster.edgeMode: client}) with its own
 * registry, waiting for keys in uneven numbers (one key wanted by one edge, one by ten, one by
 * half the fleet, one by none). A publish reaches every edge that waits within a bound, and the
 * events it causes are exactly the edges that care: counted where they arrive and, structurally,
 * as key-filtered listener registrations on the origins (an edge-wide or map-wide listener would
 * make every publish cost N events).
 */
@Timeout(300)
class RegistryScaleIT {
  private static final Logger LOG = LoggerFactory.getLogger(RegistryScaleIT.class);
  private static final int EDGES = 100;
  /** Publish to the last waiting edge told; generous for a shared, busy 2-core machine. */
  private static final Duration TOLD_WITHIN = Duration.ofSeconds(10);

  @Test
  void aPublishReachesTheEdgesThatWaitAndOnlyThem() {
    String cluster = ClusterTestSupport.uniqueClusterName();
    List<ClusterNode> origins = new ArrayList<>();
    List<HazelcastInstance> clients = new ArrayList<>();
    List<HazelcastStreamRegistry> registries = new ArrayList<>();
    Vertx vertx = Vertx.vertx(ClusterTestSupport.smallVertx());
    try {
      ClusterNode a = ClusterTestSupport.start(cluster, "origin-a", ClusterNode.Role.ORIGIN, List.of());
      origins.add(a);
      origins.add(ClusterTestSupport.start(cluster, "origin-b", ClusterNode.Role.ORIGIN, List.of(address(a))));
      List<HostPort> seeds = List.of(address(a), address(origins.get(1)));
      List<HazelcastInstance> starting = new ArrayList<>();
      for (int i = 0; i < EDGES; i++) {
        String id = UUID.randomUUID().toString();
        HazelcastInstance client = HazelcastClient.newHazelcastClient(HazelcastConfigFactory.client(
            config(cluster, "edge-" + i, seeds, Map.of("cluster.edgeMode", "client")), id));
        starting.add(client);
        registries.add(new HazelcastStreamRegistry(vertx, client, id, false));
      }
      clients.addAll(starting);
      assertThat(a.memberCount()).as("clients are no members").isEqualTo(2);

      // Who waits for what: edge i waits for "one" if i == 0, "ten" if i < 10, "half" if i < 50,
      // and every edge waits for "fence", published last to know the others had their time.
      Map<String, Integer> waiting = Map.of("live/one", 1, "live/ten", 10, "live/half", EDGES / 2,
          "live/nobody", 0, "live/fence", EDGES);
      Map<String, AtomicInteger> told = new ConcurrentHashMap<>();
      Map<String, Long> lastToldNanos = new ConcurrentHashMap<>();
      AtomicInteger initialReads = new AtomicInteger();
      int watches = 0;
      for (int i = 0; i < EDGES; i++) {
        for (Map.Entry<String, Integer> w : waiting.entrySet()) {
          if (i < w.getValue()) {
            String key = w.getKey();
            AtomicInteger reads = new AtomicInteger();
            watches++;
            registries.get(i).watch(key, record -> {
              if (reads.getAndIncrement() == 0) {
                initialReads.incrementAndGet();
              } else if (record.isPresent()) {
                told.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                lastToldNanos.merge(key, System.nanoTime(), Math::max);
              }
            });
          }
        }
      }
      int expectedWatches = watches;
      Await.until(Duration.ofSeconds(60), "every watch registered and read",
          () -> initialReads.get() == expectedWatches, () -> "read " + initialReads.get() + "/" + expectedWatches);

      Map<String, Integer> filtered = keyFilteredRegistrations(origins.get(0));
      assertThat(filtered.get(null)).as("listeners on the whole streams map").isNull();
      for (Map.Entry<String, Integer> w : waiting.entrySet()) {
        assertThat(filtered.getOrDefault(w.getKey(), 0)).as("registrations for %s", w.getKey()).isEqualTo(w.getValue());
      }

      Map<String, Long> publishedNanos = new HashMap<>();
      for (String key : List.of("live/one", "live/ten", "live/half", "live/nobody", "live/fence")) {
        publishedNanos.put(key, System.nanoTime());
        long now = System.currentTimeMillis();
        StreamRecord record = new StreamRecord(key, a.memberId(), "origin-a", "127.0.0.1", 1935,
            UUID.randomUUID().toString(), now, now, "", "");
        assertThat(await(a.registry().claim(record)).granted()).isTrue();
        int wanted = waiting.get(key);
        if (wanted > 0) {
          Await.until(TOLD_WITHIN, "the " + wanted + " edges waiting for " + key + " are told",
              () -> told.getOrDefault(key, new AtomicInteger()).get() >= wanted,
              () -> "told " + told.getOrDefault(key, new AtomicInteger()));
          LOG.info("MEASURED registry_scale key={} waiting={} edges={} last_told_ms={}", key, wanted, EDGES,
              (lastToldNanos.get(key) - publishedNanos.get(key)) / 1_000_000);
        }
      }
      for (Map.Entry<String, Integer> w : waiting.entrySet()) {
        assertThat(told.getOrDefault(w.getKey(), new AtomicInteger()).get())
            .as("events for %s: one per waiting edge, not one per edge", w.getKey())
            .isEqualTo(w.getValue());
      }
    } finally {
      registries.forEach(HazelcastStreamRegistry::close);
      clients.parallelStream().forEach(c -> c.getLifecycleService().terminate());
      vertx.close();
      closeAll(origins);
    }
  }

  /**
   * Listener registrations on the streams map held by {@code origin}, counted by the key they
   * filter on (null: no key filter, i.e. every event of the map).
   */
  private static Map<String, Integer> keyFilteredRegistrations(ClusterNode origin) {
    NodeEngine engine = ((HazelcastInstanceProxy) origin.hazelcast()).getOriginal().node.getNodeEngine();
    Map<String, Integer> byKey = new HashMap<>();
    for (EventRegistration r : engine.getEventService().getRegistrations(MapService.SERVICE_NAME,
        HazelcastStreamRegistry.MAP_NAME)) {
      EventFilter filter = r.getFilter();
      if (filter instanceof EventListenerFilter wrapped) {
        filter = wrapped.getEventFilter();
      }
      String key = filter instanceof EntryEventFilter entry && entry.getKey() != null
          ? engine.getSerializationService().toObject(entry.getKey())
          : null;
      byKey.merge(key, 1, Integer::sum);
    }
    return byKey;
  }
}
