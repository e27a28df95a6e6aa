package io.cascade.rtmp.amf;

import io.cascade.rtmp.RtmpProtocolException;

/** AMF bytes from a peer are malformed or exceed an {@link AmfLimits} bound. */
public final class AmfException extends RtmpProtocolException {
  private static final long serialVersionUID = 1L;

  /** The metric reason shared by every AMF decoding failure. */
  public static final String REASON = "amf";

  public AmfException(String message) {
    super(REASON, message);
  }
}
