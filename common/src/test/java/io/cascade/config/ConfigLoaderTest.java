package io.cascade.config;

import static io.cascade.config.ConfigSchema.CLUSTER_MEMBERS;
import static io.cascade.config.ConfigSchema.HTTP_PORT;
import static io.cascade.config.ConfigSchema.LIVE_GOP_CACHE_MAX_BYTES;
import static io.cascade.config.ConfigSchema.LIVE_GOP_CACHE_MAX_DURATION;
import static io.cascade.config.ConfigSchema.LIVE_MAX_PLAYERS_PER_STREAM;
import static io.cascade.config.ConfigSchema.LIVE_MAX_STREAMS;
import static io.cascade.config.ConfigSchema.LIVE_PLAYER_WAIT_TIMEOUT;
import static io.cascade.config.ConfigSchema.LIVE_REPUBLISH_WAIT_TIMEOUT;
import static io.cascade.config.ConfigSchema.LOG_FORMAT;
import static io.cascade.config.ConfigSchema.NODE_ID;
import static io.cascade.config.ConfigSchema.RTMP_AMF_MAX_DEPTH;
import static io.cascade.config.ConfigSchema.HTTP_PORT;
import static io.cascade.config.ConfigSchema.LIVE_GOP_CACHE_MAX_BYTES;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_FLUSH_INTERVAL;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_BATCH_MAX_BYTES;
import static io.cascade.config.ConfigSchema.RTMP_AMF_MAX_DEPTH;
import static io.cascade.config.ConfigSchema.RTMP_CHUNK_SIZE;
import static io.cascade.config.ConfigSchema.RTMP_EVENT_LOOPS;
import static io.cascade.config.ConfigSchema.RTMP_HANDSHAKE_TIMEOUT;
import static io.cascade.config.ConfigSchema.RTMP_HOST;
import static io.cascade.config.ConfigSchema.RTMP_IDLE_TIMEOUT;
import static io.cascade.config.ConfigSchema.RTMP_MAX_CHUNK_SIZE;
import static io.cascade.config.ConfigSchema.RTMP_MAX_CHUNK_STREAMS;
import static io.cascade.config.ConfigSchema.RTMP_MAX_MESSAGE_SIZE;
import static io.cascade.config.ConfigSchema.RTMP_MAX_PENDING_BYTES;
import static io.cascade.config.ConfigSchema.RTMP_PEER_BANDWIDTH;
import static io.cascade.config.ConfigSchema.RTMP_PORT;
import static io.cascade.config.ConfigSchema.RTMP_PUBLISHER_NO_DATA_TIMEOUT;
import static io.cascade.config.ConfigSchema.RTMP_WINDOW_ACK_SIZE;
import static io.cascade.config.ConfigSchema.RTMP_WRITE_BUFFER_HIGH_WATER_MARK;
import static io.cascade.config.ConfigSchema.RTMP_WRITE_BUFFER_LOW_WATER_MARK;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private Path yaml(String text) throws IOException {
    Path file = dir.resolve("cascade.yaml");
    Files.writeString(file, text);
    return file;
  }

  private static CascadeConfig load(Path file, Map<String, String> env) {
    return ConfigLoader.load(file, env, Map.of()).config();
  }

  private static ConfigException failure(Path file, Map<String, String> env) {
    try {
      ConfigLoader.load(file, env, Map.of());
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected a ConfigException");
  }

  @Test
  void defaultsWithoutFileOrEnvironment() {
    LoadedConfig loaded = ConfigLoader.load(null, Map.of(), Map.of());
    CascadeConfig c = loaded.config();

    assertThat(loaded.warnings()).isEmpty();
    assertThat(c.get(NODE_ID)).isNotBlank();
    assertThat(c.get(RTMP_HOST)).isEqualTo("0.0.0.0");
    assertThat(c.get(RTMP_PORT)).isEqualTo(1935);
    assertThat(c.get(RTMP_CHUNK_SIZE)).isEqualTo(4096);
    assertThat(c.get(RTMP_HANDSHAKE_TIMEOUT)).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.get(RTMP_MAX_CHUNK_SIZE)).isEqualTo(1L << 20);
    assertThat(c.get(RTMP_MAX_MESSAGE_SIZE)).isEqualTo(8L << 20);
    assertThat(c.get(RTMP_MAX_CHUNK_STREAMS)).isEqualTo(64);
    assertThat(c.get(RTMP_MAX_PENDING_BYTES)).isEqualTo(16L << 20);
    assertThat(c.get(RTMP_WINDOW_ACK_SIZE)).isEqualTo(2_500_000L);
    assertThat(c.get(RTMP_PEER_BANDWIDTH)).isEqualTo(2_500_000L);
    assertThat(c.get(RTMP_AMF_MAX_DEPTH)).isEqualTo(32);
    assertThat(c.get(RTMP_EVENT_LOOPS)).isZero();
    assertThat(c.get(RTMP_WRITE_BUFFER_LOW_WATER_MARK)).isEqualTo(128 * 1024L);
    assertThat(c.get(RTMP_WRITE_BUFFER_HIGH_WATER_MARK)).isEqualTo(256 * 1024L);
    assertThat(c.get(RTMP_IDLE_TIMEOUT)).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.get(RTMP_PUBLISHER_NO_DATA_TIMEOUT)).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.get(HTTP_PORT)).isEqualTo(8080);
    assertThat(c.get(LIVE_GOP_CACHE_MAX_BYTES)).isEqualTo(16L << 20);
    assertThat(c.get(LIVE_PLAYER_WAIT_TIMEOUT)).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.get(LIVE_REPUBLISH_WAIT_TIMEOUT)).isEqualTo(Duration.ofSeconds(30));
    assertThat(c.get(LIVE_SUBSCRIBER_FLUSH_INTERVAL)).isEqualTo(Duration.ofMillis(10));
    assertThat(c.get(LIVE_SUBSCRIBER_BATCH_MAX_BYTES)).isEqualTo(128 * 1024L);
    assertThat(c.get(LIVE_MAX_STREAMS)).isEqualTo(1000);
    assertThat(c.get(LIVE_MAX_PLAYERS_PER_STREAM)).isEqualTo(10000);
    assertThat(c.get(LOG_FORMAT)).isEqualTo(LogFormat.TEXT);
    assertThat(c.get(CLUSTER_MEMBERS)).isEmpty();
  }

  @Test
  void readsNestedYaml() throws IOException {
    Path file =
        yaml(
            """
            node:
              id: origin-1
            rtmp:
              port: 1936
              chunkSize: 8192
              handshakeTimeout: 2500ms
              amf:
                maxDepth: 8
            live:
              gopCache:
                maxBytes: 8MiB
                maxDuration: 2m
            log:
              format: json
            cluster:
              members:
                - 10.0.0.1:5701
                - "[fd00::2]:5702"
            """);

    CascadeConfig c = load(file, Map.of());

    assertThat(c.get(NODE_ID)).isEqualTo("origin-1");
    assertThat(c.get(RTMP_PORT)).isEqualTo(1936);
    assertThat(c.get(RTMP_CHUNK_SIZE)).isEqualTo(8192);
    assertThat(c.get(RTMP_HANDSHAKE_TIMEOUT)).isEqualTo(Duration.ofMillis(2500));
    assertThat(c.get(RTMP_AMF_MAX_DEPTH)).isEqualTo(8);
    assertThat(c.get(LIVE_GOP_CACHE_MAX_BYTES)).isEqualTo(8L << 20);
    assertThat(c.get(LIVE_GOP_CACHE_MAX_DURATION)).isEqualTo(Duration.ofMinutes(2));
    assertThat(c.get(LOG_FORMAT)).isEqualTo(LogFormat.JSON);
    assertThat(c.get(CLUSTER_MEMBERS))
        .containsExactly(new HostPort("10.0.0.1", 5701), new HostPort("fd00::2", 5702));
    assertThat(c.get(RTMP_MAX_CHUNK_STREAMS)).as("not in the file: default").isEqualTo(64);
  }

  @Test
  void readsScalarsAsTextNotYaml11Types() throws IOException {
    // YAML 1.1 would make 010 the number 8; a node id is text.
    Path file = yaml("node:\n  id: 010\n");

    assertThat(load(file, Map.of()).get(NODE_ID)).isEqualTo("010");
  }

  @Test
  void acceptsDottedKeysAndEmptySections() throws IOException {
    Path file = yaml("rtmp.port: 1937\nrtmp:\n  amf.maxDepth: 4\nlive:\nlog:\n  # format: json\n");

    CascadeConfig c = load(file, Map.of());

    assertThat(c.get(RTMP_PORT)).isEqualTo(1937);
    assertThat(c.get(RTMP_AMF_MAX_DEPTH)).isEqualTo(4);
    assertThat(c.get(LOG_FORMAT)).isEqualTo(LogFormat.TEXT);
  }

  @Test
  void emptyFileMeansDefaults() throws IOException {
    assertThat(load(yaml(""), Map.of()).get(RTMP_PORT)).isEqualTo(1935);
  }

  @Test
  void environmentOverridesSettings() {
    CascadeConfig c =
        load(
            null,
            Map.of(
                "CASCADE_RTMP_PORT", "1940",
                "CASCADE_RTMP_CHUNK_SIZE", "60000",
                "CASCADE_LIVE_GOP_CACHE_MAX_BYTES", "32MiB",
                "CASCADE_RTMP_AMF_MAX_DEPTH", " 5 ",
                "CASCADE_LOG_FORMAT", "JSON",
                "CASCADE_CLUSTER_MEMBERS", "10.0.0.1:5701, origin-2.cascade:5702"));

    assertThat(c.get(RTMP_PORT)).isEqualTo(1940);
    assertThat(c.get(RTMP_CHUNK_SIZE)).isEqualTo(60000);
    assertThat(c.get(LIVE_GOP_CACHE_MAX_BYTES)).isEqualTo(32L << 20);
    assertThat(c.get(RTMP_AMF_MAX_DEPTH)).isEqualTo(5);
    assertThat(c.get(LOG_FORMAT)).isEqualTo(LogFormat.JSON);
    assertThat(c.get(CLUSTER_MEMBERS))
        .containsExactly(new HostPort("10.0.0.1", 5701), new HostPort("origin-2.cascade", 5702));
  }

  @Test
  void environmentBeatsFileBeatsDefaultAndOverridesBeatAll() throws IOException {
    Path file =
        yaml("rtmp:\n  port: 2000\n  chunkSize: 8192\nlive:\n  gopCache:\n    maxBytes: 8MiB\n");
    Map<String, String> env =
        Map.of("CASCADE_RTMP_PORT", "3000", "CASCADE_LIVE_GOP_CACHE_MAX_BYTES", "16MiB");

    CascadeConfig fromEnv = load(file, env);
    assertThat(fromEnv.get(RTMP_PORT)).isEqualTo(3000);
    assertThat(fromEnv.get(LIVE_GOP_CACHE_MAX_BYTES)).isEqualTo(16L << 20);
    assertThat(fromEnv.get(RTMP_CHUNK_SIZE)).as("file beats default").isEqualTo(8192);
    assertThat(fromEnv.get(HTTP_PORT)).as("default").isEqualTo(8080);

    CascadeConfig overridden =
        ConfigLoader.load(file, env, Map.of("rtmp.port", 0, "http.port", 0)).config();
    assertThat(overridden.get(RTMP_PORT)).isZero();
    assertThat(overridden.get(HTTP_PORT)).isZero();
  }

  @Test
  void overridesTakeTypedValues() {
    CascadeConfig c =
        ConfigLoader.load(
                null,
                Map.of(),
                Map.of(
                    "live.playerWaitTimeout", Duration.ofSeconds(2),
                    "log.format", LogFormat.JSON,
                    "cluster.members", List.of(new HostPort("127.0.0.1", 5701)),
                    "live.gopCache.maxBytes", "1MiB"))
            .config();

    assertThat(c.get(LIVE_PLAYER_WAIT_TIMEOUT)).isEqualTo(Duration.ofSeconds(2));
    assertThat(c.get(LOG_FORMAT)).isEqualTo(LogFormat.JSON);
    assertThat(c.get(CLUSTER_MEMBERS)).containsExactly(new HostPort("127.0.0.1", 5701));
    assertThat(c.get(LIVE_GOP_CACHE_MAX_BYTES)).isEqualTo(1L << 20);
  }

  @Test
  void unknownOverrideKeyIsAnError() {
    assertThatThrownBy(() -> ConfigLoader.load(null, Map.of(), Map.of("rtmp.prot", 0)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rtmp.prot: unknown key; did you mean rtmp.port?");
  }

  @Test
  void readsConfigFileFromArguments() throws IOException {
    Path file = yaml("rtmp:\n  port: 1999\n");

    assertThat(ConfigLoader.load(new String[] {"--config", file.toString()}, Map.of()).config())
        .extracting(c -> c.get(RTMP_PORT))
        .isEqualTo(1999);
    assertThat(ConfigLoader.load(new String[] {"--config=" + file}, Map.of()).config())
        .extracting(c -> c.get(RTMP_PORT))
        .isEqualTo(1999);
    assertThat(ConfigLoader.load(new String[0], Map.of()).config().get(RTMP_PORT)).isEqualTo(1935);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--config"}, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("--config needs a file name");
    assertThatThrownBy(() -> ConfigLoader.load(new String[] {"--port", "1"}, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("unknown argument --port");
    assertThatThrownBy(
            () -> ConfigLoader.load(new String[] {"--config=a", "--config", "b"}, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("more than once");
  }

  @Test
  void missingFileIsAnError() {
    Path missing = dir.resolve("nope.yaml");

    assertThat(failure(missing, Map.of()))
        .hasMessage("config file " + missing + " does not exist");
  }

  @Test
  void unknownKeyIsNamedWithSuggestionAndFile() throws IOException {
    Path file = yaml("rtmp:\n  chnkSize: 4096\n");

    assertThat(failure(file, Map.of()))
        .hasMessage(
            "rtmp.chnkSize: unknown key; did you mean rtmp.chunkSize? (file " + file + ")");
  }

  @Test
  void unknownNestedKeyAndSectionAreNamed() throws IOException {
    Path file = yaml("rtmp:\n  amf:\n    maxDeep: 3\ntracing:\n  enabled: true\n");

    assertThat(failure(file, Map.of()).problems())
        .containsExactly(
            "rtmp.amf.maxDeep: unknown key; did you mean rtmp.amf.maxDepth? (file " + file + ")",
            "tracing: unknown key (file " + file + ")");
  }

  @Test
  void wrongTypeIsNamed() throws IOException {
    Path file = yaml("rtmp:\n  port: abc\n  amf: 3\nhttp:\n  port:\n    number: 1\n");

    assertThat(failure(file, Map.of()).problems())
        .containsExactly(
            "rtmp.port: 'abc' is not an integer (file " + file + ")",
            "rtmp.amf: expected a section of keys, got a value (file " + file + ")",
            "http.port: expected a value, got a section of keys (file " + file + ")");
  }

  @Test
  void listWhereValueExpectedAndEmptyValueAreErrors() throws IOException {
    Path file = yaml("rtmp:\n  port: [1, 2]\n  host:\n");

    assertThat(failure(file, Map.of()).problems())
        .containsExactly(
            "rtmp.port: expected a single value, got a list (file " + file + ")",
            "rtmp.host: has no value (remove the key to use the default) (file " + file + ")");
  }

  @Test
  void outOfRangeNamesKeyAndSource() throws IOException {
    Path file = yaml("rtmp:\n  port: 70000\n");

    assertThat(failure(file, Map.of()))
        .hasMessage("rtmp.port: 70000 is not in 0..65535 (file " + file + ")");
    assertThat(failure(null, Map.of("CASCADE_RTMP_CHUNK_SIZE", "100")))
        .hasMessage("rtmp.chunkSize: 100 is not in 128..65536 (env CASCADE_RTMP_CHUNK_SIZE)");
  }

  @Test
  void badDurationsAndSizesAreNamed() {
    ConfigException e =
        failure(
            null,
            Map.of(
                "CASCADE_RTMP_HANDSHAKE_TIMEOUT", "1.5s",
                "CASCADE_LIVE_GOP_CACHE_MAX_BYTES", "16MB",
                "CASCADE_RTMP_MAX_MESSAGE_SIZE", "lots",
                "CASCADE_RTMP_IDLE_TIMEOUT", "10"));

    assertThat(e.problems())
        .containsExactlyInAnyOrder(
            "rtmp.handshakeTimeout: '1.5s' is not a duration (use e.g. 250ms, 10s, 2m, 1h;"
                + " a plain number is ms) (env CASCADE_RTMP_HANDSHAKE_TIMEOUT)",
            "live.gopCache.maxBytes: '16MB' has an ambiguous unit (use 16MiB, 1024-based, or a"
                + " plain number of bytes) (env CASCADE_LIVE_GOP_CACHE_MAX_BYTES)",
            "rtmp.maxMessageSize: 'lots' is not a size (use e.g. 512KiB, 16MiB, 1GiB; a plain"
                + " number is bytes) (env CASCADE_RTMP_MAX_MESSAGE_SIZE)",
            "rtmp.idleTimeout: 10 is not in 1s..1h (env CASCADE_RTMP_IDLE_TIMEOUT)");
  }

  @Test
  void crossFieldCheckNamesBothKeys() throws IOException {
    Path file = yaml("rtmp:\n  writeBufferHighWaterMark: 64KiB\n");

    assertThat(failure(file, Map.of()))
        .hasMessage(
            "rtmp.writeBufferHighWaterMark (64KiB, file "
                + file
                + ") must be greater than rtmp.writeBufferLowWaterMark (128KiB, default)");
    assertThat(
            failure(
                null,
                Map.of(
                    "CASCADE_LIVE_SUBSCRIBER_MAX_QUEUE_DURATION", "20s",
                    "CASCADE_LIVE_SUBSCRIBER_MAX_BEHIND_DURATION", "10s")))
        .hasMessageContaining("live.subscriber.maxBehindDuration (10s, env ")
        .hasMessageContaining("must be at least live.subscriber.maxQueueDuration (20s, env ");
    assertThat(failure(null, Map.of("CASCADE_RTMP_MAX_PENDING_BYTES", "4MiB")))
        .hasMessage(
            "rtmp.maxPendingBytes (4MiB, env CASCADE_RTMP_MAX_PENDING_BYTES) must be at least"
                + " rtmp.maxMessageSize (8MiB, default)");
  }

  @Test
  void crossFieldCheckIsSkippedWhenOneSideIsInvalid() {
    assertThat(failure(null, Map.of("CASCADE_RTMP_WRITE_BUFFER_HIGH_WATER_MARK", "1TB")).problems())
        .singleElement()
        .asString()
        .startsWith("rtmp.writeBufferHighWaterMark: '1TB' has an ambiguous unit");
  }

  @Test
  void reportsEveryProblemAtOnce() throws IOException {
    Path file = yaml("rtmp:\n  port: 70000\n  chnkSize: 1\n");

    ConfigException e = failure(file, Map.of("CASCADE_HTTP_PORT", "x"));

    assertThat(e.problems()).hasSize(3);
    assertThat(e.getMessage()).isEqualTo(String.join("; ", e.problems()));
  }

  @Test
  void invalidFileValueFailsEvenWhenEnvironmentReplacesIt() throws IOException {
    Path file = yaml("rtmp:\n  port: 70000\n");

    assertThat(failure(file, Map.of("CASCADE_RTMP_PORT", "1935")))
        .hasMessage("rtmp.port: 70000 is not in 0..65535 (file " + file + ")");
  }

  @Test
  void unknownCascadeVariablesAreWarningsNotErrors() {
    LoadedConfig loaded =
        ConfigLoader.load(
            null,
            Map.of(
                "CASCADE_ORIGIN_SERVICE_HOST", "10.96.0.10",
                "CASCADE_ORIGIN_SERVICE_PORT", "1935",
                "CASCADE_ORIGIN_PORT_1935_TCP", "tcp://10.96.0.10:1935",
                "CASCADE_RTMP_PROT", "1936",
                "PATH", "/usr/bin",
                "HOME", "/root"),
            Map.of());

    assertThat(loaded.config().get(RTMP_PORT)).isEqualTo(1935);
    assertThat(loaded.warnings())
        .containsExactly(
            "CASCADE_RTMP_PROT is not a Cascade setting and is ignored; did you mean"
                + " CASCADE_RTMP_PORT",
            "ignored environment variables that are not Cascade settings (Kubernetes service"
                + " links look like this): CASCADE_ORIGIN_PORT_1935_TCP,"
                + " CASCADE_ORIGIN_SERVICE_HOST, CASCADE_ORIGIN_SERVICE_PORT");
  }

  @Test
  void serviceLinkCollidingWithASettingIsExplained() {
    assertThat(failure(null, Map.of("CASCADE_RTMP_PORT", "tcp://10.96.0.12:1935")))
        .hasMessage(
            "rtmp.port: 'tcp://10.96.0.12:1935' is not an integer; this looks like a Kubernetes"
                + " service link for a Service named cascade-rtmp: rename the Service or set"
                + " enableServiceLinks: false in the pod spec (env CASCADE_RTMP_PORT)");
  }

  @Test
  void yamlSyntaxErrorsAndDuplicateKeysNameTheLine() throws IOException {
    Path broken = yaml("rtmp:\n  port: 1935\n   chunkSize: 1\n");
    assertThat(failure(broken, Map.of())).hasMessageStartingWith(broken + " line 3, column ");

    Path duplicate = yaml("rtmp:\n  port: 1935\n  port: 1936\n");
    assertThat(failure(duplicate, Map.of()))
        .hasMessageStartingWith(duplicate + " line 3, column 3: found duplicate key port");
  }

  @Test
  void sameKeyTwiceThroughDottedFormIsAnError() throws IOException {
    Path file = yaml("rtmp:\n  port: 1935\nrtmp.port: 1936\n");

    assertThat(failure(file, Map.of()))
        .hasMessage("rtmp.port: set more than once (file " + file + ")");
  }

  @Test
  void topLevelMustBeKeys() throws IOException {
    Path file = yaml("- rtmp\n");

    assertThat(failure(file, Map.of()))
        .hasMessage(file + ": expected keys such as rtmp: at the top level");
  }

  @Test
  void configRecordsAreImmutable() {
    CascadeConfig c =
        load(null, Map.of("CASCADE_CLUSTER_MEMBERS", "10.0.0.1:5701,10.0.0.2:5701"));

    assertThatThrownBy(() -> c.get(CLUSTER_MEMBERS).add(new HostPort("x", 1)))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
