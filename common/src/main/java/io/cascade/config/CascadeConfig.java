package io.cascade.config;

import io.cascade.auth.Cidr;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * The validated configuration of one node, one immutable record per section. Each accessor path
 * is a setting's path ({@code config.live().gopCache().maxBytes()} is {@code
 * live.gopCache.maxBytes}); {@link ConfigSchema} describes them. Built by {@link ConfigLoader}.
 */
public record CascadeConfig(
    Node node,
    Rtmp rtmp,
    Rtmps rtmps,
    Http http,
    Live live,
    Metrics metrics,
    Log log,
    Cluster cluster,
    Origin origin,
    Edge edge,
    Auth auth) {

  public record Node(String id, Duration drainGrace, Duration eventLoopStallTimeout) {}

  public record Metrics(
      boolean enabled, boolean perStream, int perStreamMax, int maxApps, Duration relayClockInterval) {
    /** Everything on, the defaults otherwise: for nodes started in tests without a config file. */
    public static Metrics defaults() {
      return new Metrics(true, false, 100, 20, Duration.ofMillis(250));
    }
  }

  /** Byte sizes are ints where the schema bounds them below 2 GiB, as Netty's limits are. */
  public record Rtmp(
      String host,
      int port,
      int chunkSize,
      Duration handshakeTimeout,
      int maxChunkSize,
      int maxMessageSize,
      int maxChunkStreams,
      int maxPendingBytes,
      long windowAckSize,
      long peerBandwidth,
      Amf amf,
      int eventLoops,
      int writeBufferLowWaterMark,
      int writeBufferHighWaterMark,
      int sendBufferSize,
      Duration idleTimeout,
      Duration publisherNoDataTimeout,
      int maxConnections,
      int maxConnectionsPerIp) {

    public record Amf(int maxDepth, int maxStringLength, int maxElements) {}
  }

  /** The RTMPS listener; {@code certFile} and {@code keyFile} are empty when not set. */
  public record Rtmps(boolean enabled, int port, String certFile, String keyFile, Duration reloadInterval) {}

  public record Http(String host, int port) {}

  public record Live(
      GopCache gopCache,
      Duration playerWaitTimeout,
      Duration republishWaitTimeout,
      Subscriber subscriber,
      int maxStreams,
      int maxPlayersPerStream,
      int maxWaitingPlayers) {

    public record GopCache(long maxBytes, Duration maxDuration) {}

    public record Subscriber(
        long maxQueueBytes, Duration maxQueueDuration, Duration maxBehindDuration, Duration flushInterval,
        long flushBytes) {}
  }

  public record Log(LogFormat format) {}

  /**
   * Membership, discovery and failure detection of the Hazelcast cluster. {@code advertisedHost}
   * and {@code kubernetes.serviceDns} are empty when not set; {@code secret} holds the relay
   * secrets, first the one that signs.
   */
  public record Cluster(
      String name,
      String host,
      int port,
      String advertisedHost,
      List<HostPort> members,
      ClusterDiscovery discovery,
      Kubernetes kubernetes,
      List<String> secret,
      int backupCount,
      Duration heartbeatInterval,
      Duration memberTimeout,
      Duration claimCheckInterval) {

    public Cluster {
      members = List.copyOf(members);
      secret = List.copyOf(secret);
    }

    public record Kubernetes(String serviceDns) {}

    /** Keeps the secrets out of logs and exception messages that print the configuration. */
    @Override
    public String toString() {
      return "Cluster[name=" + name + ", host=" + host + ", port=" + port + ", advertisedHost="
          + advertisedHost + ", members=" + members + ", discovery=" + discovery + ", kubernetes="
          + kubernetes + ", secret=" + (secret.isEmpty() ? "[]" : ConfigLoader.REDACTED)
          + ", backupCount=" + backupCount + ", heartbeatInterval=" + heartbeatInterval
          + ", memberTimeout=" + memberTimeout + ", claimCheckInterval=" + claimCheckInterval + "]";
    }
  }

  /** The origin role. */
  public record Origin(boolean localPlayback) {}

  /** How an edge pulls streams from origins. */
  public record Edge(
      Duration upstreamIdleGrace,
      Duration upstreamBackoffMin,
      Duration upstreamBackoffMax,
      Duration upstreamConnectTimeout,
      Duration relayTokenTtl) {}

  /** Admission rules for publishes and plays, and the webhook notification queue. */
  public record Auth(Rules publish, Rules play, Webhook webhook) {

    /**
     * The rules of one action. Empty lists mean: every app, any address, no signing; an empty
     * {@code webhook.url} means no webhook.
     */
    public record Rules(
        List<String> apps, List<Cidr> allow, List<Cidr> deny, List<String> secrets, RulesWebhook webhook) {
      public Rules {
        apps = List.copyOf(apps);
        allow = List.copyOf(allow);
        deny = List.copyOf(deny);
        secrets = List.copyOf(secrets);
      }

      /** Whether any rule is set, i.e. the action is checked at all. */
      public boolean active() {
        return !allow.isEmpty() || !deny.isEmpty() || !secrets.isEmpty() || !webhook.url().isEmpty();
      }

      /** Keeps the secrets and the webhook URL out of logs and messages. */
      @Override
      public String toString() {
        return "Rules[apps=" + apps + ", allow=" + allow + ", deny=" + deny + ", secrets="
            + (secrets.isEmpty() ? "[]" : ConfigLoader.REDACTED) + ", webhook=" + webhook + "]";
      }
    }

    public record RulesWebhook(String url, Duration timeout, boolean failOpen) {
      @Override
      public String toString() {
        return "Webhook[url=" + (url.isEmpty() ? "" : ConfigLoader.REDACTED) + ", timeout=" + timeout
            + ", failOpen=" + failOpen + "]";
      }
    }

    public record Webhook(int maxConcurrent, int maxQueued) {}
  }

  /** Builds the records from values checked against {@link ConfigSchema}, keyed by path. */
  static CascadeConfig from(Map<String, Object> values) {
    Values v = new Values(values);
    return new CascadeConfig(
        new Node(v.string("node.id"), v.duration("node.drainGrace"), v.duration("node.eventLoopStallTimeout")),
        new Rtmp(
            v.string("rtmp.host"),
            v.integer("rtmp.port"),
            v.integer("rtmp.chunkSize"),
            v.duration("rtmp.handshakeTimeout"),
            v.intSize("rtmp.maxChunkSize"),
            v.intSize("rtmp.maxMessageSize"),
            v.integer("rtmp.maxChunkStreams"),
            v.intSize("rtmp.maxPendingBytes"),
            v.longValue("rtmp.windowAckSize"),
            v.longValue("rtmp.peerBandwidth"),
            new Rtmp.Amf(
                v.integer("rtmp.amf.maxDepth"),
                v.intSize("rtmp.amf.maxStringLength"),
                v.integer("rtmp.amf.maxElements")),
            v.integer("rtmp.eventLoops"),
            v.intSize("rtmp.writeBufferLowWaterMark"),
            v.intSize("rtmp.writeBufferHighWaterMark"),
            v.intSize("rtmp.sendBufferSize"),
            v.duration("rtmp.idleTimeout"),
            v.duration("rtmp.publisherNoDataTimeout"),
            v.integer("rtmp.maxConnections"),
            v.integer("rtmp.maxConnectionsPerIp")),
        new Rtmps(
            v.get("rtmps.enabled", Boolean.class),
            v.integer("rtmps.port"),
            v.string("rtmps.certFile"),
            v.string("rtmps.keyFile"),
            v.duration("rtmps.reloadInterval")),
        new Http(v.string("http.host"), v.integer("http.port")),
        new Live(
            new Live.GopCache(
                v.longValue("live.gopCache.maxBytes"), v.duration("live.gopCache.maxDuration")),
            v.duration("live.playerWaitTimeout"),
            v.duration("live.republishWaitTimeout"),
            new Live.Subscriber(
                v.longValue("live.subscriber.maxQueueBytes"),
                v.duration("live.subscriber.maxQueueDuration"),
                v.duration("live.subscriber.maxBehindDuration"),
                v.duration("live.subscriber.flushInterval"),
                v.longValue("live.subscriber.flushBytes")),
            v.integer("live.maxStreams"),
            v.integer("live.maxPlayersPerStream"),
            v.integer("live.maxWaitingPlayers")),
        new Metrics(
            v.get("metrics.enabled", Boolean.class),
            v.get("metrics.perStream", Boolean.class),
            v.integer("metrics.perStreamMax"),
            v.integer("metrics.maxApps"),
            v.duration("metrics.relayClockInterval")),
        new Log(v.get("log.format", LogFormat.class)),
        new Cluster(
            v.string("cluster.name"),
            v.string("cluster.host"),
            v.integer("cluster.port"),
            v.string("cluster.advertisedHost"),
            v.hostPorts("cluster.members"),
            v.get("cluster.discovery", ClusterDiscovery.class),
            new Cluster.Kubernetes(v.string("cluster.kubernetes.serviceDns")),
            v.strings("cluster.secret"),
            v.integer("cluster.backupCount"),
            v.duration("cluster.heartbeatInterval"),
            v.duration("cluster.memberTimeout"),
            v.duration("cluster.claimCheckInterval")),
        new Origin(v.get("origin.localPlayback", Boolean.class)),
        new Edge(
            v.duration("edge.upstreamIdleGrace"),
            v.duration("edge.upstreamBackoffMin"),
            v.duration("edge.upstreamBackoffMax"),
            v.duration("edge.upstreamConnectTimeout"),
            v.duration("edge.relayTokenTtl")),
        new Auth(
            rules(v, "publish"),
            rules(v, "play"),
            new Auth.Webhook(v.integer("auth.webhook.maxConcurrent"), v.integer("auth.webhook.maxQueued"))));
  }

  private static Auth.Rules rules(Values v, String action) {
    String p = "auth." + action + ".";
    return new Auth.Rules(
        v.strings(p + "apps"),
        v.cidrs(p + "allow"),
        v.cidrs(p + "deny"),
        v.strings(p + "secrets"),
        new Auth.RulesWebhook(
            v.string(p + "webhook.url"),
            v.duration(p + "webhook.timeout"),
            v.get(p + "webhook.failOpen", Boolean.class)));
  }

  /** Typed reads that fail loudly when a path is missing, so a renamed setting cannot go unseen. */
  private record Values(Map<String, Object> values) {
    <T> T get(String path, Class<T> type) {
      Object value = values.get(path);
      if (value == null) {
        throw new IllegalStateException("no value for " + path);
      }
      return type.cast(value);
    }

    String string(String path) {
      return get(path, String.class);
    }

    int integer(String path) {
      return get(path, Integer.class);
    }

    long longValue(String path) {
      return get(path, Long.class);
    }

    int intSize(String path) {
      return Math.toIntExact(get(path, Long.class));
    }

    Duration duration(String path) {
      return get(path, Duration.class);
    }

    List<HostPort> hostPorts(String path) {
      List<?> list = get(path, List.class);
      return list.stream().map(HostPort.class::cast).toList();
    }

    List<Cidr> cidrs(String path) {
      List<?> list = get(path, List.class);
      return list.stream().map(Cidr.class::cast).toList();
    }

    List<String> strings(String path) {
      List<?> list = get(path, List.class);
      return list.stream().map(String.class::cast).toList();
    }
  }
}
