package io.cascade.rtmp.amf;

import java.util.LinkedHashMap;
import java.util.Map;

/** An anonymous ActionScript object: named properties in the order they travel. */
public final class AmfObject extends LinkedHashMap<String, Object> {
  public AmfObject() {}

  public AmfObject(Map<String, ?> properties) {
    super(properties);
  }

  /** Sets a property and returns this object, so command objects can be written inline. */
  public AmfObject with(String name, Object value) {
    put(name, value);
    return this;
  }
}
