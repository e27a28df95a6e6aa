package io.cascade.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.SyntheticMedia;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class HlsMediaTest {
  private record Frame(int type, long sequence, long sendMicros, boolean keyframe) {
  }

  private static List<Frame> frames(ByteBuf body) {
    List<Frame> out = new ArrayList<>();
    HlsMedia.frames(body, (type, stamp, key) -> out.add(new Frame(type, stamp.sequence(), stamp.sendMicros(), key)));
    return out;
  }

  /** An FLV video or audio body of SyntheticMedia without its FLV header: the fMP4 sample / ES payload. */
  private static byte[] sample(ByteBuf flvBody, int flvHeader) {
    try {
      byte[] b = new byte[flvBody.readableBytes() - flvHeader];
      flvBody.getBytes(flvHeader, b);
      return b;
    } finally {
      flvBody.release();
    }
  }

  private static byte[] video(boolean key, long seq, long micros) {
    return sample(SyntheticMedia.videoFrame(ByteBufAllocator.DEFAULT, key, seq, micros, 400), 5);
  }

  private static byte[] audio(long seq, long micros) {
    return sample(SyntheticMedia.audioFrame(ByteBufAllocator.DEFAULT, seq, micros, 60), 2);
  }

  @Test
  void fmp4SamplesAreFoundByTheirTrackRunOffsets() {
    byte[] v1 = video(true, 10, 1_000);
    byte[] v2 = video(false, 11, 2_000);
    byte[] a1 = audio(20, 1_500);
    // moof [mfhd, traf(video: 2 samples), traf(audio: 1 sample)], mdat [v1 v2 a1]
    int trafVideo = 8 + 16 + (8 + 4 + 4 + 4 + 2 * 4);
    int trafAudio = 8 + 16 + (8 + 4 + 4 + 4 + 4);
    int moofSize = 8 + 16 + trafVideo + trafAudio;
    ByteBuf b = Unpooled.buffer();
    try {
      b.writeInt(moofSize).writeBytes("moof".getBytes());
      b.writeInt(16).writeBytes("mfhd".getBytes()).writeInt(0).writeInt(1);
      traf(b, 1, moofSize + 8, new int[] {v1.length, v2.length});
      traf(b, 2, moofSize + 8 + v1.length + v2.length, new int[] {a1.length});
      b.writeInt(8 + v1.length + v2.length + a1.length).writeBytes("mdat".getBytes()).writeBytes(v1).writeBytes(v2).writeBytes(a1);

      assertThat(frames(b)).containsExactly(new Frame(MessageType.VIDEO, 10, 1_000, true),
          new Frame(MessageType.VIDEO, 11, 2_000, false), new Frame(MessageType.AUDIO, 20, 1_500, false));
    } finally {
      b.release();
    }
  }

  private static void traf(ByteBuf b, int track, int dataOffset, int[] sizes) {
    b.writeInt(8 + 16 + 8 + 4 + 4 + 4 + 4 * sizes.length).writeBytes("traf".getBytes());
    // tfhd: default-base-is-moof
    b.writeInt(16).writeBytes("tfhd".getBytes()).writeInt(0x020000).writeInt(track);
    // trun: data-offset + sample sizes
    b.writeInt(8 + 4 + 4 + 4 + 4 * sizes.length).writeBytes("trun".getBytes()).writeInt(0x000201).writeInt(sizes.length)
        .writeInt(dataOffset);
    for (int s : sizes) {
      b.writeInt(s);
    }
  }

  @Test
  void mpegTsStampsAreFoundAcrossPacketBoundaries() {
    // Annex B video: start code, SEI with the stamp, start code, slice; audio: ADTS header, raw frame.
    byte[] avcc = video(true, 5, 9_000);
    ByteBuf es = Unpooled.buffer();
    ByteBuf aes = Unpooled.buffer();
    ByteBuf ts = Unpooled.buffer();
    try {
      // A filler so that the stamp straddles the first packet's end.
      es.writeZero(170);
      for (int at = 0; at < avcc.length;) {
        int len = (avcc[at] & 0xFF) << 24 | (avcc[at + 1] & 0xFF) << 16 | (avcc[at + 2] & 0xFF) << 8 | (avcc[at + 3] & 0xFF);
        es.writeInt(1).writeBytes(avcc, at + 4, len);
        at += 4 + len;
      }
      aes.writeZero(7).writeBytes(audio(3, 8_500));
      packets(ts, 0x100, es);
      packets(ts, 0x101, aes);

      assertThat(frames(ts)).containsExactly(new Frame(MessageType.VIDEO, 5, 9_000, true),
          new Frame(MessageType.AUDIO, 3, 8_500, false));
    } finally {
      es.release();
      aes.release();
      ts.release();
    }
  }

  /** Packets of one PID, the last one padded with an adaptation field. */
  private static void packets(ByteBuf ts, int pid, ByteBuf payload) {
    while (payload.isReadable()) {
      int n = Math.min(184, payload.readableBytes());
      ts.writeByte(0x47).writeShort(pid);
      if (n == 184) {
        ts.writeByte(0x10);
      } else {
        int stuffing = 184 - n;
        ts.writeByte(0x30).writeByte(stuffing - 1);
        if (stuffing > 1) {
          ts.writeByte(0).writeBytes(new byte[stuffing - 2]);
        }
      }
      ts.writeBytes(payload, n);
    }
  }
}
