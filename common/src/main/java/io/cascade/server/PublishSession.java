package io.cascade.server;

import io.cascade.live.LiveStream;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;

/** A publish on one message stream of a connection: feeds the encoder's messages into its live stream. */
final class PublishSession {
  private final RtmpConnection connection;
  private final int streamId;
  private final String key;
  private LiveStream stream;
  private long lastMediaNanos = System.nanoTime();

  PublishSession(RtmpConnection connection, int streamId, String key) {
    this.connection = connection;
    this.streamId = streamId;
    this.key = key;
  }

  void start(LiveStream stream) {
    this.stream = stream;
  }

  String key() {
    return key;
  }

  int streamId() {
    return streamId;
  }

  long lastMediaNanos() {
    return lastMediaNanos;
  }

  void onMedia(RtmpMessage m) {
    lastMediaNanos = System.nanoTime();
    stream.onMessage(this, m.typeId(), m.timestamp(), m.payload().retainedSlice(), false);
  }

  /** Takes ownership of {@code body}: an AMF0 onMetaData data body. */
  void onMetadata(long timestamp, ByteBuf body) {
    stream.onMessage(this, MessageType.DATA_AMF0, timestamp, body, true);
  }

  /** Other data messages (cue points, text) go to players as they came. */
  void onData(RtmpMessage m) {
    stream.onMessage(this, m.typeId(), m.timestamp(), m.payload().retainedSlice(), false);
  }

  void stop() {
    if (stream != null) {
      connection.streams().unpublish(stream, this);
      stream = null;
    }
  }
}
