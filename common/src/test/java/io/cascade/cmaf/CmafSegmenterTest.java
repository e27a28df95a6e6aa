package io.cascade.cmaf;

import static io.cascade.cmaf.Boxes.hex;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.live.MediaFrame;
import io.cascade.testing.FlvFile;
import io.cascade.testing.Payloads;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The segmenter as a stream subscriber: what reaches its sink, in what order, and what it releases. */
class CmafSegmenterTest {
  private final EmbeddedChannel channel = new EmbeddedChannel();
  private final List<String> events = new ArrayList<>();
  private final List<Object> owned = new ArrayList<>();
  private final CmafSink sink = new CmafSink() {
    @Override
    public void init(int version, List<TrackFormat> formats, ByteBuf segment) {
      owned.add(segment);
      events.add("init" + version + formats.stream().map(TrackFormat::codecString).toList());
    }

    @Override
    public void part(CmafPart part) {
      owned.add(part);
      events.add("part" + part.sequenceNumber() + "@" + part.initVersion());
    }

    @Override
    public void end() {
      events.add("end");
    }
  };
  private final CmafSegmenter segmenter = new CmafSegmenter("live/test", channel.eventLoop(),
      new CmafSettings(Duration.ofMillis(500), Duration.ofSeconds(2), 8 << 20), ByteBufAllocator.DEFAULT, sink);

  @AfterEach
  void release() {
    for (Object o : owned) {
      if (o instanceof CmafPart p) {
        p.release();
      } else {
        ((ByteBuf) o).release();
      }
    }
    segmenter.close();
    channel.finishAndReleaseAll();
  }


  private MediaFrame deliver(int type, long dts, byte[] body) {
    MediaFrame frame = FlvFile.frame(type, dts, body);
    segmenter.onFrame(frame);
    return frame;
  }

  @Test
  void announcesTheInitSegmentBeforeItsPartsAndFlushesOnUnpublish() {
    assertThat(segmenter.packager()).isNull();
    deliver(9, 0, Payloads.bytes(hex("1700000000"), TrackFormatTest.AVC_HIGH_31));
    deliver(8, 0, Payloads.bytes(hex("af00"), TrackFormatTest.AAC_LC_48K_STEREO));
    for (int v = 0; v < 30; v++) {
      MediaFrame frame = deliver(9, v * 40L, Payloads.bytes(new byte[] {(byte) (v == 0 ? 0x17 : 0x27), 1, 0, 0, 0},
          new byte[] {0, 0, 0, 1, 0x65}));
      assertThat(frame.refCnt()).as("the segmenter releases every frame it is given").isZero();
    }
    segmenter.onUnpublish();
    assertThat(events).containsExactly("init1[avc1.64001f, mp4a.40.2]", "part1@1", "part2@1", "part3@1", "end");
  }

  @Test
  void aMalformedSequenceHeaderIsCountedAndTheStreamGoesOn() {
    MediaFrame bad = deliver(9, 0, hex("1700000000 0164"));
    assertThat(bad.refCnt()).isZero();
    assertThat(segmenter.rejectedHeaders()).isEqualTo(1);
    deliver(8, 0, Payloads.bytes(hex("af00"), TrackFormatTest.AAC_LC_48K_STEREO));
    deliver(9, 0, hex("1701000000 0000000165"));
    deliver(8, 0, hex("af01 2100"));
    assertThat(segmenter.droppedFrames()).isEqualTo(1);
    assertThat(events).containsExactly("init1[mp4a.40.2]");
  }
}
