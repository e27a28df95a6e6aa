package io.cascade.config;

/** How log lines are written. */
public enum LogFormat {
  /** Human-readable text with key=value fields. */
  TEXT,
  /** One JSON object per line, for log collectors. */
  JSON
}
