package io.cascade.config;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The validated configuration of one node: a value for every setting of {@link ConfigSchema},
 * read typed with {@link #get(Setting)} ({@code config.get(ConfigSchema.RTMP_PORT)} is an {@code
 * int}). Built by {@link ConfigLoader}; the settings records of each layer ({@code
 * LiveSettings.from(config)} and the like) are built from it.
 */
public final class CascadeConfig {
  private static volatile CascadeConfig defaults;

  /** Values by path, each parsed and checked by its setting's type. */
  private final Map<String, Object> values;

  CascadeConfig(Map<String, Object> values) {
    this.values = Map.copyOf(values);
  }

  /**
   * Every setting at its default, as a node without a config file or environment would run: the
   * one source of defaults for the settings records ({@code LiveSettings.defaults()} and the like).
   */
  public static CascadeConfig defaults() {
    CascadeConfig d = defaults;
    if (d == null) {
      d = ConfigLoader.load(null, Map.of(), Map.of()).config();
      defaults = d;
    }
    return d;
  }

  /**
   * The defaults with {@code overrides} by path, for tests that change a few settings; the values
   * are checked as {@link ConfigLoader#load} checks them.
   *
   * @throws ConfigException naming every key that is unknown or invalid
   */
  public static CascadeConfig with(Map<String, Object> overrides) {
    return ConfigLoader.load(null, Map.of(), overrides).config();
  }

  /** The value of {@code setting}. */
  public <T> T get(Setting<T> setting) {
    Object value = values.get(setting.path());
    if (value == null) {
      // Only a Setting built outside ConfigSchema can be missing: the loader fills in every one.
      throw new IllegalArgumentException(setting.path() + " is not a setting of ConfigSchema");
    }
    return setting.cast(value);
  }

  /** Every value by path in schema order, secrets shown as {@link ConfigLoader#REDACTED}. */
  @Override
  public String toString() {
    Map<String, String> shown = new LinkedHashMap<>();
    for (Setting<?> s : ConfigSchema.settings()) {
      String text = s.format(values.get(s.path()));
      shown.put(s.path(), s.secret() && !text.isEmpty() ? ConfigLoader.REDACTED : text);
    }
    return shown.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue())
        .collect(Collectors.joining(", ", "CascadeConfig[", "]"));
  }
}
