package io.cascade.live;

/**
 * A point-in-time view of one live stream, for the HTTP API and logs.
 *
 * @param viewers players and relays ({@link Subscriber#viewers()})
 * @param relays of those, the other Cascade nodes pulling the stream ({@link Subscriber#relay()})
 */
public record StreamInfo(
    String key,
    boolean live,
    long publishedAtMillis,
    int subscribers,
    int viewers,
    int relays,
    String videoCodec,
    String audioCodec,
    long framesIn,
    long bytesIn,
    long gopCacheBytes) {
}
