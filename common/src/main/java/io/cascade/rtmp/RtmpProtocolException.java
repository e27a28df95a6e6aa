package io.cascade.rtmp;

import io.netty.handler.codec.DecoderException;

/**
 * A peer broke the protocol or a configured limit. The message is the reason that goes into the
 * one log line for the connection; {@link #reason()} is a short, bounded token for metrics.
 */
public class RtmpProtocolException extends DecoderException {
  private static final long serialVersionUID = 1L;
  private final String reason;

  public RtmpProtocolException(String reason, String message) {
    super(message);
    this.reason = reason;
  }

  /** Short machine-readable reason, e.g. {@code chunk_size}, {@code message_too_large}. */
  public String reason() {
    return reason;
  }
}
