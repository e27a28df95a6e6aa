package io.cascade.config;

import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_BATCH_MAX_BYTES;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_FLUSH_INTERVAL;
import static io.cascade.config.ConfigSchema.RTMP_AMF_MAX_DEPTH;
import static io.cascade.config.ConfigSchema.RTMP_CHUNK_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.auth.AuthSettings;
import io.cascade.client.RtmpClientOptions;
import io.cascade.cluster.ClusterSettings;
import io.cascade.config.ValueType.DurationType;
import io.cascade.config.ValueType.IntType;
import io.cascade.config.ValueType.LongType;
import io.cascade.config.ValueType.SizeType;
import io.cascade.live.LiveSettings;
import io.cascade.metrics.MetricsSettings;
import io.cascade.recording.upload.S3UploadSettings;
import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.chunk.ChunkDecoderLimits;
import io.cascade.server.RtmpServerSettings;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The settings records of each layer are built from the schema, its defaults and its bounds. */
class SettingsRecordsTest {

  @Test
  void recordDefaultsAreTheSchemaDefaults() {
    CascadeConfig defaults = CascadeConfig.defaults();
    assertThat(LiveSettings.DEFAULTS).isEqualTo(LiveSettings.from(defaults));
    assertThat(LiveSettings.DEFAULTS.flushInterval()).isEqualTo(LIVE_SUBSCRIBER_FLUSH_INTERVAL.defaultValue());
    assertThat(AmfLimits.DEFAULTS.maxDepth()).isEqualTo(RTMP_AMF_MAX_DEPTH.defaultValue());
    assertThat(ChunkDecoderLimits.DEFAULTS).isEqualTo(RtmpServerSettings.defaults().chunkLimits());
    assertThat(RtmpServerSettings.defaults().amfLimits()).isEqualTo(AmfLimits.DEFAULTS);
    assertThat((long) RtmpServerSettings.defaults().batchMaxBytes())
        .isEqualTo(LIVE_SUBSCRIBER_BATCH_MAX_BYTES.defaultValue());
    RtmpClientOptions client = new RtmpClientOptions();
    assertThat(client.chunkSize()).isEqualTo(RTMP_CHUNK_SIZE.defaultValue());
    assertThat(client.chunkLimits()).isEqualTo(ChunkDecoderLimits.DEFAULTS);
    assertThat(client.amfLimits()).isEqualTo(AmfLimits.DEFAULTS);
    assertThat(MetricsSettings.defaults()).isEqualTo(MetricsSettings.from(defaults));
  }

  /** The records' own invariants (the codecs') hold for every value the schema accepts. */
  @Test
  void recordsBuildAtEveryBoundTheSchemaAllows() {
    List<String> failures = new ArrayList<>();
    for (Setting<?> s : ConfigSchema.settings()) {
      for (String bound : bounds(s.type())) {
        CascadeConfig config;
        try {
          config = CascadeConfig.with(Map.of(s.path(), bound));
        } catch (ConfigException e) {
          continue; // refused by a check against another setting at its default
        }
        try {
          LiveSettings.from(config);
          RtmpServerSettings.from(config);
          MetricsSettings.from(config);
          AuthSettings.from(config);
          ClusterSettings.from(config);
          S3UploadSettings.from(config);
        } catch (RuntimeException e) {
          failures.add(s.path() + "=" + bound + ": " + e);
        }
      }
    }
    assertThat(failures).isEmpty();
  }

  @Test
  void environmentOverridesReachTheRecords() {
    CascadeConfig c = ConfigLoader.load(null, Map.of(
        "CASCADE_LIVE_SUBSCRIBER_FLUSH_INTERVAL", "0",
        "CASCADE_LIVE_SUBSCRIBER_BATCH_MAX_BYTES", "64KiB",
        "CASCADE_RTMP_AMF_MAX_DEPTH", "8",
        "CASCADE_METRICS_PER_STREAM", "true"), Map.of()).config();
    assertThat(LiveSettings.from(c).flushInterval()).isEqualTo(Duration.ZERO);
    assertThat(RtmpServerSettings.from(c).batchMaxBytes()).isEqualTo(64 * 1024);
    assertThat(RtmpServerSettings.from(c).amfLimits().maxDepth()).isEqualTo(8);
    assertThat(MetricsSettings.from(c).perStream()).isTrue();
  }

  private static List<String> bounds(ValueType<?> type) {
    if (type instanceof IntType t) {
      return List.of(Integer.toString(t.min()), Integer.toString(t.max()));
    } else if (type instanceof LongType t) {
      return List.of(Long.toString(t.min()), Long.toString(t.max()));
    } else if (type instanceof SizeType t) {
      return List.of(Long.toString(t.min()), Long.toString(t.max()));
    } else if (type instanceof DurationType t) {
      return List.of(t.format(t.min()), t.format(t.max()));
    }
    return List.of();
  }
}
