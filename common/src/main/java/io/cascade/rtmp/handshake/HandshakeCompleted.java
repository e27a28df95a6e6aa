package io.cascade.rtmp.handshake;

/**
 * User event fired by {@link ServerHandshakeHandler} and {@link ClientHandshakeHandler} once the
 * handshake is over, just before the handler removes itself and hands on any bytes that followed.
 *
 * @param complex true if the digest handshake was used, false for the plain echo handshake
 */
public record HandshakeCompleted(boolean complex) {}
