/**
 * RTMP and the live core: {@link io.cascade.rtmp.media.RtmpMediaFrames} turns a publisher's RTMP
 * messages into media frames, {@link io.cascade.rtmp.media.RtmpChunkPackager} turns frames into
 * the chunked messages players read. Nothing in the protocol layers below depends on this package.
 */
package io.cascade.rtmp.media;
