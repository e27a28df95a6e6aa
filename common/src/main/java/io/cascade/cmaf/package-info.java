/**
 * Fragmented MP4 (CMAF-style) packaging of a live stream: ISO BMFF boxes, codec configuration read
 * from the FLV / Enhanced-RTMP sequence headers, init segments, and a fragmenter that turns media
 * frames into parts ({@code moof} + {@code mdat}) cut at a target duration, and segments that start
 * at video keyframes. Reads {@link io.cascade.live.MediaFrame}s; the live core knows nothing of it.
 */
package io.cascade.cmaf;
