package io.cascade.rtmp.amf;

/**
 * An ActionScript Date.
 *
 * @param millis milliseconds since 1970-01-01T00:00Z
 * @param timezone the AMF0 time-zone field, reserved and normally 0; AMF3 does not carry it
 */
public record AmfDate(double millis, short timezone) {
  /** A date with the time-zone field left at 0, as the specification asks. */
  public AmfDate(double millis) {
    this(millis, (short) 0);
  }
}
