package io.cascade.server;

import io.cascade.transport.FrameWriter;
import static io.cascade.config.ConfigSchema.LIVE_SUBSCRIBER_BATCH_MAX_BYTES;
import static io.cascade.config.ConfigSchema.RTMPS_CERT_FILE;
import static io.cascade.config.ConfigSchema.RTMPS_ENABLED;
import static io.cascade.config.ConfigSchema.RTMPS_KEY_FILE;
import static io.cascade.config.ConfigSchema.RTMPS_PORT;
import static io.cascade.config.ConfigSchema.RTMPS_RELOAD_INTERVAL;
import static io.cascade.config.ConfigSchema.RTMP_EVENT_LOOPS;
import static io.cascade.config.ConfigSchema.RTMP_HANDSHAKE_TIMEOUT;
import static io.cascade.config.ConfigSchema.RTMP_HOST;
import static io.cascade.config.ConfigSchema.RTMP_IDLE_TIMEOUT;
import static io.cascade.config.ConfigSchema.RTMP_MAX_CONNECTIONS;
import static io.cascade.config.ConfigSchema.RTMP_MAX_CONNECTIONS_PER_IP;
import static io.cascade.config.ConfigSchema.RTMP_PEER_BANDWIDTH;
import static io.cascade.config.ConfigSchema.RTMP_PORT;
import static io.cascade.config.ConfigSchema.RTMP_PUBLISHER_NO_DATA_TIMEOUT;
import static io.cascade.config.ConfigSchema.RTMP_SEND_BUFFER_SIZE;
import static io.cascade.config.ConfigSchema.RTMP_WINDOW_ACK_SIZE;
import static io.cascade.config.ConfigSchema.RTMP_WRITE_BUFFER_HIGH_WATER_MARK;
import static io.cascade.config.ConfigSchema.RTMP_WRITE_BUFFER_LOW_WATER_MARK;

import io.cascade.config.CascadeConfig;
import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.chunk.ChunkDecoderLimits;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Connection-level settings of the RTMP listener, built from the schema's settings by {@link #from}.
 *
 * @param host address to bind
 * @param port port to bind; 0 picks a free one
 * @param eventLoops listener instances (each on its own event loop); 0 means 2 × cores
 * @param handshakeTimeout time allowed for C0..C2
 * @param idleTimeout a connection that is not playing and sends nothing this long is closed
 * @param publisherNoDataTimeout a publisher that sends no media this long is closed
 * @param windowAckSize acknowledgement window announced to peers
 * @param peerBandwidth peer bandwidth announced to peers
 * @param writeBufferLowWaterMark socket becomes writable again below this many queued bytes
 * @param writeBufferHighWaterMark socket stops being writable above this many queued bytes
 * @param sendBufferSize SO_SNDBUF of accepted sockets; 0 leaves it to the OS
 * @param chunkLimits limits on what peers may send in the chunk layer
 * @param amfLimits limits on AMF values peers may send
 * @param maxConnections connections open at once on this node (RTMP and RTMPS together)
 * @param maxConnectionsPerIp connections open at once from one client address; 0 means no limit
 * @param tls the RTMPS listener, or null for none
 * @param batchMaxBytes a player's frames collected between flushes are handed to the socket once
 *     they reach this many bytes ({@code FrameWriter})
 */
public record RtmpServerSettings(
    String host,
    int port,
    int eventLoops,
    Duration handshakeTimeout,
    Duration idleTimeout,
    Duration publisherNoDataTimeout,
    long windowAckSize,
    long peerBandwidth,
    int writeBufferLowWaterMark,
    int writeBufferHighWaterMark,
    int sendBufferSize,
    ChunkDecoderLimits chunkLimits,
    AmfLimits amfLimits,
    int maxConnections,
    int maxConnectionsPerIp,
    TlsSettings tls,
    int batchMaxBytes) {

  /**
   * The RTMPS listener.
   *
   * @param port port to bind; 0 picks a free one
   * @param certFile PEM certificate chain
   * @param keyFile PEM private key
   * @param reloadInterval how often the files are checked for changes
   */
  public record TlsSettings(int port, Path certFile, Path keyFile, Duration reloadInterval) {}

  /** Most createStream calls a connection may make; players and encoders use one or two. */
  public static final int MAX_STREAMS_PER_CONNECTION = 8;

  /** The {@code rtmp.*} and {@code rtmps.*} settings; the schema checked them. */
  public static RtmpServerSettings from(CascadeConfig config) {
    return new RtmpServerSettings(config.get(RTMP_HOST), config.get(RTMP_PORT), config.get(RTMP_EVENT_LOOPS),
        config.get(RTMP_HANDSHAKE_TIMEOUT), config.get(RTMP_IDLE_TIMEOUT), config.get(RTMP_PUBLISHER_NO_DATA_TIMEOUT),
        config.get(RTMP_WINDOW_ACK_SIZE), config.get(RTMP_PEER_BANDWIDTH),
        Math.toIntExact(config.get(RTMP_WRITE_BUFFER_LOW_WATER_MARK)),
        Math.toIntExact(config.get(RTMP_WRITE_BUFFER_HIGH_WATER_MARK)), Math.toIntExact(config.get(RTMP_SEND_BUFFER_SIZE)),
        ChunkDecoderLimits.from(config), AmfLimits.from(config), config.get(RTMP_MAX_CONNECTIONS),
        config.get(RTMP_MAX_CONNECTIONS_PER_IP), tls(config), Math.toIntExact(config.get(LIVE_SUBSCRIBER_BATCH_MAX_BYTES)));
  }

  /** Every value at the schema's default. */
  public static RtmpServerSettings defaults() {
    return from(CascadeConfig.defaults());
  }

  private static TlsSettings tls(CascadeConfig config) {
    return config.get(RTMPS_ENABLED)
        ? new TlsSettings(config.get(RTMPS_PORT), Path.of(config.get(RTMPS_CERT_FILE)),
            Path.of(config.get(RTMPS_KEY_FILE)), config.get(RTMPS_RELOAD_INTERVAL))
        : null;
  }

  public int effectiveEventLoops() {
    return eventLoops > 0 ? eventLoops : 2 * Runtime.getRuntime().availableProcessors();
  }
}
