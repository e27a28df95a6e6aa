package io.cascade.client;

import io.cascade.config.ConfigSchema;
import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.chunk.ChunkDecoderLimits;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFactory;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.time.Duration;
import java.util.Objects;

/**
 * Settings of an {@link RtmpClient}. Setters validate and return {@code this}; a client copies the
 * options it is created with, so one instance may configure many clients.
 */
public final class RtmpClientOptions {
  public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_COMMAND_TIMEOUT = Duration.ofSeconds(10);
  /**
   * What Cascade itself sends with ({@code rtmp.chunkSize}), as nginx-rtmp does; 128 would cost a
   * header per 128 bytes.
   */
  public static final int DEFAULT_CHUNK_SIZE = ConfigSchema.RTMP_CHUNK_SIZE.defaultValue();
  /** The buffer a player announces with Set Buffer Length before play, as ffmpeg does (some servers wait for it). */
  public static final Duration DEFAULT_PLAY_BUFFER = Duration.ofSeconds(1);
  /** High enough for a publisher to queue a whole keyframe of a few Mbit/s stream without turning unwritable. */
  public static final int DEFAULT_WRITE_BUFFER_HIGH_WATER_MARK = 512 * 1024;
  public static final int DEFAULT_WRITE_BUFFER_LOW_WATER_MARK = 128 * 1024;
  public static final String DEFAULT_FLASH_VER = "LNX 9,0,124,2";

  private Duration connectTimeout = DEFAULT_CONNECT_TIMEOUT;
  private Duration handshakeTimeout = DEFAULT_HANDSHAKE_TIMEOUT;
  private Duration commandTimeout = DEFAULT_COMMAND_TIMEOUT;
  private int chunkSize = DEFAULT_CHUNK_SIZE;
  private Duration playBuffer = DEFAULT_PLAY_BUFFER;
  private int writeBufferLowWaterMark = DEFAULT_WRITE_BUFFER_LOW_WATER_MARK;
  private int writeBufferHighWaterMark = DEFAULT_WRITE_BUFFER_HIGH_WATER_MARK;
  private String flashVer = DEFAULT_FLASH_VER;
  private boolean complexHandshake = true;
  private ChunkDecoderLimits chunkLimits = ChunkDecoderLimits.DEFAULTS;
  private AmfLimits amfLimits = AmfLimits.DEFAULTS;
  private ChannelFactory<? extends Channel> channelFactory = NioSocketChannel::new;
  private int receiveBufferSize;

  public RtmpClientOptions() {
  }

  public RtmpClientOptions(RtmpClientOptions other) {
    connectTimeout = other.connectTimeout;
    handshakeTimeout = other.handshakeTimeout;
    commandTimeout = other.commandTimeout;
    chunkSize = other.chunkSize;
    playBuffer = other.playBuffer;
    writeBufferLowWaterMark = other.writeBufferLowWaterMark;
    writeBufferHighWaterMark = other.writeBufferHighWaterMark;
    flashVer = other.flashVer;
    complexHandshake = other.complexHandshake;
    chunkLimits = other.chunkLimits;
    amfLimits = other.amfLimits;
    channelFactory = other.channelFactory;
    receiveBufferSize = other.receiveBufferSize;
  }

  public int receiveBufferSize() {
    return receiveBufferSize;
  }

  /**
   * SO_RCVBUF of the socket, set before connecting so it also bounds the TCP window; 0 (the
   * default) leaves it to the OS. A small one makes a player that stops reading (autoRead off)
   * back up the server within a second, as a slow consumer on a thin link would.
   */
  public RtmpClientOptions receiveBufferSize(int bytes) {
    if (bytes < 0) {
      throw new IllegalArgumentException("receiveBufferSize must be >= 0: " + bytes);
    }
    receiveBufferSize = bytes;
    return this;
  }

  public Duration connectTimeout() {
    return connectTimeout;
  }

  /** TCP connect limit. */
  public RtmpClientOptions connectTimeout(Duration timeout) {
    connectTimeout = positive(timeout, "connectTimeout");
    if (timeout.toMillis() > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("connectTimeout too large: " + timeout);
    }
    return this;
  }

  public Duration handshakeTimeout() {
    return handshakeTimeout;
  }

  /** From TCP connected to S2 received. */
  public RtmpClientOptions handshakeTimeout(Duration timeout) {
    handshakeTimeout = positive(timeout, "handshakeTimeout");
    return this;
  }

  public Duration commandTimeout() {
    return commandTimeout;
  }

  /** How long each command waits for its reply: connect's and createStream's {@code _result}, the onStatus of play and publish. */
  public RtmpClientOptions commandTimeout(Duration timeout) {
    commandTimeout = positive(timeout, "commandTimeout");
    return this;
  }

  public int chunkSize() {
    return chunkSize;
  }

  /** Outbound chunk size, announced with Set Chunk Size once connected; 128..16777215. */
  public RtmpClientOptions chunkSize(int size) {
    if (size < 128 || size > 0xFFFFFF) {
      throw new IllegalArgumentException("chunkSize must be in 128..16777215: " + size);
    }
    chunkSize = size;
    return this;
  }

  public Duration playBuffer() {
    return playBuffer;
  }

  /** Buffer length a player announces; zero sends none. */
  public RtmpClientOptions playBuffer(Duration buffer) {
    Objects.requireNonNull(buffer, "playBuffer");
    if (buffer.isNegative() || buffer.toMillis() > 0xFFFFFFFFL) {
      throw new IllegalArgumentException("playBuffer must be in 0..2^32-1 ms: " + buffer);
    }
    playBuffer = buffer;
    return this;
  }

  public int writeBufferLowWaterMark() {
    return writeBufferLowWaterMark;
  }

  public int writeBufferHighWaterMark() {
    return writeBufferHighWaterMark;
  }

  /** The client reports unwritable above {@code high} queued bytes and writable again below {@code low}. */
  public RtmpClientOptions writeBufferWaterMarks(int low, int high) {
    if (low < 0 || high < low) {
      throw new IllegalArgumentException("need 0 <= low <= high: low=" + low + " high=" + high);
    }
    writeBufferLowWaterMark = low;
    writeBufferHighWaterMark = high;
    return this;
  }

  public String flashVer() {
    return flashVer;
  }

  /** The {@code flashVer} property of connect. */
  public RtmpClientOptions flashVer(String version) {
    flashVer = Objects.requireNonNull(version, "flashVer");
    return this;
  }

  public boolean complexHandshake() {
    return complexHandshake;
  }

  /** Digest handshake (the default, what Flash-era servers expect) or the plain echo one. */
  public RtmpClientOptions complexHandshake(boolean complex) {
    complexHandshake = complex;
    return this;
  }

  public ChunkDecoderLimits chunkLimits() {
    return chunkLimits;
  }

  /** What the server may make the chunk decoder hold. */
  public RtmpClientOptions chunkLimits(ChunkDecoderLimits limits) {
    chunkLimits = Objects.requireNonNull(limits, "chunkLimits");
    return this;
  }

  public AmfLimits amfLimits() {
    return amfLimits;
  }

  /** Bounds on the AMF values of commands and data messages from the server. */
  public RtmpClientOptions amfLimits(AmfLimits limits) {
    amfLimits = Objects.requireNonNull(limits, "amfLimits");
    return this;
  }

  public ChannelFactory<? extends Channel> channelFactory() {
    return channelFactory;
  }

  /**
   * Creates the socket channel; it must suit the event loop group's transport. The default is
   * NIO; on Vert.x's event loops pass
   * {@code ((VertxInternal) vertx).transport().channelFactory(false)}.
   */
  public RtmpClientOptions channelFactory(ChannelFactory<? extends Channel> factory) {
    channelFactory = Objects.requireNonNull(factory, "channelFactory");
    return this;
  }

  private static Duration positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(name + " must be positive: " + d);
    }
    return d;
  }
}
