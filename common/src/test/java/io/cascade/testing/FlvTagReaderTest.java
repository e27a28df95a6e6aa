package io.cascade.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FlvTagReaderTest {
  private static final byte[] HEADER = {'F', 'L', 'V', 1, 5, 0, 0, 0, 9, 0, 0, 0, 0};

  @Test
  void readsTagsFedOneByteAtATime() {
    byte[] stream = concat(HEADER, tag(9, 0x01020304L, new byte[] {0x17, 0}), tag(8, 40, new byte[] {(byte) 0xAF, 1, 2}));
    List<FlvTagReader.Tag> tags = new ArrayList<>();
    FlvTagReader reader = new FlvTagReader(tags::add);
    for (int i = 0; i < stream.length; i++) {
      reader.feed(stream, i, 1);
    }
    assertThat(reader.problem()).isNull();
    assertThat(reader.headers()).isEqualTo(1);
    assertThat(tags).extracting(FlvTagReader.Tag::type).containsExactly(9, 8);
    assertThat(tags.get(0).timestamp()).as("extended byte on top").isEqualTo(0x01020304L);
    assertThat(tags.get(1).body()).containsExactly(0xAF, 1, 2);
  }

  @Test
  void countsASecondHeaderWhereATagShouldStart() {
    byte[] stream = concat(HEADER, tag(9, 0, new byte[] {0x17, 0}), HEADER, tag(9, 33, new byte[] {0x27, 1}));
    List<FlvTagReader.Tag> tags = new ArrayList<>();
    FlvTagReader reader = new FlvTagReader(tags::add);
    reader.feed(stream, 0, stream.length);
    assertThat(reader.headers()).isEqualTo(2);
    assertThat(tags).hasSize(2);
  }

  @Test
  void stopsAtAWrongPreviousTagSize() {
    byte[] bad = tag(8, 0, new byte[] {1, 2, 3});
    bad[bad.length - 1]++;
    byte[] stream = concat(HEADER, bad, tag(8, 20, new byte[] {4}));
    List<FlvTagReader.Tag> tags = new ArrayList<>();
    FlvTagReader reader = new FlvTagReader(tags::add);
    reader.feed(stream, 0, stream.length);
    assertThat(reader.problem()).contains("PreviousTagSize");
    assertThat(tags).isEmpty();
  }

  @Test
  void refusesAStreamWithoutHeader() {
    byte[] stream = tag(9, 0, new byte[] {0x17, 0});
    FlvTagReader reader = new FlvTagReader(t -> { });
    reader.feed(stream, 0, stream.length);
    assertThat(reader.problem()).contains("FLV header");
  }

  private static byte[] tag(int type, long timestamp, byte[] body) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(type);
    writeMedium(out, body.length);
    writeMedium(out, (int) (timestamp & 0xFFFFFF));
    out.write((int) (timestamp >>> 24));
    writeMedium(out, 0);
    out.writeBytes(body);
    int previous = 11 + body.length;
    out.write(previous >>> 24);
    writeMedium(out, previous);
    return out.toByteArray();
  }

  private static void writeMedium(ByteArrayOutputStream out, int v) {
    out.write(v >>> 16);
    out.write(v >>> 8);
    out.write(v);
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }
}
