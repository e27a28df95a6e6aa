/**
 * What a recording leaves for the origin that carries it on after its owner is gone: the state
 * ({@link io.cascade.recording.handover.HandoverState}) and where it is kept
 * ({@link io.cascade.recording.handover.RecordingHandover}; a Hazelcast map on a cluster). Apart
 * from the recorder so that the cluster package can implement it without depending on the
 * recorder (no package cycle).
 */
package io.cascade.recording.handover;
