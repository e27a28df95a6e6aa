package io.cascade.edge;

import io.cascade.rtmp.media.RtmpMediaFrames;
import io.cascade.cluster.RelayClock;
import io.cascade.live.LiveStream;
import io.cascade.rtmp.amf.AmfLimits;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.DataMessage;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;

/**
 * What an origin sends to a relay player, fed into the edge's live stream the way a local
 * publisher's messages are: media as is, {@code onMetaData} as the stream's metadata, other data
 * messages (cue points, text) as they came, and the play-time extras of the origin's own
 * connection dropped. The origin's clock stamps ({@link RelayClock}) are read, never forwarded.
 */
final class UpstreamMessages {
  /** Sent by every RTMP server at play start; the edge's connections send their own. */
  static final String SAMPLE_ACCESS = "|RtmpSampleAccess";

  private UpstreamMessages() {
  }

  /**
   * Hands {@code m} to {@code stream} as {@code publisher}'s. Borrows {@code m}: what goes to the
   * stream is a retained slice or a new buffer. Returns false when the message was dropped.
   */
  static boolean forward(LiveStream stream, Object publisher, RtmpMessage m, AmfLimits limits, ByteBufAllocator alloc,
      RelayClock clock) {
    int type = m.typeId();
    if (MessageType.isMedia(type)) {
      RtmpMediaFrames.publish(stream, publisher, type, m.timestamp(), m.payload().retainedSlice(), false,
          clock.originMillis(m.timestamp()));
      return true;
    }
    DataMessage data;
    try {
      data = Commands.decodeData(m, limits);
    } catch (RuntimeException e) {
      return false;
    }
    switch (data.name()) {
      case DataMessage.ON_METADATA -> RtmpMediaFrames.publish(stream, publisher, type, m.timestamp(), m.payload().retainedSlice(), true);
      case DataMessage.SET_DATA_FRAME -> {
        // Not what an origin sends players, but what a foreign server relaying an encoder might.
        List<Object> values = data.values();
        if (values.isEmpty() || !DataMessage.ON_METADATA.equals(values.get(0))) {
          return false;
        }
        RtmpMediaFrames.publish(stream, publisher, MessageType.DATA_AMF0, m.timestamp(),
            Commands.dataBody(alloc, DataMessage.ON_METADATA, values.subList(1, values.size())), true);
      }
      case RelayClock.NAME -> {
        clock.observe(data.values());
        return false;
      }
      case SAMPLE_ACCESS, DataMessage.CLEAR_DATA_FRAME -> {
        return false;
      }
      default -> RtmpMediaFrames.publish(stream, publisher, type, m.timestamp(), m.payload().retainedSlice(), false);
    }
    return true;
  }
}
