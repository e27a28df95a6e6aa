package io.cascade.live;

/** A point-in-time view of one live stream, for the HTTP API and logs. */
public record StreamInfo(
    String key,
    boolean live,
    long publishedAtMillis,
    int subscribers,
    int viewers,
    String videoCodec,
    String audioCodec,
    long framesIn,
    long bytesIn,
    long gopCacheBytes) {
}
