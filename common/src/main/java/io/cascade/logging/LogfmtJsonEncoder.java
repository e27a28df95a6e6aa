package io.cascade.logging;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One JSON object per log line for Kubernetes log collectors, with Cascade's {@code key=value}
 * message fields as JSON fields: {@code event=close peer=1.2.3.4:5 reason=idle detail="x y"}
 * becomes {@code {"ts":..., "level":"INFO", "logger":"cascade.rtmp", "event":"close",
 * "peer":"1.2.3.4:5", "reason":"idle", "detail":"x y", "msg":"event=close ..."}}, so
 * {@code stream}, {@code peer}, {@code role} and {@code reason} can be queried without parsing.
 * The whole message stays in {@code msg}; a key that clashes with a fixed field is prefixed with
 * {@code f_}. Messages that are not key=value (third-party libraries) only have {@code msg}.
 */
public final class LogfmtJsonEncoder extends EncoderBase<ILoggingEvent> {
  private static final int MAX_FIELDS = 32;

  @Override
  public byte[] headerBytes() {
    return new byte[0];
  }

  @Override
  public byte[] footerBytes() {
    return new byte[0];
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    StringBuilder out = new StringBuilder(256);
    out.append('{');
    field(out, "ts", Instant.ofEpochMilli(event.getTimeStamp()).toString());
    out.append(',');
    field(out, "level", event.getLevel().toString());
    out.append(',');
    field(out, "logger", event.getLoggerName());
    String message = event.getFormattedMessage();
    for (Map.Entry<String, String> f : parse(message).entrySet()) {
      out.append(',');
      String key = f.getKey();
      field(out, switch (key) {
        case "ts", "level", "logger", "msg", "error" -> "f_" + key;
        default -> key;
      }, f.getValue());
    }
    out.append(',');
    field(out, "msg", message);
    IThrowableProxy error = event.getThrowableProxy();
    if (error != null) {
      out.append(',');
      field(out, "error", ThrowableProxyUtil.asString(error));
    }
    out.append("}\n");
    return out.toString().getBytes(StandardCharsets.UTF_8);
  }

  /**
   * The {@code key=value} pairs of a message, in order; empty unless the message starts with
   * one. Values run to the next space, or are double-quoted (backslash escapes a quote).
   */
  static Map<String, String> parse(String message) {
    Map<String, String> fields = new LinkedHashMap<>();
    if (message == null) {
      return fields;
    }
    int i = 0;
    int n = message.length();
    while (i < n && fields.size() < MAX_FIELDS) {
      while (i < n && message.charAt(i) == ' ') {
        i++;
      }
      int keyStart = i;
      while (i < n && isKeyChar(message.charAt(i))) {
        i++;
      }
      if (i == keyStart || i >= n || message.charAt(i) != '=') {
        break;
      }
      String key = message.substring(keyStart, i);
      i++;
      StringBuilder value = new StringBuilder();
      if (i < n && message.charAt(i) == '"') {
        i++;
        while (i < n && message.charAt(i) != '"') {
          char c = message.charAt(i);
          if (c == '\\' && i + 1 < n) {
            c = message.charAt(++i);
          }
          value.append(c);
          i++;
        }
        i++;
      } else {
        while (i < n && message.charAt(i) != ' ') {
          value.append(message.charAt(i++));
        }
      }
      fields.putIfAbsent(key, value.toString());
    }
    return fields;
  }

  private static boolean isKeyChar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  }

  private static void field(StringBuilder out, String key, String value) {
    quote(out, key);
    out.append(':');
    quote(out, value == null ? "" : value);
  }

  private static void quote(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    out.append('"');
  }
}
