package io.cascade.rtmp.amf;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An ActionScript associative array (AMF0 ECMA array, AMF3 array with named entries), such as the
 * {@code onMetaData} payload; ordinal indices are string keys like {@code "0"}.
 */
public final class AmfEcmaArray extends LinkedHashMap<String, Object> {
  public AmfEcmaArray() {}

  public AmfEcmaArray(Map<String, ?> entries) {
    super(entries);
  }

  /** Sets an entry and returns this array, so metadata can be written inline. */
  public AmfEcmaArray with(String key, Object value) {
    put(key, value);
    return this;
  }
}
