package io.cascade.rtmp.amf;

import java.util.LinkedHashMap;

/**
 * An AMF3 {@code flash.utils.Dictionary}: keys of any AMF type. Keys compare by equality rather
 * than ActionScript identity, and the weak-keys flag is not kept (it has no meaning here).
 */
public final class AmfDictionary extends LinkedHashMap<Object, Object> {
  /** Sets an entry and returns this dictionary. */
  public AmfDictionary with(Object key, Object value) {
    put(key, value);
    return this;
  }
}
