package io.cascade.live;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Turns a frame into one output format's wire bytes (RTMP chunks, an FLV tag, later fMP4). A
 * stream calls it at most once per frame, under its lock, and only while the packager has
 * subscribers; the result is shared by every subscriber of that format ({@link MediaFrame#wire}).
 *
 * <p>Stateless per frame. Two packagers that are {@code equals} make the same bytes and count as
 * one format.
 */
public interface Packager {

  /** Returns a new buffer the frame will own; must not change the frame's body indexes. */
  ByteBuf encode(MediaFrame frame, ByteBufAllocator alloc);
}
