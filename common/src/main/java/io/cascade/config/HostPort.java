package io.cascade.config;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** A remote address, {@code host:port}; an IPv6 host goes in brackets: {@code [::1]:5701}. */
public record HostPort(String host, int port) {
  private static final Pattern SYNTAX =
      Pattern.compile("(\\[[0-9A-Fa-f:.]+]|[^\\s:\\[\\]]+):(\\d{1,5})");

  public HostPort {
    if (host.isEmpty()) {
      throw new IllegalArgumentException("host is empty");
    }
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not in 1..65535");
    }
  }

  /** Parses {@code host:port}; the message of the exception says what is wrong. */
  public static HostPort parse(String text) {
    Matcher m = SYNTAX.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not host:port");
    }
    String host = m.group(1);
    if (host.startsWith("[")) {
      host = host.substring(1, host.length() - 1);
    }
    try {
      return new HostPort(host, Integer.parseInt(m.group(2)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + text + "': " + e.getMessage());
    }
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
