package io.cascade.bench;

import io.netty.channel.EventLoop;
import java.util.concurrent.CompletableFuture;

/**
 * How a {@link BenchPlayer} reaches the server: one connection that plays one stream and hands
 * every tag it receives to the player's {@link BenchPlayer#onTag}, on its event loop.
 * {@link RtmpPlayerLink} speaks RTMP, {@link FlvPlayerLink} HTTP-FLV.
 */
interface PlayerLink {

  /**
   * Connects and asks for the stream, setting the player's connect and play times on the way;
   * completes when the server has answered the request (RTMP NetStream.Play.Start, HTTP status
   * 200) and fails with the reason otherwise. Once per link; bounded by the link's timeouts.
   */
  CompletableFuture<Void> play();

  /** Stops or resumes reading from the socket (slow players). */
  void autoRead(boolean on);

  /** The connection's event loop; null before {@link #play()}. */
  EventLoop eventLoop();

  /**
   * Closes the connection (the player then gets {@link BenchPlayer#onClose} with null) and
   * completes once it is closed. Safe before {@link #play()} and more than once.
   */
  CompletableFuture<Void> close();
}
