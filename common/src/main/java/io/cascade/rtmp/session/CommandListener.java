package io.cascade.rtmp.session;

import io.cascade.rtmp.message.Command;
import java.util.Map;

/**
 * The commands of an RTMP connection as typed calls, from {@link CommandDispatcher}. Every method
 * ignores its command by default, so a server implements the NetConnection and NetStream calls it
 * serves and a client the replies it waits for. Names are raw as sent (a stream name may carry a
 * {@code ?query}); null when the argument is missing or not a string.
 */
public interface CommandListener {

  /** {@code connect} on stream 0. */
  default void onConnect(ConnectRequest request) {
  }

  /** {@code createStream}: the reply carries the new message stream id. */
  default void onCreateStream(double transactionId) {
  }

  /** {@code deleteStream(streamId)}: the id is the argument, not the stream the command came on. */
  default void onDeleteStream(int streamId) {
  }

  /** {@code closeStream} on {@code streamId}. */
  default void onCloseStream(int streamId) {
  }

  /** {@code releaseStream(name)}, sent by encoders before publishing. */
  default void onReleaseStream(double transactionId, String name) {
  }

  /** {@code FCPublish(name)}, the Flash Media Server announcement of a publish. */
  default void onFCPublish(double transactionId, String name) {
  }

  /** {@code FCUnpublish(name)}: the encoder ends its publish of {@code name}. */
  default void onFCUnpublish(double transactionId, String name) {
  }

  /** {@code getStreamLength(name)}, asked by some players before play. */
  default void onGetStreamLength(double transactionId, String name) {
  }

  /** {@code publish(name, type)} on {@code streamId}; type is {@code live}, {@code record} or {@code append}. */
  default void onPublish(int streamId, String name, String type) {
  }

  /** {@code play(name, start, duration, reset)} on {@code streamId}; reset defaults to true. */
  default void onPlay(int streamId, String name, boolean reset) {
  }

  /** {@code pause(pause, milliseconds)} on {@code streamId}; pause defaults to true. */
  default void onPause(int streamId, boolean pause) {
  }

  /** {@code receiveAudio(flag)} or {@code receiveVideo(flag)} on {@code streamId}. */
  default void onReceive(int streamId, boolean video, boolean receive) {
  }

  /** {@code _result} of the call with {@code transactionId}. */
  default void onResult(double transactionId, Command reply) {
  }

  /** {@code _error} of the call with {@code transactionId}; {@code info} is its status object. */
  default void onError(double transactionId, Map<String, Object> info) {
  }

  /** {@code onStatus} on {@code streamId}. */
  default void onStatus(int streamId, Map<String, Object> info) {
  }

  /** Any other command, e.g. a call this end does not serve. */
  default void onOtherCommand(int streamId, Command command) {
  }
}
