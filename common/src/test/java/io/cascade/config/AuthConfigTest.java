package io.cascade.config;

import static io.cascade.config.ConfigSchema.AUTH_PLAY;
import static io.cascade.config.ConfigSchema.AUTH_PUBLISH;
import static io.cascade.config.ConfigSchema.RTMPS_CERT_FILE;
import static io.cascade.config.ConfigSchema.RTMPS_ENABLED;
import static io.cascade.config.ConfigSchema.RTMPS_KEY_FILE;
import static io.cascade.config.ConfigSchema.RTMPS_PORT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The auth and RTMPS settings as the environment gives them, and what they never show. */
class AuthConfigTest {

  @Test
  void authSettingsFromTheEnvironment() {
    CascadeConfig c = load(Map.of(
        "CASCADE_AUTH_PUBLISH_SECRETS", "new-one,old-one",
        "CASCADE_AUTH_PUBLISH_APPS", "live,studio",
        "CASCADE_AUTH_PUBLISH_ALLOW", "10.0.0.0/8, 192.0.2.7",
        "CASCADE_AUTH_PLAY_DENY", "2001:db8::/32",
        "CASCADE_AUTH_PLAY_WEBHOOK_URL", "https://hooks.example/on_play?token=abc",
        "CASCADE_AUTH_PLAY_WEBHOOK_FAIL_OPEN", "true"));
    assertThat(c.get(AUTH_PUBLISH.secrets())).containsExactly("new-one", "old-one");
    assertThat(c.get(AUTH_PUBLISH.apps())).containsExactly("live", "studio");
    assertThat(c.get(AUTH_PUBLISH.allow())).containsExactly(Cidr.parse("10.0.0.0/8"), Cidr.parse("192.0.2.7/32"));
    assertThat(c.get(AUTH_PLAY.deny())).containsExactly(Cidr.parse("2001:db8::/32"));
    assertThat(c.get(AUTH_PLAY.webhookFailOpen())).isTrue();
    assertThat(c.get(AUTH_PLAY.webhookTimeout())).hasSeconds(3);
    assertThat(load(Map.of()).get(AUTH_PUBLISH.secrets())).isEmpty();
  }

  @Test
  void secretsAndWebhookUrlsNeverAppearInErrorsOrToString() {
    CascadeConfig c = load(Map.of("CASCADE_AUTH_PUBLISH_SECRETS", "pub-secret-value",
        "CASCADE_AUTH_PLAY_WEBHOOK_URL", "https://hooks.example/x?token=url-token-value"));
    assertThat(c.toString()).doesNotContain("pub-secret-value").doesNotContain("url-token-value").contains("<redacted>");
    assertThat(ConfigSchema.byPath("auth.publish.secrets").orElseThrow().secret()).isTrue();
    assertThat(ConfigSchema.byPath("auth.play.webhook.url").orElseThrow().secret()).isTrue();
    assertThatThrownBy(() -> load(Map.of("CASCADE_AUTH_PLAY_SECRETS", "has space-secret")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.play.secrets")
        .hasMessageNotContaining("space-secret");
  }

  @Test
  void badNetworksNameTheSetting() {
    assertThatThrownBy(() -> load(Map.of("CASCADE_AUTH_PUBLISH_DENY", "10.1.2.3/8")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.publish.deny")
        .hasMessageContaining("beyond its prefix");
    assertThatThrownBy(() -> load(Map.of("CASCADE_AUTH_PLAY_ALLOW", "cdn.example.com")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("auth.play.allow");
  }

  @Test
  void rtmpsNeedsItsFiles() {
    assertThatThrownBy(() -> load(Map.of("CASCADE_RTMPS_ENABLED", "true")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("rtmps.certFile");
    CascadeConfig c = load(Map.of("CASCADE_RTMPS_ENABLED", "true", "CASCADE_RTMPS_CERT_FILE", "/tls/tls.crt",
        "CASCADE_RTMPS_KEY_FILE", "/tls/tls.key"));
    assertThat(c.get(RTMPS_PORT)).isEqualTo(1936);
    assertThat(List.of(c.get(RTMPS_CERT_FILE), c.get(RTMPS_KEY_FILE))).containsExactly("/tls/tls.crt", "/tls/tls.key");
    assertThat(load(Map.of()).get(RTMPS_ENABLED)).isFalse();
  }

  private static CascadeConfig load(Map<String, String> env) {
    return ConfigLoader.load((Path) null, env, Map.of()).config();
  }
}
