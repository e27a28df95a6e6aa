package io.cascade.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The type of a setting: how its text is parsed and checked, how a value is written back (docs,
 * messages) and how the type is named in the docs.
 *
 * <p>Every value reaches {@link #parse} as text or a list of texts, whether it came from YAML (all
 * scalars are read as strings), the environment or a test override, so each source is held to the
 * same rules. Parse failures are {@link IllegalArgumentException}s whose message says what is wrong
 * without the key; the loader adds the key and where the value came from.
 */
public sealed interface ValueType<T> {

  /** Parses {@code raw}, a {@code String} or a {@code List<String>}. */
  default T parse(Object raw) {
    if (raw instanceof List) {
      throw new IllegalArgumentException("expected a single value, got a list");
    }
    return parseText(((String) raw).trim());
  }

  T parseText(String text);

  /** Writes a value so that {@link #parse} reads it back. */
  String format(T value);

  /** The type as shown in the docs, with its bounds. */
  String describe();

  /** A 32-bit integer within {@code min..max}. */
  record IntType(int min, int max) implements ValueType<Integer> {
    @Override
    public Integer parseText(String text) {
      long value = parseInteger(text);
      if (value < min || value > max) {
        throw outOfRange(text, min + ".." + max);
      }
      return (int) value;
    }

    @Override
    public String format(Integer value) {
      return value.toString();
    }

    @Override
    public String describe() {
      return "int " + min + ".." + max;
    }
  }

  /** A 64-bit integer within {@code min..max}, for quantities such as unsigned 32-bit fields. */
  record LongType(long min, long max) implements ValueType<Long> {
    @Override
    public Long parseText(String text) {
      long value = parseInteger(text);
      if (value < min || value > max) {
        throw outOfRange(text, min + ".." + max);
      }
      return value;
    }

    @Override
    public String format(Long value) {
      return value.toString();
    }

    @Override
    public String describe() {
      return "int " + min + ".." + max;
    }
  }

  /** {@code true} or {@code false}, in any case; YAML's yes/no/on/off are not accepted. */
  record BooleanType() implements ValueType<Boolean> {
    @Override
    public Boolean parseText(String text) {
      if (text.equalsIgnoreCase("true")) {
        return Boolean.TRUE;
      }
      if (text.equalsIgnoreCase("false")) {
        return Boolean.FALSE;
      }
      throw new IllegalArgumentException(quote(text) + " is not true or false");
    }

    @Override
    public String format(Boolean value) {
      return value.toString();
    }

    @Override
    public String describe() {
      return "boolean";
    }
  }

  /**
   * A string, trimmed; empty only where {@code allowEmpty} says so, for settings whose absence
   * means "work it out" (such as an advertised address).
   */
  record StringType(boolean allowEmpty) implements ValueType<String> {
    public StringType() {
      this(false);
    }

    @Override
    public String parseText(String text) {
      if (text.isEmpty() && !allowEmpty) {
        throw new IllegalArgumentException("must not be empty");
      }
      return text;
    }

    @Override
    public String format(String value) {
      return value.toString();
    }

    @Override
    public String describe() {
      return "string";
    }
  }

  /** One of the constants of a Java enum, written in lower case and read in any case. */
  record EnumType<E extends Enum<E>>(Class<E> enumClass) implements ValueType<E> {
    @Override
    public E parseText(String text) {
      for (E constant : enumClass.getEnumConstants()) {
        if (constant.name().equalsIgnoreCase(text)) {
          return constant;
        }
      }
      throw new IllegalArgumentException(quote(text) + " is not one of " + choices());
    }

    @Override
    public String format(E value) {
      return value.name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String describe() {
      return "enum " + choices();
    }

    private String choices() {
      return Arrays.stream(enumClass.getEnumConstants())
          .map(this::format)
          .collect(Collectors.joining(", "));
    }
  }

  /**
   * A duration such as {@code 250ms}, {@code 10s}, {@code 2m} or {@code 1h}; a plain number is
   * milliseconds, the unit most timeouts in other servers use.
   */
  record DurationType(Duration min, Duration max) implements ValueType<Duration> {
    private static final Pattern SYNTAX = Pattern.compile("(\\d{1,15})\\s*(ms|s|m|h)?");

    @Override
    public Duration parseText(String text) {
      Matcher m = SYNTAX.matcher(text);
      if (!m.matches()) {
        throw new IllegalArgumentException(
            quote(text) + " is not a duration (use e.g. 250ms, 10s, 2m, 1h; a plain number is ms)");
      }
      long amount = Long.parseLong(m.group(1));
      String unit = m.group(2) == null ? "ms" : m.group(2);
      Duration value =
          switch (unit) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
          };
      if (value.compareTo(min) < 0 || value.compareTo(max) > 0) {
        throw outOfRange(text, format(min) + ".." + format(max));
      }
      return value;
    }

    @Override
    public String format(Duration value) {
      long millis = value.toMillis();
      if (millis == 0) {
        return "0";
      }
      if (millis % 3_600_000 == 0) {
        return millis / 3_600_000 + "h";
      }
      if (millis % 60_000 == 0) {
        return millis / 60_000 + "m";
      }
      if (millis % 1000 == 0) {
        return millis / 1000 + "s";
      }
      return millis + "ms";
    }

    @Override
    public String describe() {
      return "duration " + format(min) + ".." + format(max);
    }
  }

  /**
   * A byte count such as {@code 512KiB}, {@code 16MiB} or {@code 1GiB}; a plain number is bytes.
   * KB/MB/GB are refused rather than guessed: half of the world means 1000 by them and half 1024.
   */
  record SizeType(long min, long max) implements ValueType<Long> {
    private static final Pattern SYNTAX =
        Pattern.compile("(\\d{1,15})\\s*(B|KiB|MiB|GiB)?", Pattern.CASE_INSENSITIVE);
    private static final Pattern AMBIGUOUS =
        Pattern.compile("(\\d+)\\s*([KMGT])B?", Pattern.CASE_INSENSITIVE);
    private static final String[] UNITS = {"B", "KiB", "MiB", "GiB"};

    @Override
    public Long parseText(String text) {
      Matcher m = SYNTAX.matcher(text);
      if (!m.matches()) {
        Matcher ambiguous = AMBIGUOUS.matcher(text);
        if (ambiguous.matches()) {
          throw new IllegalArgumentException(
              quote(text)
                  + " has an ambiguous unit (use "
                  + ambiguous.group(1)
                  + ambiguous.group(2).toUpperCase(Locale.ROOT)
                  + "iB, 1024-based, or a plain number of bytes)");
        }
        throw new IllegalArgumentException(
            quote(text) + " is not a size (use e.g. 512KiB, 16MiB, 1GiB; a plain number is bytes)");
      }
      int power = m.group(2) == null ? 0 : unitPower(m.group(2));
      long value = Long.parseLong(m.group(1)) << (10 * power);
      if (value >>> (10 * power) != Long.parseLong(m.group(1)) || value < min || value > max) {
        throw outOfRange(text, format(min) + ".." + format(max));
      }
      return value;
    }

    private static int unitPower(String unit) {
      for (int i = 0; i < UNITS.length; i++) {
        if (UNITS[i].equalsIgnoreCase(unit)) {
          return i;
        }
      }
      throw new IllegalStateException(unit);
    }

    @Override
    public String format(Long value) {
      long bytes = value;
      int power = 0;
      while (power < UNITS.length - 1 && bytes != 0 && bytes % 1024 == 0) {
        bytes /= 1024;
        power++;
      }
      return power == 0 ? Long.toString(bytes) : bytes + UNITS[power];
    }

    @Override
    public String describe() {
      return "size " + format(min) + ".." + format(max);
    }
  }

  /**
   * A list: a YAML sequence, or one text with items separated by commas (the environment's form).
   * An empty text is an empty list.
   */
  record ListType<E>(String itemName, Function<String, E> itemParser) implements ValueType<List<E>> {
    @Override
    public List<E> parse(Object raw) {
      List<String> items =
          raw instanceof List<?> list
              ? list.stream().map(item -> ((String) item).trim()).toList()
              : splitCommas((String) raw);
      List<E> values = new ArrayList<>(items.size());
      for (String item : items) {
        if (item.isEmpty()) {
          throw new IllegalArgumentException("list has an empty item");
        }
        values.add(itemParser.apply(item));
      }
      return List.copyOf(values);
    }

    private static List<String> splitCommas(String text) {
      return text.isBlank()
          ? List.of()
          : Arrays.stream(text.split(",", -1)).map(String::trim).toList();
    }

    @Override
    public List<E> parseText(String text) {
      return parse(text);
    }

    @Override
    public String format(List<E> value) {
      return value.stream().map(Object::toString).collect(Collectors.joining(","));
    }

    @Override
    public String describe() {
      return "list of " + itemName;
    }
  }

  private static long parseInteger(String text) {
    if (!text.matches("-?\\d{1,18}")) {
      throw new IllegalArgumentException(quote(text) + " is not an integer");
    }
    return Long.parseLong(text);
  }

  private static IllegalArgumentException outOfRange(String text, String range) {
    return new IllegalArgumentException(text + " is not in " + range);
  }

  private static String quote(String text) {
    return "'" + text + "'";
  }
}
