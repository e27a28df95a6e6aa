package io.cascade.rtmp.amf;

import java.util.Objects;

/**
 * XML carried as text: the AMF0 XML document type and both AMF3 XML types (XMLDocument and E4X
 * XML), which this server never interprets and so does not tell apart.
 */
public record AmfXml(String xml) {
  public AmfXml {
    Objects.requireNonNull(xml, "xml");
  }
}
