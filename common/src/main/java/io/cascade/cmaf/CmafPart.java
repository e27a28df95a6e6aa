package io.cascade.cmaf;

import io.netty.buffer.ByteBuf;

/**
 * One part (an LL-HLS partial segment): a {@code moof} + {@code mdat} pair in {@link #content()},
 * owned by whoever received the part until it calls {@link #release()}. A segment is the parts from
 * one with {@link #startsSegment()} up to the next such one, concatenated.
 *
 * @see Fragmenter
 */
public final class CmafPart {
  private final ByteBuf content;
  private final int sequenceNumber;
  private final int initVersion;
  private final long startMillis;
  private final long durationMillis;
  private final boolean independent;
  private final boolean startsSegment;
  private final int videoSamples;

  CmafPart(ByteBuf content, int sequenceNumber, int initVersion, long startMillis, long durationMillis,
      boolean independent, boolean startsSegment, int videoSamples) {
    this.content = content;
    this.sequenceNumber = sequenceNumber;
    this.initVersion = initVersion;
    this.startMillis = startMillis;
    this.durationMillis = durationMillis;
    this.independent = independent;
    this.startsSegment = startsSegment;
    this.videoSamples = videoSamples;
  }

  /** The fragment's bytes; read with absolute gets or a duplicate. */
  public ByteBuf content() {
    return content;
  }

  /** The mfhd sequence number: 1 for the fragmenter's first part, one more for each after. */
  public int sequenceNumber() {
    return sequenceNumber;
  }

  /** Which init segment ({@link Fragmenter#initVersion()}) describes this part's tracks. */
  public int initVersion() {
    return initVersion;
  }

  /** Stream-timeline time (ms) at which the part's lead track starts. */
  public long startMillis() {
    return startMillis;
  }

  /** Time (ms) from this part's start to the next one's: its EXTINF / PART DURATION. */
  public long durationMillis() {
    return durationMillis;
  }

  /** Its first video sample is a keyframe (always true without video): LL-HLS INDEPENDENT=YES. */
  public boolean independent() {
    return independent;
  }

  /** The first part of a segment; it is also {@link #independent()}. */
  public boolean startsSegment() {
    return startsSegment;
  }

  /** Video pictures in the part (0 without video): with the durations, a frame rate. */
  public int videoSamples() {
    return videoSamples;
  }

  public boolean release() {
    return content.release();
  }

  @Override
  public String toString() {
    return "CmafPart{seq=" + sequenceNumber + " init=" + initVersion + " start=" + startMillis + "ms duration="
        + durationMillis + "ms bytes=" + content.readableBytes() + (independent ? " independent" : "")
        + (startsSegment ? " segment" : "") + '}';
  }
}
