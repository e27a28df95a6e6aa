/**
 * Cascade's RTMP client ({@link io.cascade.client.RtmpClient}): plays or publishes one stream per
 * connection on a caller-supplied Netty event loop group. Used by edges to pull from origins and
 * by the fan-out bench and integration tests (their synthetic stream, SyntheticMedia and
 * SyntheticPublisher, lives in common's test code and reaches origin and edge tests through the
 * test-jar).
 */
package io.cascade.client;
