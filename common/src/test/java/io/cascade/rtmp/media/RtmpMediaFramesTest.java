package io.cascade.rtmp.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.live.MediaFrame;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

/** What an RTMP message becomes in the live core. */
class RtmpMediaFramesTest {

  @Test
  void avcKeyframeWithCompositionOffset() {
    // Legacy AVC: keyframe (1) + codec 7, AVCPacketType 1 (NALUs), CompositionTime -40 (SI24).
    MediaFrame f = frame(MessageType.VIDEO, 1000, 0x17, 1, 0xFF, 0xFF, 0xD8, 0, 0, 0, 1);
    try {
      assertThat(f.isVideo()).isTrue();
      assertThat(f.isKeyframe()).isTrue();
      assertThat(f.isConfig()).isFalse();
      assertThat(f.compositionOffset()).isEqualTo(-40);
      assertThat(f.codec()).isEqualTo("avc1");
      assertThat(f.dts()).isEqualTo(1000);
    } finally {
      f.release();
    }
  }

  @Test
  void sequenceHeaderIsConfigNotKeyframe() {
    MediaFrame f = frame(MessageType.VIDEO, 0, 0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1F);
    try {
      assertThat(f.isConfig()).isTrue();
      assertThat(f.isKeyframe()).isFalse();
      assertThat(f.compositionOffset()).isZero();
    } finally {
      f.release();
    }
  }

  @Test
  void aModExPrefixBeforeThePacketTypeDoesNotHideTheOffset() {
    // PacketType ModEx (7), one byte of modifier data, then the real packet type CodedFrames (1) in
    // the low nibble of the byte that follows it, then FourCC "avc1" and the 24-bit composition time.
    MediaFrame coded = frame(MessageType.VIDEO, 0, 0x80 | 0x10 | 7, 0, 0x55, 0x01, 'a', 'v', 'c', '1', 0, 0, 40, 0, 0,
        0, 1);
    try {
      assertThat(coded.compositionOffset()).isEqualTo(40);
    } finally {
      coded.release();
    }
  }

  @Test
  void enhancedHevcCodedFramesCarryTheirOffsetAndCodedFramesXDoNot() {
    // Enhanced: IsExHeader | keyframe << 4 | PacketType, then FourCC "hvc1".
    MediaFrame coded = frame(MessageType.VIDEO, 0, 0x80 | 0x10 | 1, 'h', 'v', 'c', '1', 0, 0, 66, 0, 0, 0, 1);
    MediaFrame codedX = frame(MessageType.VIDEO, 0, 0x80 | 0x20 | 3, 'h', 'v', 'c', '1', 0, 0, 0, 1);
    try {
      assertThat(coded.compositionOffset()).isEqualTo(66);
      assertThat(coded.isKeyframe()).isTrue();
      assertThat(coded.codec()).isEqualTo("hvc1");
      assertThat(codedX.compositionOffset()).isZero();
      assertThat(codedX.isKeyframe()).isFalse();
    } finally {
      coded.release();
      codedX.release();
    }
  }

  @Test
  void audioAndDataKinds() {
    MediaFrame aac = frame(MessageType.AUDIO, 20, 0xAF, 1, 0x21);
    MediaFrame amf3 = frame(MessageType.DATA_AMF3, 0, 0, 2, 0, 1, 'x');
    try {
      assertThat(aac.isAudio()).isTrue();
      assertThat(aac.codec()).isEqualTo("aac");
      assertThat(amf3.isData()).isTrue();
      assertThat(amf3.body().readableBytes()).as("AMF3 data is AMF0 after one format byte").isEqualTo(4);
      assertThat(amf3.body().getByte(amf3.body().readerIndex())).isEqualTo((byte) 2);
    } finally {
      aac.release();
      amf3.release();
    }
  }

  private static MediaFrame frame(int typeId, long ts, int... bytes) {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return RtmpMediaFrames.frame(typeId, ts, Unpooled.wrappedBuffer(b), false, 0, 0);
  }
}
