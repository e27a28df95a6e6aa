/**
 * Recording live streams to a local directory as fragmented MP4 (CMAF) segments with an HLS VOD
 * playlist: {@link io.cascade.recording.Recorder} starts a {@link io.cascade.recording.StreamRecording}
 * (a subscriber on an event loop) for each publish a rule matches; its parts go through a bounded
 * queue to one writer thread per node ({@link io.cascade.recording.RecordingWriter}), where
 * {@link io.cascade.recording.RecordingFiles} writes them and {@link io.cascade.recording.DiskQuota}
 * keeps the node under its byte quota. Closed segments are announced to
 * {@link io.cascade.recording.SegmentListener}s (the object-storage upload consumes them). In a
 * cluster, {@link io.cascade.recording.handover.RecordingHandover} lets the origin a publisher moves to
 * continue the recording its earlier origin left. At start-up,
 * {@link io.cascade.recording.SegmentSalvage} keeps the whole fragments of a segment a killed run
 * left unfinished.
 */
package io.cascade.recording;
