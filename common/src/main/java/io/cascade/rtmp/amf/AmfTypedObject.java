package io.cascade.rtmp.amf;

import java.util.Objects;

/** An object of a registered ActionScript class: the class alias and its properties. */
public record AmfTypedObject(String className, AmfObject properties) {
  public AmfTypedObject {
    Objects.requireNonNull(className, "className");
    Objects.requireNonNull(properties, "properties");
  }
}
