package io.cascade.jmh;

import io.cascade.rtmp.chunk.ChunkDecoder;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The chunk layer on one message: encoding into a reused buffer (what a live stream does once
 * per message for all its players) and decoding through a pipeline (what every connection does
 * for every message it receives). Payload sizes: an AAC frame, an inter frame and a keyframe of a
 * 4 Mbit/s stream.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetectionLevel=disabled")
public class ChunkCodecBench {
  @Param({"341", "16384", "65536"})
  int payloadSize;

  @Param({"128", "4096"})
  int chunkSize;

  private ByteBuf payload;
  private ByteBuf out;
  private ByteBuf encoded;
  private EmbeddedChannel decoder;

  @Setup(Level.Trial)
  public void setUp() {
    PooledByteBufAllocator alloc = PooledByteBufAllocator.DEFAULT;
    payload = alloc.directBuffer(payloadSize).writeZero(payloadSize);
    payload.setByte(0, 0x27);
    int length = ChunkEncoder.encodedLength(7, 1000, payloadSize, chunkSize);
    out = alloc.directBuffer(length, length);
    encoded = alloc.directBuffer(length, length);
    ChunkEncoder.encode(message(), chunkSize, encoded);
    decoder = new EmbeddedChannel(new ChunkDecoder());
    // Set Chunk Size, as a peer sends it before media.
    ByteBuf setChunkSize = alloc.directBuffer();
    ChunkEncoder.encode(new RtmpMessage(2, 1, 0, 0, alloc.directBuffer(4).writeInt(chunkSize)), 128, setChunkSize);
    decoder.writeInbound(setChunkSize);
    RtmpMessage ack = decoder.readInbound();
    ack.release();
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    payload.release();
    out.release();
    encoded.release();
    decoder.finishAndReleaseAll();
  }

  private RtmpMessage message() {
    return new RtmpMessage(7, 9, 1000, 1, payload.duplicate());
  }

  @Benchmark
  public int encode() {
    out.clear();
    ChunkEncoder.encode(message(), chunkSize, out);
    return out.writerIndex();
  }

  @Benchmark
  public int decode() {
    decoder.writeInbound(encoded.retainedDuplicate());
    RtmpMessage m = decoder.readInbound();
    int n = m.length();
    m.release();
    return n;
  }
}
