package io.cascade.config;

import java.util.List;

/**
 * A validated configuration and the warnings found while loading it (environment variables that
 * look like settings but are not), which the caller logs once logging is set up.
 */
public record LoadedConfig(CascadeConfig config, List<String> warnings) {
  public LoadedConfig {
    warnings = List.copyOf(warnings);
  }
}
