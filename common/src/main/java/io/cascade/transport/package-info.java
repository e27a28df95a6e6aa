/**
 * Writing packaged media to a socket, for every output that writes a byte stream (RTMP players,
 * HTTP-FLV and WebSocket-FLV viewers): {@link io.cascade.transport.FrameWriter} sits next to the
 * transport and batches a player's frames between flushes; {@link io.cascade.transport.FrameBatch}
 * writes them, by reference, in one gathering write, framed when the protocol frames its payload.
 */
package io.cascade.transport;
