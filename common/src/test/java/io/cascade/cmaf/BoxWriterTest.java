package io.cascade.cmaf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

class BoxWriterTest {

  @Test
  void nestedBoxesGetTheirSizesWhenClosed() {
    ByteBuf buf = Unpooled.buffer();
    try {
      BoxWriter w = new BoxWriter(buf);
      w.start("moov").start("trak").u32(7).end().startFull("mvhd", 1, 0x000203).u16(9).end().end();
      assertThat(w.depth()).isZero();
      Boxes boxes = Boxes.of(buf);
      Boxes.Box moov = boxes.one("moov");
      assertThat(moov.size()).isEqualTo(8 + 12 + 14).isEqualTo(buf.readableBytes());
      assertThat(boxes.one("moov/trak").size()).isEqualTo(12);
      Boxes.Box mvhd = boxes.one("moov/mvhd");
      assertThat(mvhd.size()).isEqualTo(14);
      assertThat(boxes.version(mvhd)).isEqualTo(1);
      assertThat(boxes.flags(mvhd)).isEqualTo(0x000203);
      assertThat(boxes.u16(mvhd.payload() + 4)).isEqualTo(9);
    } finally {
      buf.release();
    }
  }

  @Test
  void writesAfterTheBuffersExistingBytesAndLeavesThemAlone() {
    ByteBuf buf = Unpooled.buffer().writeInt(0xCAFEBABE);
    try {
      new BoxWriter(buf).start("free").u8(1).end();
      assertThat(buf.getInt(0)).isEqualTo(0xCAFEBABE);
      assertThat(buf.getInt(4)).isEqualTo(9);
    } finally {
      buf.release();
    }
  }

  @Test
  void refusesUnbalancedAndMisnamedBoxes() {
    ByteBuf buf = Unpooled.buffer();
    try {
      BoxWriter w = new BoxWriter(buf);
      assertThatThrownBy(w::end).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> w.start("toolong")).isInstanceOf(IllegalArgumentException.class);
      for (int i = 0; i < 12; i++) {
        w.start("deep");
      }
      assertThatThrownBy(() -> w.start("more")).isInstanceOf(IllegalStateException.class);
    } finally {
      buf.release();
    }
  }
}
