package io.cascade.client;

import io.cascade.rtmp.chunk.RtmpMessage;
import java.util.Map;

/**
 * What an {@link RtmpClient} reports. Every callback runs on the client's event loop, so it must
 * not block; each has an empty default. An exception thrown by {@link #onMessage},
 * {@link #onStatus} or {@link #onWritabilityChanged} closes the connection with it as the cause.
 */
public interface RtmpClientListener {

  /**
   * An audio, video or data message on the client's stream; aggregates arrive already split.
   *
   * <p>The client releases {@code message} when this returns. To keep the message, or its payload,
   * beyond the call, take a reference first ({@code message.retain()} or
   * {@code message.retainedDuplicate()}) and release that later.
   */
  default void onMessage(RtmpMessage message) {
  }

  /**
   * An {@code onStatus} info object from the server ({@code level}, {@code code},
   * {@code description}, ...), including the one that completes or fails play and publish.
   */
  default void onStatus(Map<String, Object> info) {
  }

  /** The socket crossed a write-buffer water mark; a publisher should hold frames while unwritable. */
  default void onWritabilityChanged(boolean writable) {
  }

  /**
   * The connection is closed and everything it held is released; called once. {@code cause} is
   * null after {@link RtmpClient#close()}, otherwise why it closed (peer closed, protocol error,
   * timeout).
   */
  default void onClose(Throwable cause) {
  }
}
