package io.cascade.live;

/**
 * The write end of one subscriber: what its {@link DeliveryQueue} hands frames to. It owns the
 * transport and how frames reach it (batched by reference, duplicated for TLS, HTTP chunks), and
 * never calls back up into the queue, the stream or the session; ending is by closing its own
 * transport, which the session observes. Confined to the subscriber's event loop.
 */
public interface MediaOutput {

  /** Whether the transport takes more bytes now; the queue holds frames while it does not. */
  boolean isWritable();

  /** Writes the frame; takes its reference. */
  void write(MediaFrame frame);

  /** Sends what {@link #write} collected. */
  void flush();

  /**
   * The subscriber cannot continue (e.g. {@code slow_consumer}): the output closes its transport,
   * naming {@code reason} and {@code detail} in the one log line and metric of that close.
   */
  void close(String reason, String detail);
}
