package io.cascade.config;

import java.util.List;

/**
 * The configuration cannot be used; start-up stops. Carries every problem found, each naming the
 * key and where its value came from, so an operator fixes them all in one round.
 */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final List<String> problems;

  public ConfigException(List<String> problems) {
    super(String.join("; ", problems));
    this.problems = List.copyOf(problems);
  }

  public ConfigException(String problem) {
    this(List.of(problem));
  }

  /**
   * One entry per problem, e.g. {@code rtmp.port: 70000 is not in 0..65535 (file cascade.yaml)}.
   */
  public List<String> problems() {
    return problems;
  }
}
