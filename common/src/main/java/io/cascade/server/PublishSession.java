package io.cascade.server;

import io.cascade.rtmp.media.RtmpMediaFrames;
import io.cascade.live.LiveStream;
import io.cascade.rtmp.chunk.RtmpMessage;
import io.cascade.rtmp.message.MessageType;
import io.netty.buffer.ByteBuf;
import io.netty.channel.EventLoop;

/** A publish on one message stream of a connection: feeds the encoder's messages into its live stream. */
final class PublishSession implements SessionPolicy.PublishHandle {
  private final RtmpConnection connection;
  private final int streamId;
  private final String key;
  private final SessionPolicy.Request request;
  private LiveStream stream;
  private long lastMediaNanos = System.nanoTime();

  PublishSession(RtmpConnection connection, int streamId, String key, SessionPolicy.Request request) {
    this.connection = connection;
    this.streamId = streamId;
    this.key = key;
    this.request = request;
  }

  SessionPolicy.Request request() {
    return request;
  }

  @Override
  public void revoke(String code, String description, String reason) {
    connection.context().executor().execute(() -> connection.revokePublish(this, code, description, reason));
  }

  /** The live stream this session feeds, once started. */
  LiveStream stream() {
    return stream;
  }

  void start(LiveStream stream) {
    this.stream = stream;
  }

  /** The connection's loop, where {@link #onMedia} runs. */
  @Override
  public EventLoop eventLoop() {
    return connection.context().channel().eventLoop();
  }

  @Override
  public String key() {
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
    RtmpMediaFrames.publish(stream, this, m.typeId(), m.timestamp(), m.payload().retainedSlice(), false);
  }

  /** Takes ownership of {@code body}: an AMF0 onMetaData data body. */
  void onMetadata(long timestamp, ByteBuf body) {
    RtmpMediaFrames.publish(stream, this, MessageType.DATA_AMF0, timestamp, body, true);
  }

  /** Other data messages (cue points, text) go to players as they came. */
  void onData(RtmpMessage m) {
    RtmpMediaFrames.publish(stream, this, m.typeId(), m.timestamp(), m.payload().retainedSlice(), false);
  }

  void stop() {
    if (stream != null) {
      connection.streams().unpublish(stream, this);
      stream = null;
    }
  }
}
