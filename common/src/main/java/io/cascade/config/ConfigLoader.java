package io.cascade.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import org.yaml.snakeyaml.representer.Representer;
import org.yaml.snakeyaml.resolver.Resolver;

/**
 * Builds a {@link CascadeConfig} from defaults, an optional YAML file, {@code CASCADE_*}
 * environment variables and programmatic overrides, each beating the one before.
 *
 * <p>Every value given is checked, even one that a later source replaces, so a mistake in the file
 * does not wait for the day the environment variable is removed. All problems are collected and
 * thrown together as one {@link ConfigException}.
 */
public final class ConfigLoader {
  private static final String DEFAULT_SOURCE = "default";
  /** Shown instead of the value of a secret setting. */
  public static final String REDACTED = "<redacted>";

  private final Map<String, Object> values = new HashMap<>();
  private final Map<String, String> sources = new HashMap<>();
  private final Set<String> invalid = new HashSet<>();
  private final List<String> problems = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  private ConfigLoader() {}

  /** Loads with the file named by {@code --config FILE} (or {@code --config=FILE}), if any. */
  public static LoadedConfig load(String[] args, Map<String, String> env) {
    return load(configFile(args), env, Map.of());
  }

  /**
   * Loads from {@code file} (may be null), the {@code CASCADE_*} entries of {@code env}, and {@code
   * overrides} by dotted path. An override value may be text as in YAML, a number, a {@link
   * Duration}, an enum constant or a list.
   *
   * @throws ConfigException naming every key that is unknown or invalid
   */
  public static LoadedConfig load(
      Path file, Map<String, String> env, Map<String, Object> overrides) {
    ConfigLoader loader = new ConfigLoader();
    if (file != null) {
      loader.readFile(file);
    }
    loader.readEnv(env);
    overrides.forEach((path, value) -> loader.set(path, overrideRaw(value), "override", ""));
    return loader.finish();
  }

  static Path configFile(String[] args) {
    Path file = null;
    for (int i = 0; i < args.length; i++) {
      String value;
      if (args[i].equals("--config") && i + 1 < args.length) {
        value = args[++i];
      } else if (args[i].startsWith("--config=")) {
        value = args[i].substring("--config=".length());
      } else if (args[i].equals("--config")) {
        throw new ConfigException("--config needs a file name");
      } else {
        throw new ConfigException("unknown argument " + args[i] + " (usage: [--config FILE])");
      }
      if (file != null) {
        throw new ConfigException("--config given more than once");
      }
      if (value.isBlank()) {
        throw new ConfigException("--config needs a file name");
      }
      file = Path.of(value);
    }
    return file;
  }

  private void readFile(Path file) {
    Object root;
    try (Reader reader = Files.newBufferedReader(file)) {
      root = yaml().load(reader);
    } catch (NoSuchFileException e) {
      problems.add("config file " + file + " does not exist");
      return;
    } catch (IOException e) {
      problems.add("cannot read config file " + file + ": " + e.getMessage());
      return;
    } catch (MarkedYAMLException e) {
      Mark mark = e.getProblemMark();
      String where =
          mark == null
              ? ""
              : " line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
      problems.add(file + where + ": " + e.getProblem());
      return;
    } catch (YAMLException e) {
      problems.add(file + ": " + e.getMessage());
      return;
    }
    if (root instanceof Map<?, ?> map) {
      readSection(map, "", "file " + file, new HashSet<>());
    } else if (root != null) {
      problems.add(file + ": expected keys such as rtmp: at the top level");
    }
  }

  /** Walks nested keys; a dotted key such as {@code rtmp.port: 1935} is read as its path too. */
  private void readSection(Map<?, ?> section, String prefix, String source, Set<String> seen) {
    for (Map.Entry<?, ?> entry : section.entrySet()) {
      String path = prefix + entry.getKey();
      Object value = entry.getValue();
      if (ConfigSchema.byPath(path).isPresent()) {
        if (!seen.add(path)) {
          problem(path, "set more than once", source);
        } else if (value == null) {
          problem(path, "has no value (remove the key to use the default)", source);
        } else if (value instanceof Map) {
          problem(path, "expected a value, got a section of keys", source);
        } else if (value instanceof List<?> list) {
          if (list.stream().allMatch(ConfigLoader::isScalar)) {
            set(path, list.stream().map(String::valueOf).toList(), source, "");
          } else {
            problem(path, "list items must be plain values", source);
          }
        } else if (isScalar(value)) {
          set(path, String.valueOf(value), source, "");
        } else {
          problem(path, "unsupported YAML value " + value.getClass().getSimpleName(), source);
        }
      } else if (ConfigSchema.isSection(path)) {
        if (value instanceof Map<?, ?> map) {
          readSection(map, path + ".", source, seen);
        } else if (value != null) {
          // null is a section whose keys are all commented out, which is fine.
          problem(path, "expected a section of keys, got a value", source);
        }
      } else {
        unknownKey(path, source);
      }
    }
  }

  private void readEnv(Map<String, String> env) {
    List<String> ignored = new ArrayList<>();
    for (Map.Entry<String, String> entry : new TreeMap<>(env).entrySet()) {
      String name = entry.getKey();
      if (!name.startsWith(Setting.ENV_PREFIX)) {
        continue;
      }
      Optional<Setting<?>> setting = ConfigSchema.byEnvName(name);
      if (setting.isPresent()) {
        String value = entry.getValue();
        set(setting.get().path(), value, "env " + name, serviceLinkHint(name, value));
        continue;
      }
      Optional<String> near =
          nearest(name, ConfigSchema.settings().stream().map(s -> s.envName()), 2);
      if (near.isPresent()) {
        warnings.add(name + " is not a Cascade setting and is ignored; did you mean " + near.get());
      } else {
        ignored.add(name);
      }
    }
    // One line for all of them: Kubernetes adds several per Service named cascade-*.
    if (!ignored.isEmpty()) {
      warnings.add(
          "ignored environment variables that are not Cascade settings (Kubernetes service"
              + " links look like this): "
              + String.join(", ", ignored));
    }
  }

  /**
   * Kubernetes sets {@code <SERVICE>_PORT=tcp://ip:port} for each Service in the namespace, so a
   * Service named cascade-rtmp sets CASCADE_RTMP_PORT. Say so when such a value fails to parse.
   */
  private static String serviceLinkHint(String name, String value) {
    if (!value.matches("(tcp|udp|sctp)://.*") || !name.endsWith("_PORT")) {
      return "";
    }
    String prefix = name.substring(0, name.length() - "_PORT".length());
    String service = prefix.toLowerCase(Locale.ROOT).replace('_', '-');
    return "; this looks like a Kubernetes service link for a Service named "
        + service
        + ": rename the Service or set enableServiceLinks: false in the pod spec";
  }

  private void set(String path, Object raw, String source, String hint) {
    Optional<Setting<?>> setting = ConfigSchema.byPath(path);
    if (setting.isEmpty()) {
      unknownKey(path, source);
      return;
    }
    try {
      values.put(path, setting.get().type().parse(raw));
      sources.put(path, source);
    } catch (IllegalArgumentException e) {
      String what = setting.get().secret() ? redact(e.getMessage(), raw) : e.getMessage();
      problem(path, what + hint, source);
    }
  }

  /** Replaces every piece of a secret's text in {@code message}, longest first. */
  private static String redact(String message, Object raw) {
    List<String> texts = new ArrayList<>();
    if (raw instanceof List<?> list) {
      list.forEach(item -> texts.add(String.valueOf(item)));
    } else {
      texts.add(String.valueOf(raw));
      texts.addAll(List.of(String.valueOf(raw).split(",")));
    }
    texts.sort((a, b) -> b.length() - a.length());
    for (String text : texts) {
      for (String piece : List.of(text, text.trim())) {
        if (!piece.isBlank()) {
          message = message.replace(piece, REDACTED);
        }
      }
    }
    return message;
  }

  private LoadedConfig finish() {
    for (Setting<?> s : ConfigSchema.settings()) {
      if (!values.containsKey(s.path()) && !invalid.contains(s.path())) {
        values.put(s.path(), s.defaultValue());
        sources.put(s.path(), DEFAULT_SOURCE);
      }
    }
    for (ConfigSchema.Constraint<?, ?> c : ConfigSchema.constraints()) {
      String path = c.setting().path();
      String other = c.other().path();
      if (invalid.contains(path) || invalid.contains(other)) {
        continue;
      }
      if (!c.holds(values)) {
        problems.add(
            path + " (" + describe(path) + ") " + c.relation() + " " + other + " ("
                + describe(other) + ")");
      }
    }
    if (!problems.isEmpty()) {
      throw new ConfigException(problems);
    }
    return new LoadedConfig(new CascadeConfig(values), warnings);
  }

  private String describe(String path) {
    Setting<?> setting = ConfigSchema.byPath(path).orElseThrow();
    String text = setting.format(values.get(path));
    if (setting.secret()) {
      text = REDACTED;
    } else if (text.isEmpty()) {
      text = "none";
    }
    return text + ", " + sources.get(path);
  }

  private void unknownKey(String path, String source) {
    Stream<String> candidates =
        ConfigSchema.settings().stream()
            .flatMap(s -> Stream.of(s.path(), s.path().substring(0, s.path().lastIndexOf('.'))));
    String suggestion =
        nearest(path, candidates, 3).map(p -> "; did you mean " + p + "?").orElse("");
    problem(path, "unknown key" + suggestion, source);
  }

  /** Records a problem; the path then stays out of cross-field checks, which would only echo it. */
  private void problem(String path, String what, String source) {
    invalid.add(path);
    problems.add(path + ": " + what + " (" + source + ")");
  }

  /** The candidate closest to {@code name} ignoring case, if within {@code maxDistance} edits. */
  private static Optional<String> nearest(String name, Stream<String> candidates, int maxDistance) {
    String lower = name.toLowerCase(Locale.ROOT);
    String best = null;
    int bestDistance = maxDistance + 1;
    for (String candidate : candidates.distinct().toList()) {
      int distance = editDistance(lower, candidate.toLowerCase(Locale.ROOT));
      if (distance < bestDistance) {
        best = candidate;
        bestDistance = distance;
      }
    }
    return Optional.ofNullable(best);
  }

  private static int editDistance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }

  /** Explicit YAML tags (!!int) can still yield numbers and booleans; they are read as text. */
  private static boolean isScalar(Object value) {
    return value instanceof String || value instanceof Number || value instanceof Boolean;
  }


  private static Object overrideRaw(Object value) {
    return value instanceof List<?> list
        ? list.stream().map(ConfigLoader::overrideText).toList()
        : overrideText(value);
  }

  private static String overrideText(Object value) {
    return value instanceof Duration d ? d.toMillis() + "ms" : String.valueOf(value);
  }

  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    DumperOptions dumperOptions = new DumperOptions();
    return new Yaml(
        new SafeConstructor(options),
        new Representer(dumperOptions),
        dumperOptions,
        options,
        new TextResolver());
  }

  /**
   * Resolves every plain scalar to text except null, so YAML values go through the same parsers
   * as environment variables; YAML 1.1 would otherwise read {@code on} as true and {@code 010} as
   * 8.
   */
  private static final class TextResolver extends Resolver {
    @Override
    protected void addImplicitResolvers() {
      addImplicitResolver(Tag.NULL, NULL, "~nN\0");
      addImplicitResolver(Tag.NULL, EMPTY, null);
    }
  }
}
