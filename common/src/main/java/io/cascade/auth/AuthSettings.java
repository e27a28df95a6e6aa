package io.cascade.auth;

import static io.cascade.config.ConfigSchema.AUTH_PLAY;
import static io.cascade.config.ConfigSchema.AUTH_PUBLISH;
import static io.cascade.config.ConfigSchema.AUTH_WEBHOOK_MAX_CONCURRENT;
import static io.cascade.config.ConfigSchema.AUTH_WEBHOOK_MAX_QUEUED;

import io.cascade.config.CascadeConfig;
import io.cascade.config.Cidr;
import io.cascade.config.ConfigLoader;
import io.cascade.config.ConfigSchema.AuthRules;
import java.time.Duration;
import java.util.List;

/** Admission rules for publishes and plays, and the webhook notification queue, from {@code auth.*}. */
public record AuthSettings(AuthSettings.Rules publish, AuthSettings.Rules play, AuthSettings.Webhook webhook) {

  public static AuthSettings from(CascadeConfig config) {
    return new AuthSettings(rules(config, AUTH_PUBLISH), rules(config, AUTH_PLAY),
        new Webhook(config.get(AUTH_WEBHOOK_MAX_CONCURRENT), config.get(AUTH_WEBHOOK_MAX_QUEUED)));
  }

  private static Rules rules(CascadeConfig config, AuthRules r) {
    return new Rules(config.get(r.apps()), config.get(r.allow()), config.get(r.deny()), config.get(r.secrets()),
        new RulesWebhook(config.get(r.webhookUrl()), config.get(r.webhookTimeout()), config.get(r.webhookFailOpen())));
  }

  /**
   * The rules of one action. Empty lists mean: every app, any address, no signing; an empty
   * {@code webhook.url} means no webhook.
   */
  public record Rules(
      List<String> apps, List<Cidr> allow, List<Cidr> deny, List<String> secrets, RulesWebhook webhook) {
    public Rules {
      apps = List.copyOf(apps);
      allow = List.copyOf(allow);
      deny = List.copyOf(deny);
      secrets = List.copyOf(secrets);
    }

    /** Whether any rule is set, i.e. the action is checked at all. */
    public boolean active() {
      return !allow.isEmpty() || !deny.isEmpty() || !secrets.isEmpty() || !webhook.url().isEmpty();
    }

    /** Keeps the secrets and the webhook URL out of logs and messages. */
    @Override
    public String toString() {
      return "Rules[apps=" + apps + ", allow=" + allow + ", deny=" + deny + ", secrets="
          + (secrets.isEmpty() ? "[]" : ConfigLoader.REDACTED) + ", webhook=" + webhook + "]";
    }
  }

  public record RulesWebhook(String url, Duration timeout, boolean failOpen) {
    @Override
    public String toString() {
      return "Webhook[url=" + (url.isEmpty() ? "" : ConfigLoader.REDACTED) + ", timeout=" + timeout
          + ", failOpen=" + failOpen + "]";
    }
  }

  public record Webhook(int maxConcurrent, int maxQueued) {}
}
