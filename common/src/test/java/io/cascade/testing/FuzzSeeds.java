package io.cascade.testing;

import io.cascade.client.SyntheticMedia;
import io.cascade.rtmp.amf.Amf0;
import io.cascade.rtmp.amf.Amf0Encoder;
import io.cascade.rtmp.amf.Amf3Encoder;
import io.cascade.rtmp.amf.AmfDate;
import io.cascade.rtmp.amf.AmfDictionary;
import io.cascade.rtmp.amf.AmfEcmaArray;
import io.cascade.rtmp.amf.AmfObject;
import io.cascade.rtmp.amf.AmfTypedObject;
import io.cascade.rtmp.amf.AmfXml;
import io.cascade.rtmp.chunk.ChunkEncoder;
import io.cascade.rtmp.chunk.ChunkTestSupport;
import io.cascade.rtmp.chunk.ChunkTestSupport.Wire;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.handshake.ClientHandshakeHandler;
import io.cascade.rtmp.handshake.ServerHandshakeHandler;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.MessageType;
import io.cascade.rtmp.message.ProtocolControl;
import io.cascade.rtmp.message.UserControl;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Writes the seed inputs of the fuzz tests into their Jazzer inputs directories (see
 * docs/FUZZING.md): valid handshakes, chunk streams, AMF values and whole publish and play
 * sessions built with Cascade's own encoders. Run it again after changing an encoder:
 * {@code java -cp <test classpath> io.cascade.testing.FuzzSeeds common/src/test/resources}.
 * Crash inputs found by fuzzing are added to the same directories by hand, never by this class.
 */
public final class FuzzSeeds {
  private static final ByteBufAllocator ALLOC = ByteBufAllocator.DEFAULT;
  private static final int PACKET = 1536;

  private final Path resources;

  private FuzzSeeds(Path resources) {
    this.resources = resources;
  }

  public static void main(String[] args) throws IOException {
    FuzzSeeds seeds = new FuzzSeeds(Path.of(args.length > 0 ? args[0] : "common/src/test/resources"));
    seeds.handshake();
    seeds.chunks();
    seeds.amf();
    seeds.commands();
    seeds.connection();
  }

  private void write(String testClass, String method, String name, byte[] bytes) throws IOException {
    writeFile(testClass, method, "seed-" + name, bytes);
  }

  private void writeFile(String testClass, String method, String file, byte[] bytes) throws IOException {
    String pkg = testClass.substring(0, testClass.lastIndexOf('.')).replace('.', '/');
    String simple = testClass.substring(testClass.lastIndexOf('.') + 1);
    Path dir = resources.resolve(pkg).resolve(simple + "Inputs").resolve(method);
    Files.createDirectories(dir);
    Files.write(dir.resolve(file), bytes);
  }

  private static byte[] withStep(int step, byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(step);
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  // ---- handshake

  private void handshake() throws IOException {
    String server = "io.cascade.rtmp.handshake.HandshakeFuzzTest";
    byte[] flashC0C1 = outbound(new EmbeddedChannel(new ClientHandshakeHandler(Duration.ofSeconds(5), true)));
    byte[] plainC1 = new byte[PACKET];
    new Random(1).nextBytes(plainC1);
    Arrays.fill(plainC1, 0, 8, (byte) 0);
    byte[] c2 = new byte[PACKET];
    byte[] tail = "after-c2".getBytes();
    write(server, "serverHandshake", "plain-one-read", withStep(0, new byte[] {3}, plainC1, c2, tail));
    write(server, "serverHandshake", "flash-digest-reads-of-7", withStep(7, flashC0C1, c2, tail));
    write(server, "serverHandshake", "rtmpe-version", withStep(0, new byte[] {6}, plainC1));
    write(server, "serverHandshake", "c1-cut-short", withStep(100, new byte[] {3}, Arrays.copyOf(plainC1, 900)));

    byte[] s0s1s2Flash = outbound(serverAnswering(flashC0C1));
    byte[] s0s1s2Plain = outbound(serverAnswering(concat(new byte[] {3}, plainC1)));
    byte[] forgedS1 = s0s1s2Flash.clone();
    forgedS1[1 + 4] = 9;
    Arrays.fill(forgedS1, 1 + 8, 1 + 8 + 64, (byte) 0x55);
    // Odd read sizes run the client in digest mode, even ones in plain mode.
    write(server, "clientHandshake", "flash-server-reads-of-255", withStep(255, s0s1s2Flash, tail));
    write(server, "clientHandshake", "plain-server-one-read", withStep(0, s0s1s2Plain, tail));
    write(server, "clientHandshake", "bad-s1-digest", withStep(1, forgedS1));
  }

  private static EmbeddedChannel serverAnswering(byte[] c0c1) {
    EmbeddedChannel ch = new EmbeddedChannel(new ServerHandshakeHandler(Duration.ofSeconds(5)));
    ch.writeInbound(Unpooled.wrappedBuffer(c0c1));
    return ch;
  }

  private static byte[] outbound(EmbeddedChannel ch) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (ByteBuf b = ch.readOutbound(); b != null; b = ch.readOutbound()) {
      out.writeBytes(ByteBufUtil.getBytes(b));
      b.release();
    }
    ch.finishAndReleaseAll();
    return out.toByteArray();
  }

  // ---- chunk layer

  private void chunks() throws IOException {
    String test = "io.cascade.rtmp.chunk.ChunkDecoderFuzzTest";
    byte[] video = ChunkTestSupport.pattern(700, 1);
    byte[] audio = ChunkTestSupport.pattern(90, 50);
    byte[] interleaved = new Wire()
        .fmt0(6, 40, video.length, MessageType.VIDEO, 1).data(video, 0, 128)
        .fmt0(4, 41, audio.length, MessageType.AUDIO, 1).data(audio)
        .fmt3(6).data(video, 128, 256)
        .fmt1(4, 23, audio.length, MessageType.AUDIO).data(audio)
        .fmt3(6).data(video, 256, 384)
        .fmt2(4, 23).data(audio)
        .fmt3(6).data(video, 384, 512).fmt3(6).data(video, 512, 640).fmt3(6).data(video, 640, 700)
        .fmt3(4).data(audio)
        .bytes();
    write(test, "decode", "interleaved-fmt0-3-reads-of-5", withStep(5, interleaved));

    byte[] extended = new Wire()
        .fmt0(8, 0x1_0000_0000L - 10, 300, MessageType.VIDEO, 1).data(video, 0, 128)
        .fmt3(8).u32(0xFFFF_FFFFL - 9).data(video, 128, 256)
        .fmt3(8).data(video, 256, 300)
        .fmt2(8, 0x0100_0000L).data(video, 0, 128).fmt3(8).u32(0x0100_0000L).data(video, 128, 256)
        .fmt3(8).data(video, 256, 300)
        .bytes();
    write(test, "decode", "extended-timestamps-one-read", withStep(0, extended));

    ByteArrayOutputStream sized = new ByteArrayOutputStream();
    sized.writeBytes(encode(ProtocolControl.setChunkSize(ALLOC, 4096), 128));
    sized.writeBytes(encode(new RtmpMessage(6, MessageType.VIDEO, 33, 1, Unpooled.wrappedBuffer(ChunkTestSupport.pattern(5000, 3))), 4096));
    sized.writeBytes(new Wire().fmt0(9, 1, 400, MessageType.AUDIO, 1).data(audio).bytes());
    sized.writeBytes(encode(ProtocolControl.abort(ALLOC, 9), 4096));
    sized.writeBytes(new Wire().basic3(0, 70).u24(5).u24(3).u8(MessageType.DATA_AMF0).u32le(1).data(new byte[] {2, 0, 0}).bytes());
    write(test, "decode", "chunk-size-abort-3-byte-csid-reads-of-64", withStep(64, sized.toByteArray()));
  }

  private static byte[] encode(RtmpMessage m, int chunkSize) {
    ByteBuf b = ChunkEncoder.encode(m, chunkSize, ALLOC);
    try {
      return ByteBufUtil.getBytes(b);
    } finally {
      b.release();
      m.release();
    }
  }

  // ---- AMF

  private void amf() throws IOException {
    String test = "io.cascade.rtmp.amf.AmfFuzzTest";
    AmfObject connect = new AmfObject();
    connect.put("app", "live");
    connect.put("flashVer", "FMLE/3.0 (compatible; FMSc/1.0)");
    connect.put("tcUrl", "rtmp://127.0.0.1:1935/live");
    connect.put("objectEncoding", 3.0);
    connect.put("fpad", false);
    AmfEcmaArray metadata = new AmfEcmaArray();
    metadata.put("width", 1280.0);
    metadata.put("videocodecid", "avc1");
    metadata.put("stereo", true);
    AmfObject nested = new AmfObject();
    nested.put("list", List.of(1.0, -0.0, "two", new AmfDate(1.7e12), new AmfXml("<a/>")));
    nested.put("typed", new AmfTypedObject("flex.Foo", new AmfObject()));
    nested.put("undefined", Amf0.UNDEFINED);
    nested.put("nothing", null);
    AmfDictionary dictionary = new AmfDictionary();
    dictionary.put("k", new byte[] {1, 2, 3});
    dictionary.put(2.0, "v");

    write(test, "amf0", "connect", amf0("connect", 1.0, connect));
    write(test, "amf0", "metadata", amf0("onMetaData", metadata));
    write(test, "amf0", "nested-and-avmplus", amf0(nested, dictionary, "x".repeat(300)));
    // A reference (0x07) back to the first object, and a typed object written by hand.
    write(test, "amf0", "reference", concat(amf0(connect), new byte[] {0x07, 0, 0}));

    write(test, "amf3", "connect", amf3("connect", 1.0, connect));
    write(test, "amf3", "metadata-and-nested", amf3(metadata, nested));
    write(test, "amf3", "dictionary-and-bytes", amf3(dictionary, new byte[] {9, 8, 7}, 123.0, -5.0));
    // Integer, string with a back reference, date and an object with sealed traits then a traits reference.
    write(test, "amf3", "references", new byte[] {
        0x04, (byte) 0x81, 0x00,
        0x06, 0x07, 'a', 'b', 'c', 0x06, 0x00,
        0x08, 0x01, 0x42, 0x70, 0, 0, 0, 0, 0, 0,
        0x0A, 0x13, 0x01, 0x03, 'x', 0x04, 0x01, 0x0A, 0x01, 0x04, 0x02,
        0x0A, 0x02});
  }

  private static byte[] amf0(Object... values) {
    ByteBuf b = Unpooled.buffer();
    Amf0Encoder.encodeAll(b, values);
    return ByteBufUtil.getBytes(b);
  }

  private static byte[] amf3(Object... values) {
    ByteBuf b = Unpooled.buffer();
    Amf3Encoder.encodeAll(b, values);
    return ByteBufUtil.getBytes(b);
  }

  // ---- commands

  private void commands() throws IOException {
    String test = "io.cascade.rtmp.message.CommandsFuzzTest";
    AmfObject connect = new AmfObject();
    connect.put("app", "live");
    write(test, "decode", "amf0-connect", concat(new byte[] {0}, amf0("connect", 1.0, connect)));
    write(test, "decode", "amf3-publish", concat(new byte[] {1, 0}, amf0("publish", 0.0, null, "key?exp=1&sig=00", "live")));
    write(test, "decode", "amf3-switched-values", concat(new byte[] {1, 0}, amf0("onMetaData"), new byte[] {0x11},
        amf3(new AmfEcmaArray())));
  }

  // ---- whole connection

  private void connection() throws IOException {
    String test = "io.cascade.server.RtmpConnectionFuzzTest";
    byte[] publish = concat(connect(1), createStream(2), publish(3, "s"), media(0, 12));
    write(test, "connection", "publish-one-read", withStep(0, publish));
    write(test, "connection", "publish-reads-of-97", withStep(97, publish));
    byte[] play = concat(connect(1), createStream(2), play(3, 1, "s"), ping());
    write(test, "connection", "play-before-publish", withStep(0, play));
    byte[] both = concat(connect(1), createStream(2), createStream(3), play(4, 2, "s"), publish(5, "s"),
        media(0, 8), media(330, 8), chunkSize(1024), aggregate(), deleteStream(6, 1));
    write(test, "connection", "publish-and-play-same-connection-reads-of-61", withStep(61, both));
    byte[] obs = concat(connect(1), encode(Commands.command(ALLOC, 3, 0, "releaseStream", 2, null, "s"), 128),
        encode(Commands.command(ALLOC, 3, 0, "FCPublish", 3, null, "s"), 128), createStream(4), publish(5, "s"),
        media(0, 4), encode(Commands.command(ALLOC, 3, 0, "FCUnpublish", 6, null, "s"), 128),
        encode(ProtocolControl.windowAckSize(ALLOC, 1000), 128), encode(ProtocolControl.acknowledgement(ALLOC, 1), 128),
        encode(Commands.command(ALLOC, 3, 0, "getStreamLength", 7, null, "s"), 128),
        encode(Commands.command(ALLOC, 3, 0, "noSuchCommand", 8, (Object) null), 128));
    write(test, "connection", "obs-style-unpublish", withStep(13, obs));

    // Found by AmfFuzzTest: metadata whose AMF3 part decoded to a map Amf3Encoder cannot write back
    // made the connection's metadata re-encoding throw (an internal error instead of a protocol one).
    ByteBuf body = Unpooled.buffer();
    Amf0Encoder.encodeAll(body, "@setDataFrame", "onMetaData");
    body.writeBytes(new byte[] {0x11, 0x11, 0x03, 0x00, 0x06, 0x03, 'k', 0x0A, 0x13, 0x01, 0x01, 0x04, 0x05});
    byte[] metadata = encode(new RtmpMessage(4, MessageType.DATA_AMF0, 0, 1, body), 128);
    writeFile(test, "connection", "regression-metadata-anonymous-sealed-empty-name-reads-of-40",
        withStep(40, concat(connect(1), createStream(2), publish(3, "s"), metadata)));
  }

  private static byte[] connect(double tx) {
    AmfObject obj = new AmfObject();
    obj.put("app", "live");
    obj.put("tcUrl", "rtmp://127.0.0.1/live");
    obj.put("objectEncoding", 0.0);
    obj.put("fourCcList", List.of("hvc1", "av01"));
    return encode(Commands.command(ALLOC, 3, 0, "connect", tx, obj), 128);
  }

  private static byte[] createStream(double tx) {
    return encode(Commands.command(ALLOC, 3, 0, "createStream", tx, (Object) null), 128);
  }

  private static byte[] publish(double tx, String name) {
    return encode(Commands.command(ALLOC, 5, 1, "publish", tx, null, name, "live"), 128);
  }

  private static byte[] play(double tx, int streamId, String name) {
    return encode(Commands.command(ALLOC, 8, streamId, "play", tx, null, name, -2.0), 128);
  }

  private static byte[] deleteStream(double tx, int streamId) {
    return encode(Commands.command(ALLOC, 3, 0, "deleteStream", tx, null, (double) streamId), 128);
  }

  private static byte[] ping() {
    return encode(UserControl.pingRequest(ALLOC, 77), 128);
  }

  private static byte[] chunkSize(int size) {
    return encode(ProtocolControl.setChunkSize(ALLOC, size), 128);
  }

  /** Metadata, sequence headers and {@code frames} video frames (a keyframe first) with audio. */
  private static byte[] media(long start, int frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    AmfEcmaArray meta = new AmfEcmaArray();
    meta.put("width", 320.0);
    meta.put("videocodecid", 7.0);
    out.writeBytes(encode(Commands.data(ALLOC, 1, start, "@setDataFrame", "onMetaData", meta), 128));
    out.writeBytes(encode(new RtmpMessage(6, MessageType.VIDEO, start, 1, SyntheticMedia.avcSequenceHeader(ALLOC)), 128));
    out.writeBytes(encode(new RtmpMessage(4, MessageType.AUDIO, start, 1, SyntheticMedia.aacSequenceHeader(ALLOC)), 128));
    for (int i = 0; i < frames; i++) {
      long ts = start + i * 33L;
      out.writeBytes(encode(new RtmpMessage(6, MessageType.VIDEO, ts, 1,
          SyntheticMedia.videoFrame(ALLOC, i % 4 == 0, i, 0, SyntheticMedia.minVideoFrameSize() + 20)), 128));
      out.writeBytes(encode(new RtmpMessage(4, MessageType.AUDIO, ts, 1,
          SyntheticMedia.audioFrame(ALLOC, i, 0, SyntheticMedia.minAudioFrameSize())), 128));
    }
    return out.toByteArray();
  }

  /** An aggregate message of two video tags, as FMS-style servers and some relays send. */
  private static byte[] aggregate() {
    ByteArrayOutputStream tags = new ByteArrayOutputStream();
    for (int i = 0; i < 2; i++) {
      ByteBuf frame = SyntheticMedia.videoFrame(ALLOC, i == 0, 100 + i, 0, SyntheticMedia.minVideoFrameSize());
      byte[] data = ByteBufUtil.getBytes(frame);
      frame.release();
      byte[] tag = new Wire().u8(MessageType.VIDEO).u24(data.length).u24(700 + 33L * i).u8(0).u24(0).data(data)
          .u32(11 + data.length).bytes();
      tags.writeBytes(tag);
    }
    return encode(new RtmpMessage(6, MessageType.AGGREGATE, 700, 1, Unpooled.wrappedBuffer(tags.toByteArray())), 1024);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
