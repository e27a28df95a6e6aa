/**
 * Cascade's RTMP client ({@link io.cascade.client.RtmpClient}): plays or publishes one stream per
 * connection on a caller-supplied Netty event loop group. Used by edges to pull from origins and
 * by the fan-out bench and integration tests, together with the synthetic stream
 * ({@link io.cascade.client.SyntheticMedia}, {@link io.cascade.client.SyntheticPublisher}) whose
 * frames carry a sequence number and their send time.
 */
package io.cascade.client;
