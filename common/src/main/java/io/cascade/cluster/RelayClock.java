package io.cascade.cluster;

import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.Commands;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;

/**
 * The origin's receive clock, carried to edges inside the relay so they can measure ingest lag
 * (encoder → origin → edge → player) without a side connection.
 *
 * <p>Every {@code metrics.relayClockInterval} an origin writes, just before a media message of a
 * relay, an AMF0 data message {@code @cascadeClock} with two numbers: that message's RTMP
 * timestamp and the wall-clock time (epoch ms) at which the origin received it from the encoder.
 * Only relays get it (plays with a verified relay token); an edge consumes it and never forwards
 * it to players. For the messages between two stamps the edge extrapolates by media time, which
 * is exact for an encoder sending in real time and off by the encoder's jitter otherwise.
 *
 * <p>Assumption: origin and edge clocks are synchronised (NTP, as in any Kubernetes cluster);
 * a skew adds to or hides part of the measured lag, and negative values are recorded as 0.
 *
 * <p>One instance per relay (edge side), confined to the ingest's event loop.
 */
public final class RelayClock {
  /** Name of the data message. */
  public static final String NAME = "@cascadeClock";

  private long stampTimestamp = -1;
  private long stampMillis;

  /** The stamp an origin writes before {@code mediaTimestamp}. */
  public static RtmpMessage stamp(ByteBufAllocator alloc, int csid, int streamId, long mediaTimestamp,
      long originMillis) {
    return new RtmpMessage(csid, MessageType.DATA_AMF0, mediaTimestamp, streamId,
        Commands.dataBody(alloc, NAME, List.of((double) mediaTimestamp, (double) originMillis)));
  }

  /** Takes a stamp's values (as decoded); false if they are not two numbers. */
  public boolean observe(List<Object> values) {
    if (values.size() < 2 || !(values.get(0) instanceof Number ts) || !(values.get(1) instanceof Number ms)) {
      return false;
    }
    long t = ts.longValue();
    long m = ms.longValue();
    if (t < 0 || t > 0xFFFF_FFFFL || m <= 0) {
      return false;
    }
    stampTimestamp = t;
    stampMillis = m;
    return true;
  }

  /**
   * The origin's receive time of the message with RTMP timestamp {@code timestamp}: the latest
   * stamp moved by the media time between them (RTMP timestamps wrap at 2^32); 0 before any stamp.
   */
  public long originMillis(long timestamp) {
    if (stampTimestamp < 0) {
      return 0;
    }
    int delta = (int) ((timestamp & 0xFFFF_FFFFL) - stampTimestamp);
    return stampMillis + delta;
  }

  /** Forget the stamp (a new upstream brings its own clock). */
  public void reset() {
    stampTimestamp = -1;
  }
}
