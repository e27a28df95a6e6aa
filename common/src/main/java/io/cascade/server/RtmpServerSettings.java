package io.cascade.server;

import io.cascade.config.CascadeConfig;
import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.chunk.ChunkDecoderLimits;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Connection-level settings of the RTMP listener, taken from configuration.
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
    TlsSettings tls) {

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

  public static RtmpServerSettings from(CascadeConfig config) {
    CascadeConfig.Rtmp r = config.rtmp();
    return new RtmpServerSettings(r.host(), r.port(), r.eventLoops(), r.handshakeTimeout(), r.idleTimeout(),
        r.publisherNoDataTimeout(), r.windowAckSize(), r.peerBandwidth(), r.writeBufferLowWaterMark(),
        r.writeBufferHighWaterMark(), r.sendBufferSize(),
        new ChunkDecoderLimits(r.maxChunkSize(), r.maxMessageSize(), r.maxChunkStreams(), r.maxPendingBytes()),
        new AmfLimits(r.amf().maxDepth(), r.amf().maxStringLength(), r.amf().maxElements()),
        r.maxConnections(), r.maxConnectionsPerIp(), tls(config.rtmps()));
  }

  private static TlsSettings tls(CascadeConfig.Rtmps s) {
    return s.enabled()
        ? new TlsSettings(s.port(), Path.of(s.certFile()), Path.of(s.keyFile()),
            s.reloadInterval())
        : null;
  }

  public int effectiveEventLoops() {
    return eventLoops > 0 ? eventLoops : 2 * Runtime.getRuntime().availableProcessors();
  }
}
