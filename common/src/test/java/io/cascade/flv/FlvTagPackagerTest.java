package io.cascade.flv;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.live.MediaFrame;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** FLV 10.1 E.4.1: the tag layout byte by byte, and the header before it. */
class FlvTagPackagerTest {

  @Test
  void videoTagIsHeaderBodyAndPreviousTagSize() {
    MediaFrame frame = frame(MediaFrame.Kind.VIDEO, 0x12345678L, new byte[] {0x17, 1, 0, 0, 0, (byte) 0xAB});
    ByteBuf tag = FlvTagPackager.INSTANCE.encode(frame, PooledByteBufAllocator.DEFAULT);
    try {
      // TagType 9, DataSize 6, Timestamp lower 24 bits 0x345678, TimestampExtended 0x12, StreamID 0.
      assertThat(ByteBufUtil.hexDump(tag)).isEqualTo("09" + "000006" + "345678" + "12" + "000000"
          + "170100000" + "0ab" + "00000011");
      assertThat(frame.body().readerIndex()).as("the body is read, not consumed").isZero();
    } finally {
      tag.release();
      frame.release();
    }
  }

  @Test
  void audioAndScriptDataTagTypesAndTimestampsPastTwoToThe32Wrap() {
    MediaFrame audio = frame(MediaFrame.Kind.AUDIO, (1L << 32) + 5, new byte[] {(byte) 0xAF, 1});
    MediaFrame data = frame(MediaFrame.Kind.DATA, 0, new byte[] {2, 0, 10});
    ByteBuf a = FlvTagPackager.INSTANCE.encode(audio, PooledByteBufAllocator.DEFAULT);
    ByteBuf d = FlvTagPackager.INSTANCE.encode(data, PooledByteBufAllocator.DEFAULT);
    try {
      assertThat(a.getUnsignedByte(0)).isEqualTo((short) 8);
      assertThat(a.getUnsignedMedium(4)).as("the 64-bit timeline goes out mod 2^32").isEqualTo(5);
      assertThat(a.getUnsignedByte(7)).isEqualTo((short) 0);
      assertThat(a.readableBytes()).isEqualTo(11 + 2 + 4);
      assertThat(d.getUnsignedByte(0)).isEqualTo((short) 18);
      assertThat(d.getInt(d.writerIndex() - 4)).isEqualTo(11 + 3);
    } finally {
      a.release();
      d.release();
      audio.release();
      data.release();
    }
  }

  @Test
  void headerFlagsAudioAndVideo() {
    ByteBuf both = FlvHeader.encode(PooledByteBufAllocator.DEFAULT, true, true);
    ByteBuf videoOnly = FlvHeader.encode(PooledByteBufAllocator.DEFAULT, false, true);
    try {
      assertThat(ByteBufUtil.hexDump(both)).isEqualTo("464c5601" + "05" + "00000009" + "00000000");
      assertThat(videoOnly.getUnsignedByte(4)).isEqualTo((short) 1);
    } finally {
      both.release();
      videoOnly.release();
    }
  }

  @Test
  void aBodyPastTheTwentyFourBitSizeIsRefused() {
    MediaFrame huge = new MediaFrame(MediaFrame.Kind.VIDEO, 0, 0, 0, 0, "", 0, 0,
        Unpooled.wrappedBuffer(new byte[FlvTagPackager.MAX_DATA_SIZE + 1]));
    try {
      assertThatThrownBy(() -> FlvTagPackager.INSTANCE.encode(huge, PooledByteBufAllocator.DEFAULT))
          .isInstanceOf(IllegalArgumentException.class);
    } finally {
      huge.release();
    }
  }

  private static MediaFrame frame(MediaFrame.Kind kind, long dts, byte[] body) {
    return new MediaFrame(kind, 0, dts, 0, 0, "", 0, 0, Unpooled.copiedBuffer(body));
  }
}
