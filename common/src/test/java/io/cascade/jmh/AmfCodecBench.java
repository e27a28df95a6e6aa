package io.cascade.jmh;

import io.cascade.rtmp.amf.Amf0Decoder;
import io.cascade.rtmp.amf.Amf0Encoder;
import io.cascade.rtmp.amf.Amf3Decoder;
import io.cascade.rtmp.amf.Amf3Encoder;
import io.cascade.rtmp.amf.AmfEcmaArray;
import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.amf.AmfObject;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * AMF0 and AMF3 on what RTMP sends: the connect command an encoder opens with, and the
 * onMetaData array every publish carries (encode, decode).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = "-Dio.netty.leakDetectionLevel=disabled")
public class AmfCodecBench {
  private Object[] connect;
  private Object[] metadata;
  private ByteBuf out;
  private ByteBuf connect0;
  private ByteBuf metadata0;
  private ByteBuf connect3;
  private ByteBuf metadata3;

  @Setup(Level.Trial)
  public void setUp() {
    connect = new Object[] {"connect", 1.0, new AmfObject()
        .with("app", "live").with("type", "nonprivate").with("flashVer", "FMLE/3.0 (compatible; FMSc/1.0)")
        .with("swfUrl", "rtmp://127.0.0.1:1935/live").with("tcUrl", "rtmp://127.0.0.1:1935/live")
        .with("fpad", false).with("capabilities", 239.0).with("audioCodecs", 3575.0).with("videoCodecs", 252.0)
        .with("videoFunction", 1.0).with("objectEncoding", 0.0)};
    metadata = new Object[] {"@setDataFrame", "onMetaData", new AmfEcmaArray()
        .with("duration", 0.0).with("width", 1280.0).with("height", 720.0).with("videodatarate", 4000.0)
        .with("framerate", 30.0).with("videocodecid", 7.0).with("audiodatarate", 128.0).with("audiosamplerate", 48000.0)
        .with("audiosamplesize", 16.0).with("stereo", true).with("audiocodecid", 10.0)
        .with("encoder", "Lavf61.7.100").with("filesize", 0.0)};
    out = Unpooled.directBuffer(4096);
    connect0 = Unpooled.directBuffer();
    Amf0Encoder.encodeAll(connect0, connect);
    metadata0 = Unpooled.directBuffer();
    Amf0Encoder.encodeAll(metadata0, metadata);
    connect3 = Unpooled.directBuffer();
    Amf3Encoder.encodeAll(connect3, connect);
    metadata3 = Unpooled.directBuffer();
    Amf3Encoder.encodeAll(metadata3, metadata);
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    out.release();
    connect0.release();
    metadata0.release();
    connect3.release();
    metadata3.release();
  }

  @Benchmark
  public int amf0EncodeConnect() {
    out.clear();
    Amf0Encoder.encodeAll(out, connect);
    return out.writerIndex();
  }

  @Benchmark
  public List<Object> amf0DecodeConnect() {
    return Amf0Decoder.decodeAll(connect0.duplicate(), AmfLimits.DEFAULTS);
  }

  @Benchmark
  public int amf0EncodeMetadata() {
    out.clear();
    Amf0Encoder.encodeAll(out, metadata);
    return out.writerIndex();
  }

  @Benchmark
  public List<Object> amf0DecodeMetadata() {
    return Amf0Decoder.decodeAll(metadata0.duplicate(), AmfLimits.DEFAULTS);
  }

  @Benchmark
  public int amf3EncodeConnect() {
    out.clear();
    Amf3Encoder.encodeAll(out, connect);
    return out.writerIndex();
  }

  @Benchmark
  public List<Object> amf3DecodeConnect() {
    return Amf3Decoder.decodeAll(connect3.duplicate(), AmfLimits.DEFAULTS);
  }

  @Benchmark
  public int amf3EncodeMetadata() {
    out.clear();
    Amf3Encoder.encodeAll(out, metadata);
    return out.writerIndex();
  }

  @Benchmark
  public List<Object> amf3DecodeMetadata() {
    return Amf3Decoder.decodeAll(metadata3.duplicate(), AmfLimits.DEFAULTS);
  }
}
