package io.cascade.rtmp.amf;

import java.util.List;

/**
 * The traits of an AMF3 object: class alias ({@code ""} for anonymous), sealed member names in wire
 * order, and whether dynamic members follow them. Equal traits are sent by reference.
 */
record Amf3Traits(String className, List<String> sealed, boolean dynamic) {
  static final Amf3Traits ANONYMOUS = new Amf3Traits("", List.of(), true);
}
