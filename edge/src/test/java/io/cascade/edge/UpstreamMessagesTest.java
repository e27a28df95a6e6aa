package io.cascade.edge;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.client.SyntheticMedia;
import io.cascade.live.LiveSettings;
import io.cascade.live.LiveStream;
import io.cascade.live.StreamManager;
import io.cascade.live.Subscriber;
import io.cascade.rtmp.amf.AmfEcmaArray;
import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.DataMessage;
import io.cascade.rtmp.message.MessageType;
import io.cascade.testing.FrameSubscriber;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.channel.DefaultEventLoop;
import io.netty.channel.EventLoop;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** How messages from an origin's relay play become the edge stream's frames; every buffer released. */
class UpstreamMessagesTest {
  private static final ByteBufAllocator ALLOC = PooledByteBufAllocator.DEFAULT;
  private final EventLoop loop = new DefaultEventLoop();
  private final StreamManager streams = new StreamManager(LiveSettings.DEFAULTS, ALLOC);
  private final Object publisher = new Object();
  private final List<String> seen = new CopyOnWriteArrayList<>();
  private final io.cascade.cluster.RelayClock clock = new io.cascade.cluster.RelayClock();

  @AfterEach
  void stop() throws Exception {
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
  }

  @Test
  void mediaAndMetadataPassWhileTheOriginsPlayExtrasAreDropped() throws Exception {
    LiveStream stream = streams.publish("live/x", publisher).stream();
    Subscriber recorder = new FrameSubscriber(loop, null, frame -> {
      String name = frame.isData()
          ? String.valueOf(Commands.decodeData(new RtmpMessage(5, MessageType.DATA_AMF0, 0, 1, frame.body().duplicate()),
              AmfLimits.DEFAULTS).name())
          : frame.isVideo() ? "video" : "audio";
      seen.add(name + (frame.isConfig() ? ":config" : "")
          + (frame.isVideo() && !frame.isConfig() ? "@" + frame.originMillis() : ""));
      frame.release();
    });
    streams.subscribe("live/x", recorder);
    try {
      feed(stream, new RtmpMessage(7, MessageType.VIDEO, 0, 1, SyntheticMedia.avcSequenceHeader(ALLOC)), true);
      feed(stream, Commands.data(ALLOC, 1, 0, DataMessage.ON_METADATA, new AmfEcmaArray(Map.of("width", 1280.0))), true);
      feed(stream, Commands.data(ALLOC, 1, 0, UpstreamMessages.SAMPLE_ACCESS, true, true), false);
      feed(stream, Commands.data(ALLOC, 1, 0, DataMessage.SET_DATA_FRAME, DataMessage.ON_METADATA,
          new AmfEcmaArray(Map.of("width", 640.0))), true);
      feed(stream, Commands.data(ALLOC, 1, 0, DataMessage.SET_DATA_FRAME, "onTextData"), false);
      feed(stream, Commands.data(ALLOC, 1, 40, "onCuePoint", new AmfEcmaArray(Map.of("name", "ad"))), true);
      feed(stream, new RtmpMessage(5, MessageType.DATA_AMF0, 40, 1, Unpooled.wrappedBuffer(new byte[] {0x05})), false);
      feed(stream, new RtmpMessage(7, MessageType.VIDEO, 40, 1,
          SyntheticMedia.videoFrame(ALLOC, true, 0, SyntheticMedia.epochMicros(), 200)), true);
      // The origin's clock stamp is read, not forwarded; later media carry the origin's receive
      // time moved by media time (timestamps wrap at 2^32).
      feed(stream, io.cascade.cluster.RelayClock.stamp(ALLOC, 5, 1, 0xFFFF_FFF0L, 1_700_000_000_000L), false);
      feed(stream, new RtmpMessage(7, MessageType.VIDEO, 0xFFFF_FFF0L, 1,
          SyntheticMedia.videoFrame(ALLOC, false, 0, SyntheticMedia.epochMicros(), 200)), true);
      feed(stream, new RtmpMessage(7, MessageType.VIDEO, 0x20, 1,
          SyntheticMedia.videoFrame(ALLOC, false, 0, SyntheticMedia.epochMicros(), 200)), true);

      loop.submit(() -> { }).await(5, TimeUnit.SECONDS);
      assertThat(seen).containsExactly("video:config", "onMetaData:config", "onMetaData:config", "onCuePoint", "video@0",
          "video@1700000000000", "video@1700000000048");
    } finally {
      streams.unsubscribe(stream, recorder);
      streams.unpublish(stream, publisher);
    }
  }

  private void feed(LiveStream stream, RtmpMessage m, boolean forwarded) {
    try {
      assertThat(UpstreamMessages.forward(stream, publisher, m, AmfLimits.DEFAULTS, ALLOC, clock)).isEqualTo(forwarded);
    } finally {
      m.release();
    }
  }
}
