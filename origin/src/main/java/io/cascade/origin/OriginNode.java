package io.cascade.origin;

import static io.cascade.config.ConfigSchema.API_TOKEN;
import static io.cascade.config.ConfigSchema.AUTH_WEBHOOK_MAX_CONCURRENT;
import static io.cascade.config.ConfigSchema.AUTH_WEBHOOK_MAX_QUEUED;
import static io.cascade.config.ConfigSchema.CLUSTER_CLAIM_CHECK_INTERVAL;
import static io.cascade.config.ConfigSchema.CLUSTER_SECRET;
import static io.cascade.config.ConfigSchema.NODE_ID;
import static io.cascade.config.ConfigSchema.ORIGIN_LOCAL_PLAYBACK;
import static io.cascade.config.ConfigSchema.RECORDING_HANDOVER_MAX_SEGMENTS;
import static io.cascade.config.ConfigSchema.RECORDING_HANDOVER_TIMEOUT;
import static io.cascade.config.ConfigSchema.RECORDING_HANDOVER_TTL;
import static io.cascade.config.ConfigSchema.RECORDING_MAX_DURATION;
import static io.cascade.config.ConfigSchema.RECORDING_LIST_MAX_LIMIT;
import static io.cascade.config.ConfigSchema.RECORDING_S3_REQUEUE_MAX_FILES;
import static io.cascade.config.ConfigSchema.RECORDING_WEBHOOK_TIMEOUT;
import static io.cascade.config.ConfigSchema.RECORDING_WEBHOOK_URL;

import io.cascade.auth.Webhook;
import io.cascade.cluster.ClusterNode;
import io.cascade.cluster.HazelcastRecordingHandover;
import io.cascade.cluster.HazelcastViewerDirectory;
import io.cascade.cluster.StreamRegistry;
import io.cascade.cluster.ViewerReporter;
import io.cascade.config.CascadeConfig;
import io.cascade.http.RecordingsRoute;
import io.cascade.http.StreamsView;
import io.cascade.live.LiveSettings;
import io.cascade.live.StreamManager;
import io.cascade.metrics.ClusterMetrics;
import io.cascade.metrics.MetricsSettings;
import io.cascade.metrics.NodeMetrics;
import io.cascade.metrics.TimedStreamRegistry;
import io.cascade.node.CascadeNode;
import io.cascade.node.NodeListeners;
import io.cascade.recording.Recorder;
import io.cascade.recording.RecordingEvents;
import io.cascade.recording.upload.RecordingUploader;
import io.cascade.recording.upload.RecordingUploads;
import io.cascade.recording.upload.S3UploadSettings;
import io.cascade.recording.RecordingSettings;
import io.cascade.recording.RecordingTrigger;
import io.cascade.server.SessionPolicy;
import io.netty.buffer.PooledByteBufAllocator;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.VertxInternal;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An origin node: accepts publishes and serves players on one RTMP port, with the HTTP API beside
 * it. In a cluster (the default, even alone: an embedded single-member Hazelcast) every publish
 * claims its key in the registry and edges pull from here; {@link #start(Vertx, CascadeConfig)}
 * runs the same node without a registry, for tests of the RTMP and live layers. A recording whose
 * origin dies is continued by the origin its publisher moves to (the map {@code cascade.recordings}).
 */
public final class OriginNode implements CascadeNode {
  private static final Logger LOG = LoggerFactory.getLogger("cascade.origin");
  /** How often each node reports its players per stream to the cluster. */
  static final Duration VIEWER_REPORT_INTERVAL = Duration.ofSeconds(2);
  /** How long a stopping node waits for its recordings' last segments and playlists. */
  static final Duration RECORDER_STOP_TIMEOUT = Duration.ofSeconds(10);

  private final CascadeConfig config;
  private final StreamManager streams;
  private final NodeMetrics metrics;
  private NodeListeners listeners;
  private ClusterMetrics clusterMetrics;
  private ClusteredOriginPolicy policy;
  private ViewerReporter reporter;
  private Recorder recorder;
  /** With {@code recording.s3.enabled}: uploads what the recorder finishes. */
  private RecordingUploader uploader;
  /** With {@code recording.webhook.url}: sends the recording events. */
  private Webhook webhook;

  private OriginNode(CascadeConfig config, NodeMetrics metrics) {
    this.config = config;
    this.metrics = metrics;
    this.streams = new StreamManager(LiveSettings.from(config), PooledByteBufAllocator.DEFAULT);
  }

  /** A standalone origin without a registry (publish admission is local only). */
  public static Future<OriginNode> start(Vertx vertx, CascadeConfig config) {
    OriginNode node = new OriginNode(config, new NodeMetrics("origin", config.get(NODE_ID), MetricsSettings.from(config)));
    node.listeners = new NodeListeners("origin", config, node.metrics, node.streams, null);
    SessionPolicy admitted = node.recording(vertx, SessionPolicy.ALLOW_ALL);
    node.recorder.start();
    return node.listeners.start(vertx, admitted).map(v -> node);
  }

  /** An origin that is a data member of {@code cluster}. */
  public static Future<OriginNode> start(ClusterNode cluster, CascadeConfig config) {
    return start(cluster, config, new NodeMetrics("origin", config.get(NODE_ID), MetricsSettings.from(config)));
  }

  /** An origin that is a data member of {@code cluster}, measured into {@code metrics}. */
  public static Future<OriginNode> start(ClusterNode cluster, CascadeConfig config, NodeMetrics metrics) {
    OriginNode node = new OriginNode(config, metrics);
    Vertx vertx = cluster.vertx();
    String nodeId = config.get(NODE_ID);
    StreamRegistry registry = new TimedStreamRegistry(cluster.registry(), metrics);
    node.policy = new ClusteredOriginPolicy(vertx, registry, node.streams, nodeId, cluster.advertisedHost(),
        () -> node.listeners.rtmpPort(), config.get(CLUSTER_SECRET),
        config.get(ORIGIN_LOCAL_PLAYBACK));
    HazelcastViewerDirectory directory = new HazelcastViewerDirectory(vertx,
        cluster.hazelcast().getMap(HazelcastViewerDirectory.MAP_NAME), VIEWER_REPORT_INTERVAL);
    node.listeners = new NodeListeners("origin", config, metrics, node.streams, new StreamsView(registry, directory));
    node.reporter = ViewerReporter.origin(vertx, directory, node.streams, nodeId);
    node.clusterMetrics = new ClusterMetrics(metrics, cluster).start();
    SessionPolicy admitted = node.recording(vertx, node.policy);
    node.recorder.handover(new HazelcastRecordingHandover(cluster.hazelcast().getMap(HazelcastRecordingHandover.MAP_NAME),
        cluster.hazelcast().getMap(HazelcastRecordingHandover.SALVAGED_MAP_NAME), nodeId,
        config.get(RECORDING_HANDOVER_TTL), config.get(RECORDING_MAX_DURATION).plus(config.get(RECORDING_HANDOVER_TTL)),
        config.get(RECORDING_HANDOVER_TIMEOUT), config.get(RECORDING_HANDOVER_MAX_SEGMENTS)),
        S3UploadSettings.from(config).enabled());
    node.recorder.start(); // after the handover and the listeners: a salvaged segment is uploaded, its entry read
    return node.listeners.start(vertx, admitted).map(v -> {
      node.policy.start(config.get(CLUSTER_CLAIM_CHECK_INTERVAL));
      node.reporter.start(VIEWER_REPORT_INTERVAL);
      return node;
    });
  }

  /**
   * Publishes admitted by {@code policy} are recorded when a {@code recording.rules} rule matches
   * or the control API asks.
   */
  private SessionPolicy recording(Vertx vertx, SessionPolicy policy) {
    // Always made, so the recording meters exist (at 0) on every origin; idle it starts no thread.
    RecordingSettings settings = RecordingSettings.from(config);
    recorder = new Recorder(settings, streams, metrics, PooledByteBufAllocator.DEFAULT,
        () -> ((VertxInternal) vertx).nettyEventLoopGroup().next());
    S3UploadSettings s3 = S3UploadSettings.from(config);
    RecordingEvents events = null;
    if (!config.get(RECORDING_WEBHOOK_URL).isEmpty()) {
      webhook = new Webhook(vertx, config.get(AUTH_WEBHOOK_MAX_CONCURRENT), config.get(AUTH_WEBHOOK_MAX_QUEUED));
      events = new RecordingEvents(webhook, config.get(RECORDING_WEBHOOK_URL), config.get(RECORDING_WEBHOOK_TIMEOUT),
          config.get(NODE_ID));
    }
    if (s3.enabled()) {
      uploader = RecordingUploader.create(s3, metrics);
      recorder.addListener(new RecordingUploads(uploader, events,
          recorder.keepUntilStored(config.get(RECORDING_S3_REQUEUE_MAX_FILES))));
    } else if (events != null) {
      recorder.addListener(events);
    }
    listeners.recordings(new RecordingsRoute(recorder, settings.root(), config.get(API_TOKEN),
        config.get(RECORDING_LIST_MAX_LIMIT), s3.enabled() ? "s3://" + s3.bucket() + "/" + s3.prefix() : null, metrics));
    // Wrapped without rules too: a recording the control API starts runs on its publisher's loop.
    return RecordingTrigger.wrap(policy, recorder);
  }

  /** The node's recorder, to add a {@link io.cascade.recording.SegmentListener} to (null before start). */
  public Recorder recorder() {
    return recorder;
  }

  @Override
  public int rtmpPort() {
    return listeners.rtmpPort();
  }

  @Override
  public int rtmpsPort() {
    return listeners.rtmpsPort();
  }

  @Override
  public int httpPort() {
    return listeners.httpPort();
  }

  @Override
  public int httpsPort() {
    return listeners.httpsPort();
  }

  public StreamManager streams() {
    return streams;
  }

  public NodeMetrics metrics() {
    return metrics;
  }

  public CascadeConfig config() {
    return config;
  }

  /** Players continue for the grace; then the registry claims are released, then the rest closed. */
  @Override
  public Future<Void> drain(Duration grace) {
    return listeners.drain(grace, () -> (policy == null ? Future.succeededFuture(0) : policy.releaseAll())
        .onSuccess(released -> LOG.info("event=drain.claims_released role=origin node={} released={}",
            config.get(NODE_ID), released)));
  }

  @Override
  public Future<Void> stop() {
    if (policy != null) {
      policy.stop();
    }
    if (reporter != null) {
      reporter.stop();
    }
    if (clusterMetrics != null) {
      clusterMetrics.stop();
    }
    Future<Void> stopped = listeners == null ? Future.succeededFuture() : listeners.stop();
    if (recorder == null) {
      return stopped;
    }
    // After the listeners: no publish starts a recording any more; every one ends with a VOD playlist.
    return stopped.transform(ar -> Future.fromCompletionStage(
            recorder.stop().orTimeout(RECORDER_STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
        .otherwise(e -> {
          LOG.warn("event=recording.stop_incomplete detail=\"{}\"", e.toString());
          return null;
        })
        // The last segments and playlists were handed to the uploader by now; it stops taking more.
        .onComplete(v -> {
          if (uploader != null) {
            uploader.close();
          }
          if (webhook != null) {
            webhook.close();
          }
        })
        .transform(v -> ar.succeeded() ? Future.<Void>succeededFuture() : Future.<Void>failedFuture(ar.cause())));
  }
}
