package io.cascade.logging;

import io.cascade.config.LogFormat;

/**
 * Chooses the log layout before the first logger exists. Logback reads
 * {@code logback.configurationFile} once, at initialisation, so a main class calls this right
 * after loading its configuration and before touching any logger.
 */
public final class LogSetup {
  private static final String PROPERTY = "logback.configurationFile";

  private LogSetup() {
  }

  public static void apply(LogFormat format) {
    if (System.getProperty(PROPERTY) != null) {
      return;
    }
    System.setProperty(PROPERTY, format == LogFormat.JSON ? "logback-json.xml" : "logback.xml");
    // Vert.x and Netty log through SLF4J when it is present; make it explicit.
    System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
  }
}
