package io.cascade.cluster;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.config.Config;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.cascade.config.CascadeConfig;
import io.cascade.config.ConfigSchema;
import io.cascade.config.EdgeMode;
import io.cascade.config.EdgeTier;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This process's membership in the Cascade cluster: one Hazelcast member (origins hold data, edges
 * are lite members) and the clustered Vert.x built on it, or for a leaf edge in
 * {@code cluster.edgeMode: client} a Hazelcast client of the origins and a plain Vert.x (nothing
 * in Cascade uses the clustered event bus; see docs/SCALE.md); then the stream registry on that
 * instance. {@link #start} joins; {@link #close} leaves.
 */
public final class ClusterNode {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.cluster");
  /** How often an edge that waits for its first origin says so. */
  private static final long WAIT_LOG_SECONDS = 10;

  /** What a node does in the cluster; decides whether it holds registry data. */
  public enum Role {
    /** Accepts publishes and owns streams; a Hazelcast data member. */
    ORIGIN,
    /** Pulls streams from origins for its players; a Hazelcast lite member. */
    EDGE
  }

  private final Role role;
  private final String memberId;
  private final String advertisedHost;
  private final int port;
  private final HazelcastInstance hazelcast;
  private final Vertx vertx;
  private final HazelcastStreamRegistry registry;
  private final HazelcastParentDirectory parents;
  private final AtomicBoolean closing = new AtomicBoolean();
  private final Promise<Void> closed = Promise.promise();

  private ClusterNode(Role role, String memberId, String advertisedHost, int port, HazelcastInstance hazelcast,
      Vertx vertx, HazelcastStreamRegistry registry, HazelcastParentDirectory parents) {
    this.role = role;
    this.memberId = memberId;
    this.advertisedHost = advertisedHost;
    this.port = port;
    this.hazelcast = hazelcast;
    this.vertx = vertx;
    this.registry = registry;
    this.parents = parents;
  }

  /** Joins with default Vert.x options. */
  public static Future<ClusterNode> start(CascadeConfig config, Role role) {
    return start(config, role, new VertxOptions());
  }

  /**
   * Starts a Hazelcast member, waits (an edge) until an origin is in the cluster, and builds a
   * clustered Vert.x from {@code options} on it. Runs on a thread of its own: joining blocks for
   * seconds and the caller may be an event loop.
   */
  public static Future<ClusterNode> start(CascadeConfig config, Role role, VertxOptions options) {
    return start(config, role, options, null);
  }

  /** As {@link #start(CascadeConfig, Role, VertxOptions)}, with Vert.x's own metrics in {@code metrics} (may be null). */
  public static Future<ClusterNode> start(CascadeConfig config, Role role, VertxOptions options, MeterRegistry metrics) {
    Promise<ClusterNode> promise = Promise.promise();
    Thread starter = new Thread(() -> {
      try {
        startBlocking(config, role, new VertxOptions(options), metrics).onComplete(promise);
      } catch (Throwable e) {
        promise.tryFail(e);
      }
    }, "cascade-cluster-start");
    starter.setDaemon(true);
    starter.start();
    return promise.future();
  }

  private static Future<ClusterNode> startBlocking(CascadeConfig config, Role role, VertxOptions options,
      MeterRegistry metrics) throws InterruptedException {
    ClusterSettings cluster = ClusterSettings.from(config);
    String memberId = UUID.randomUUID().toString();
    String bindHost = cluster.host();
    String advertised = ClusterAddresses.advertisedHost(cluster);
    if (joinsAsClient(config, role)) {
      return startClient(config, memberId, advertised, options, metrics);
    }
    int port = ClusterAddresses.port(bindHost, cluster.port());
    Config hzConfig = HazelcastConfigFactory.create(config, role, memberId, bindHost, port, advertised);

    HazelcastInstance hz = Hazelcast.newHazelcastInstance(hzConfig);
    try {
      hz.getCluster().addMembershipListener(new MembershipLog());
      if (role == Role.EDGE) {
        awaitDataMember(hz);
      }
    } catch (RuntimeException | InterruptedException e) {
      hz.getLifecycleService().terminate();
      throw e;
    }

    options.getEventBusOptions().setHost(bindHost).setClusterPublicHost(advertised);
    VertxBuilder builder = Vertx.builder().withClusterManager(new HazelcastClusterManager(hz));
    if (metrics != null) {
      options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true));
      builder.withMetrics(new MicrometerMetricsFactory(metrics));
    }
    return builder
        .with(options)
        .buildClustered()
        .recover(e -> {
          hz.getLifecycleService().terminate();
          return Future.failedFuture(e);
        })
        .map(vertx -> {
          HazelcastStreamRegistry registry = new HazelcastStreamRegistry(vertx, hz, memberId, role == Role.ORIGIN);
          HazelcastParentDirectory parents = new HazelcastParentDirectory(vertx, hz, memberId, role == Role.ORIGIN);
          ClusterNode node = new ClusterNode(role, memberId, advertised, port, hz, vertx, registry, parents);
          LOG.info("event=cluster.joined role={} mode=member node={} member={} address={} cluster={} members={}"
              + " discovery={}", role.name().toLowerCase(), config.get(ConfigSchema.NODE_ID), memberId,
              ClusterAddresses.hostPort(advertised, port), cluster.name(), node.memberCount(),
              cluster.discovery().name().toLowerCase());
          return node;
        });
  }

  /**
   * A leaf edge in client mode. Parent edges stay members: leaves judge a parent alive by the
   * member list, which a client sees but does not appear in.
   */
  static boolean joinsAsClient(CascadeConfig config, Role role) {
    return role == Role.EDGE && config.get(ConfigSchema.CLUSTER_EDGE_MODE) == EdgeMode.CLIENT
        && config.get(ConfigSchema.EDGE_TIER) != EdgeTier.PARENT;
  }

  /** Connects as a client (blocks until an origin answers) and builds a plain Vert.x beside it. */
  private static Future<ClusterNode> startClient(CascadeConfig config, String memberId, String advertised,
      VertxOptions options, MeterRegistry metrics) {
    ClusterSettings cluster = ClusterSettings.from(config);
    HazelcastInstance hz = HazelcastClient.newHazelcastClient(HazelcastConfigFactory.client(config, memberId));
    hz.getCluster().addMembershipListener(new MembershipLog());
    VertxBuilder builder = Vertx.builder();
    if (metrics != null) {
      options.setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true));
      builder.withMetrics(new MicrometerMetricsFactory(metrics));
    }
    Vertx vertx;
    try {
      vertx = builder.with(options).build();
    } catch (RuntimeException e) {
      hz.getLifecycleService().terminate();
      return Future.failedFuture(e);
    }
    HazelcastStreamRegistry registry = new HazelcastStreamRegistry(vertx, hz, memberId, false);
    HazelcastParentDirectory parents = new HazelcastParentDirectory(vertx, hz, memberId, false);
    ClusterNode node = new ClusterNode(Role.EDGE, memberId, advertised, 0, hz, vertx, registry, parents);
    LOG.info("event=cluster.joined role=edge mode=client node={} member={} cluster={} members={} discovery={}",
        config.get(ConfigSchema.NODE_ID), memberId, cluster.name(), node.memberCount(),
        cluster.discovery().name().toLowerCase());
    return Future.succeededFuture(node);
  }

  /**
   * Vert.x keeps its cluster state in Hazelcast maps, which need a data member; an edge that
   * starts before any origin waits for one rather than failing.
   */
  private static void awaitDataMember(HazelcastInstance hz) throws InterruptedException {
    CountDownLatch found = new CountDownLatch(1);
    UUID listener = hz.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        if (!event.getMember().isLiteMember()) {
          found.countDown();
        }
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
      }
    });
    try {
      while (hz.getCluster().getMembers().stream().allMatch(Member::isLiteMember)) {
        if (found.await(WAIT_LOG_SECONDS, TimeUnit.SECONDS)) {
          break;
        }
        LOG.info("event=cluster.waiting_for_origin members={}", hz.getCluster().getMembers().size());
      }
    } finally {
      hz.getCluster().removeMembershipListener(listener);
    }
  }

  public Role role() {
    return role;
  }

  public Vertx vertx() {
    return vertx;
  }

  public HazelcastInstance hazelcast() {
    return hazelcast;
  }

  public StreamRegistry registry() {
    return registry;
  }

  /** The parent edges alive in the cluster (tiered edges). */
  public ParentDirectory parents() {
    return parents;
  }

  /** Id of this member for the life of the process; the owner id in stream records. */
  public String memberId() {
    return memberId;
  }

  /** Address other nodes reach this one at; origins write it into their stream records as the relay host. */
  public String advertisedHost() {
    return advertisedHost;
  }

  /** The cluster (Hazelcast) port actually bound, also when the configured port was 0; 0 for a client. */
  public int port() {
    return port;
  }

  /** Members in the cluster, origins and member edges, this one included unless a client; 0 once stopped. */
  public int memberCount() {
    return hazelcast.getLifecycleService().isRunning() ? hazelcast.getCluster().getMembers().size() : 0;
  }

  /**
   * Leaves the cluster: stops the registry and Vert.x (which unregisters this node's event bus
   * state), then shuts Hazelcast down gracefully so an origin's partitions move to the others.
   */
  public Future<Void> close() {
    if (!closing.compareAndSet(false, true)) {
      return closed.future();
    }
    registry.close();
    parents.close();
    Promise<Void> done = closed;
    vertx.close().onComplete(ar -> {
      Thread stopper = new Thread(() -> {
        try {
          hazelcast.shutdown();
          LOG.info("event=cluster.left role={} member={}", role.name().toLowerCase(), memberId);
          if (ar.failed()) {
            done.tryFail(ar.cause());
          } else {
            done.tryComplete();
          }
        } catch (RuntimeException e) {
          done.tryFail(e);
        }
      }, "cascade-cluster-stop");
      stopper.setDaemon(true);
      stopper.start();
    });
    return done.future();
  }

  /** One log line per membership change, with the node id and role people know the member by. */
  private static final class MembershipLog implements MembershipListener {
    @Override
    public void memberAdded(MembershipEvent event) {
      log("event=cluster.member_added", event);
    }

    @Override
    public void memberRemoved(MembershipEvent event) {
      log("event=cluster.member_removed", event);
    }

    private static void log(String what, MembershipEvent event) {
      Member m = event.getMember();
      LOG.info("{} member={} node={} role={} address={} members={}", what,
          m.getAttribute(HazelcastConfigFactory.MEMBER_ID_ATTRIBUTE),
          m.getAttribute(HazelcastConfigFactory.NODE_ID_ATTRIBUTE),
          m.getAttribute(HazelcastConfigFactory.ROLE_ATTRIBUTE), m.getAddress(), event.getMembers().size());
    }
  }
}
