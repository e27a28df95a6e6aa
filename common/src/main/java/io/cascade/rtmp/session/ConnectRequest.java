package io.cascade.rtmp.session;

import java.util.Map;

/**
 * The connect command (RTMP 1.0 section 7.2.1.1): its transaction id and command object, with the
 * properties a server reads typed.
 *
 * @param transactionId always 1 in practice; echoed in the {@code _result}
 * @param properties the command object as sent (empty when it was not an object)
 */
public record ConnectRequest(double transactionId, Map<String, ?> properties) {

  /** The {@code app} property as sent, query included; empty when absent. */
  public String app() {
    return properties.get("app") instanceof String s ? s : "";
  }

  /** The {@code tcUrl} property; empty when absent. */
  public String tcUrl() {
    return properties.get("tcUrl") instanceof String s ? s : "";
  }

  /** The {@code flashVer} property; empty when absent. */
  public String flashVer() {
    return properties.get("flashVer") instanceof String s ? s : "";
  }

  /** The AMF version the client wants replies in: 0 (AMF0) unless it asks for 3. */
  public double objectEncoding() {
    return properties.get("objectEncoding") instanceof Number n ? n.doubleValue() : 0;
  }
}
