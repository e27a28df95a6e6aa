package io.cascade.cmaf;

import java.time.Duration;

/**
 * Limits of fragmented MP4 packaging. Not settings yet: nothing on a node packages fMP4 until
 * LL-HLS serving is wired, and a documented setting that changes nothing would mislead operators;
 * the LL-HLS work declares them in the schema ({@code hls.partTarget}, {@code hls.segmentTarget})
 * and builds this record from them.
 *
 * @param partTarget longest part, when the frame rate is steady
 * @param segmentTarget shortest segment: one ends at the first keyframe past it
 * @param maxPartBytes media bytes after which a part is closed at the next frame
 */
public record CmafSettings(Duration partTarget, Duration segmentTarget, long maxPartBytes) {
}
