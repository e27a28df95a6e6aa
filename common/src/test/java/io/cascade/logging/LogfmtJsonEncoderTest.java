package io.cascade.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.LoggingEvent;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** log.format=json: one JSON object per line with the message's key=value fields as fields. */
class LogfmtJsonEncoderTest {
  private final LoggerContext context = new LoggerContext();

  private JsonObject encode(String message, Object... args) {
    LogfmtJsonEncoder encoder = new LogfmtJsonEncoder();
    encoder.setContext(context);
    encoder.start();
    LoggingEvent event = new LoggingEvent("x", context.getLogger("cascade.rtmp"), Level.INFO, message, null, args);
    String line = new String(encoder.encode(event), StandardCharsets.UTF_8);
    assertThat(line).endsWith("}\n");
    assertThat(line.indexOf('\n')).isEqualTo(line.length() - 1);
    return new JsonObject(line);
  }

  @Test
  void keyValueFieldsBecomeJsonFields() {
    JsonObject json = encode("event=close peer={} conn={} app={} role={} reason={} detail=\"{}\"", "10.0.0.7:51234", 42,
        "live", "player", "slow_consumer", "behind for more than 15000 ms");
    assertThat(json.getString("level")).isEqualTo("INFO");
    assertThat(json.getString("logger")).isEqualTo("cascade.rtmp");
    assertThat(json.getString("event")).isEqualTo("close");
    assertThat(json.getString("peer")).isEqualTo("10.0.0.7:51234");
    assertThat(json.getString("conn")).isEqualTo("42");
    assertThat(json.getString("role")).isEqualTo("player");
    assertThat(json.getString("reason")).isEqualTo("slow_consumer");
    assertThat(json.getString("detail")).isEqualTo("behind for more than 15000 ms");
    assertThat(json.getString("msg")).startsWith("event=close peer=10.0.0.7:51234");
    assertThat(json.getString("ts")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");
  }

  @Test
  void plainMessagesAndClashingKeysStayIntact() {
    JsonObject plain = encode("Hazelcast member started on {}", "127.0.0.1:5701");
    assertThat(plain.fieldNames()).containsExactlyInAnyOrder("ts", "level", "logger", "msg");
    JsonObject clash = encode("event=x level=9 msg=\"a\\\"b\" ctl=\u0001");
    assertThat(clash.getString("level")).isEqualTo("INFO");
    assertThat(clash.getString("f_level")).isEqualTo("9");
    assertThat(clash.getString("f_msg")).isEqualTo("a\"b");
    assertThat(clash.getString("ctl")).isEqualTo("\u0001");
  }
}
