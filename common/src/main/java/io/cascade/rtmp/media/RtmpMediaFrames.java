package io.cascade.rtmp.media;

import io.cascade.live.LiveStream;
import io.cascade.live.MediaFrame;
import io.cascade.media.MediaTags;
import io.cascade.media.MultitrackTags;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import java.util.List;

/**
 * The one place an RTMP message becomes a {@link MediaFrame}: what it is, its track, codec,
 * keyframe and configuration flags and composition offset, read from the FLV / Enhanced-RTMP tag
 * body. Every RTMP publisher (a local encoder, an edge's upstream) feeds its stream through here,
 * so the live core never sees a message type id.
 */
public final class RtmpMediaFrames {

  private RtmpMediaFrames() {
  }

  /**
   * Hands one message of {@code publisher} to {@code stream}: audio, video, or a data message
   * ({@code metadata}: onMetaData without {@code @setDataFrame}). Takes ownership of {@code payload}.
   * An Enhanced-RTMP message of several tracks becomes one frame per track (see {@link MultitrackTags}).
   *
   * @param originMillis when the stream's origin received it from the encoder (epoch ms), 0 if unknown
   */
  public static void publish(LiveStream stream, Object publisher, int typeId, long timestamp, ByteBuf payload,
      boolean metadata, long originMillis) {
    if (!metadata && MultitrackTags.severalTracks(typeId, payload)) {
      List<ByteBuf> tracks;
      try {
        tracks = MultitrackTags.split(typeId, payload, payload.alloc());
      } finally {
        payload.release();
      }
      for (ByteBuf track : tracks) {
        publish(stream, publisher, typeId, timestamp, track, false, originMillis);
      }
      return;
    }
    MediaFrame frame;
    try {
      frame = frame(typeId, timestamp, payload, metadata, System.nanoTime(), originMillis);
    } catch (RuntimeException e) {
      payload.release();
      throw e;
    }
    stream.onFrame(publisher, frame);
  }

  /** As {@link #publish(LiveStream, Object, int, long, ByteBuf, boolean, long)}, received now on this node. */
  public static void publish(LiveStream stream, Object publisher, int typeId, long timestamp, ByteBuf payload,
      boolean metadata) {
    publish(stream, publisher, typeId, timestamp, payload, metadata, System.currentTimeMillis());
  }

  /** Builds the frame (takes ownership of {@code payload}); {@code dts} is the RTMP timestamp. */
  public static MediaFrame frame(int typeId, long timestamp, ByteBuf payload, boolean metadata, long receivedNanos,
      long originMillis) {
    boolean video = typeId == MessageType.VIDEO;
    boolean media = video || typeId == MessageType.AUDIO;
    MediaFrame.Kind kind = video ? MediaFrame.Kind.VIDEO : media ? MediaFrame.Kind.AUDIO : MediaFrame.Kind.DATA;
    int tags = media ? MediaTags.classify(typeId, payload) : 0;
    int flags = 0;
    if ((tags & MediaTags.SEQUENCE_HEADER) != 0 || metadata) {
      flags |= MediaFrame.CONFIG;
    }
    if ((tags & MediaTags.CHANNEL_CONFIG) != 0) {
      flags |= MediaFrame.SIDE_CONFIG;
    }
    if (video && (tags & MediaTags.KEYFRAME) != 0 && (tags & MediaTags.SEQUENCE_HEADER) == 0) {
      flags |= MediaFrame.KEYFRAME;
    }
    ByteBuf body = payload;
    if (typeId == MessageType.DATA_AMF3 && payload.isReadable() && payload.getByte(payload.readerIndex()) == 0) {
      // An AMF3 data message is AMF0 after one format byte: the core keeps script data as AMF0.
      body = payload.skipBytes(1);
    }
    return new MediaFrame(kind, media ? MediaTags.trackId(typeId, payload) : 0, timestamp & 0xFFFFFFFFL,
        video ? compositionOffset(payload) : 0, flags, media ? MediaTags.codec(typeId, payload) : "",
        receivedNanos, originMillis, body);
  }

  /** See {@link MediaTags#compositionTime}. */
  static int compositionOffset(ByteBuf body) {
    return MediaTags.compositionTime(body);
  }
}
