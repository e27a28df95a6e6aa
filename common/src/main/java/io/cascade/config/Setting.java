package io.cascade.config;

import java.util.function.Supplier;

/**
 * One row of the configuration schema: a dotted path, its type with bounds, its default and what it
 * does. The environment variable name, the docs row and the checks all derive from it; code reads
 * the value with {@link CascadeConfig#get(Setting)} as a {@code T}.
 *
 * @param <T> the Java type of the value
 */
public final class Setting<T> {
  static final String ENV_PREFIX = "CASCADE_";

  private final String path;
  private final ValueType<T> type;
  private final Supplier<T> defaultValue;
  private final String defaultDoc;
  private final String description;
  private final String envName;
  private final boolean secret;

  private Setting(
      String path,
      ValueType<T> type,
      Supplier<T> defaultValue,
      String defaultDoc,
      String description,
      boolean secret) {
    this.path = path;
    this.type = type;
    this.defaultValue = defaultValue;
    this.defaultDoc = defaultDoc;
    this.description = description;
    this.envName = envName(path);
    this.secret = secret;
  }

  /**
   * A setting whose default is written as text, so the default passes through the same parser and
   * bounds as user input and a bad default fails when the schema class loads.
   */
  static <T> Setting<T> of(String path, ValueType<T> type, String defaultText, String description) {
    T value = type.parse(defaultText);
    String doc = defaultText.isEmpty() ? "none" : "`" + type.format(value) + "`";
    return new Setting<>(path, type, () -> value, doc, description, false);
  }

  /**
   * A setting with no default whose value must never appear in messages or logs: the loader shows
   * {@code <redacted>} wherever it would quote it.
   */
  static <T> Setting<T> secret(String path, ValueType<T> type, String description) {
    T value = type.parse("");
    return new Setting<>(path, type, () -> value, "none", description, true);
  }

  /** A setting whose default depends on where the process runs, described in prose for the docs. */
  static <T> Setting<T> computed(
      String path,
      ValueType<T> type,
      Supplier<T> defaultValue,
      String defaultDoc,
      String description) {
    return new Setting<>(path, type, defaultValue, defaultDoc, description, false);
  }

  /** Dotted path, e.g. {@code rtmp.chunkSize}. */
  public String path() {
    return path;
  }

  /** Environment variable that overrides it, e.g. {@code CASCADE_RTMP_CHUNK_SIZE}. */
  public String envName() {
    return envName;
  }

  public ValueType<T> type() {
    return type;
  }

  /** The default value, computed on each call for settings such as {@code node.id}. */
  public T defaultValue() {
    return defaultValue.get();
  }

  /**
   * A value this setting's type parsed, as a {@code T}: the loader keeps values of all settings in
   * one map, and each came from {@link #type()}.
   */
  @SuppressWarnings("unchecked")
  T cast(Object value) {
    return (T) value;
  }

  /** {@link ValueType#format} of a value that came from this setting's type. */
  String format(Object value) {
    return type.format(cast(value));
  }

  /** The default as shown in the docs (Markdown). */
  public String defaultDoc() {
    return defaultDoc;
  }

  public String description() {
    return description;
  }

  /** Whether the value is a secret that messages and logs show as {@code <redacted>}. */
  public boolean secret() {
    return secret;
  }

  /**
   * {@code CASCADE_} followed by the path's segments joined by {@code _}, each camelCase segment
   * split into UPPER_SNAKE: {@code rtmp.chunkSize} is {@code CASCADE_RTMP_CHUNK_SIZE}.
   */
  static String envName(String path) {
    StringBuilder name = new StringBuilder(ENV_PREFIX);
    for (char c : path.toCharArray()) {
      if (c == '.') {
        name.append('_');
      } else if (Character.isUpperCase(c)) {
        name.append('_').append(c);
      } else {
        name.append(Character.toUpperCase(c));
      }
    }
    return name.toString();
  }

  @Override
  public String toString() {
    return path;
  }
}
