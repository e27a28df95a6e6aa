package io.cascade.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.config.ValueType.BooleanType;
import io.cascade.config.ValueType.DurationType;
import io.cascade.config.ValueType.EnumType;
import io.cascade.config.ValueType.IntType;
import io.cascade.config.ValueType.ListType;
import io.cascade.config.ValueType.SizeType;
import io.cascade.config.ValueType.StringType;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ValueTypeTest {
  private static final DurationType DURATION =
      new DurationType(Duration.ZERO, Duration.ofHours(24));
  private static final SizeType SIZE = new SizeType(0, 1L << 40);

  @ParameterizedTest
  @CsvSource({
    "250ms, 250, 250ms",
    "10s, 10000, 10s",
    "2m, 120000, 2m",
    "1h, 3600000, 1h",
    "1500, 1500, 1500ms",
    "90s, 90000, 90s",
    "'5 s', 5000, 5s",
    "0, 0, 0"
  })
  void parsesAndFormatsDurations(String text, long millis, String formatted) {
    Duration value = DURATION.parse(text);

    assertThat(value).isEqualTo(Duration.ofMillis(millis));
    assertThat(DURATION.format(value)).isEqualTo(formatted);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.5s", "10 sec", "-1s", "", "s", "10S", "1d", "PT10S"})
  void rejectsMalformedDurations(String text) {
    assertThatThrownBy(() -> DURATION.parse(text))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("'" + text + "' is not a duration");
  }

  @Test
  void durationOutsideBoundsNamesTheBounds() {
    DurationType timeout = new DurationType(Duration.ofMillis(100), Duration.ofMinutes(5));

    assertThatThrownBy(() -> timeout.parse("10")).hasMessage("10 is not in 100ms..5m");
    assertThatThrownBy(() -> timeout.parse("999999999999999h"))
        .hasMessage("999999999999999h is not in 100ms..5m");
  }

  @ParameterizedTest
  @CsvSource({
    "512KiB, 524288, 512KiB",
    "16MiB, 16777216, 16MiB",
    "1GiB, 1073741824, 1GiB",
    "1000, 1000, 1000",
    "1024, 1024, 1KiB",
    "16mib, 16777216, 16MiB",
    "'64 KiB', 65536, 64KiB",
    "7B, 7, 7"
  })
  void parsesAndFormatsSizes(String text, long bytes, String formatted) {
    long value = SIZE.parse(text);

    assertThat(value).isEqualTo(bytes);
    assertThat(SIZE.format(value)).isEqualTo(formatted);
  }

  @ParameterizedTest
  @CsvSource({"16MB, 16MiB", "512k, 512KiB", "1G, 1GiB", "2tb, 2TiB"})
  void refusesAmbiguousSizeUnits(String text, String suggestion) {
    assertThatThrownBy(() -> SIZE.parse(text))
        .hasMessage(
            "'%s' has an ambiguous unit (use %s, 1024-based, or a plain number of bytes)",
            text, suggestion);
  }

  @ParameterizedTest
  @ValueSource(strings = {"1.5MiB", "lots", "-1", "", "MiB"})
  void rejectsMalformedSizes(String text) {
    assertThatThrownBy(() -> SIZE.parse(text))
        .hasMessageStartingWith("'" + text + "' is not a size");
  }

  @Test
  void sizeThatOverflowsIsOutOfRange() {
    assertThatThrownBy(() -> SIZE.parse("999999999999999GiB"))
        .hasMessage("999999999999999GiB is not in 0..1024GiB");
  }

  @Test
  void integersAreCheckedForSyntaxAndBounds() {
    IntType port = new IntType(0, 65535);

    assertThat(port.parse(" 8080 ")).isEqualTo(8080);
    assertThatThrownBy(() -> port.parse("abc")).hasMessage("'abc' is not an integer");
    assertThatThrownBy(() -> port.parse("1e3")).hasMessage("'1e3' is not an integer");
    assertThatThrownBy(() -> port.parse("-1")).hasMessage("-1 is not in 0..65535");
    assertThatThrownBy(() -> port.parse("99999999999"))
        .hasMessage("99999999999 is not in 0..65535");
  }

  @Test
  void booleansAreTrueOrFalseOnly() {
    BooleanType type = new BooleanType();

    assertThat(type.parse("TRUE")).isEqualTo(true);
    assertThat(type.parse("false")).isEqualTo(false);
    assertThatThrownBy(() -> type.parse("yes")).hasMessage("'yes' is not true or false");
  }

  @Test
  void stringsMustNotBeEmpty() {
    assertThat(new StringType().parse(" origin-1 ")).isEqualTo("origin-1");
    assertThatThrownBy(() -> new StringType().parse("  ")).hasMessage("must not be empty");
  }

  @Test
  void enumsAreReadInAnyCaseAndWrittenInLowerCase() {
    EnumType type = new EnumType(LogFormat.class);

    assertThat(type.parse("Json")).isEqualTo(LogFormat.JSON);
    assertThat(type.format(LogFormat.TEXT)).isEqualTo("text");
    assertThatThrownBy(() -> type.parse("xml")).hasMessage("'xml' is not one of text, json");
  }

  @Test
  void scalarTypesRefuseLists() {
    assertThatThrownBy(() -> new IntType(0, 1).parse(List.of("1")))
        .hasMessage("expected a single value, got a list");
  }

  @Test
  void listsComeAsYamlListsOrCommaSeparatedText() {
    ListType<HostPort> members = new ListType<>("host:port", HostPort::parse);

    assertThat(members.parse("a:1, b:2"))
        .isEqualTo(List.of(new HostPort("a", 1), new HostPort("b", 2)));
    assertThat(members.parse(List.of("a:1", " b:2 ")))
        .isEqualTo(List.of(new HostPort("a", 1), new HostPort("b", 2)));
    assertThat(members.parse("")).isEqualTo(List.of());
    assertThat(members.format(List.of(new HostPort("a", 1), new HostPort("::1", 2))))
        .isEqualTo("a:1,[::1]:2");
    assertThatThrownBy(() -> members.parse("a:1,,b:2")).hasMessage("list has an empty item");
    assertThatThrownBy(() -> members.parse("a:1,b")).hasMessage("'b' is not host:port");
  }

  @Test
  void hostPortsParseNamesIpv4AndBracketedIpv6() {
    assertThat(HostPort.parse("origin-1.cascade.svc:5701"))
        .isEqualTo(new HostPort("origin-1.cascade.svc", 5701));
    assertThat(HostPort.parse("10.0.0.1:1")).isEqualTo(new HostPort("10.0.0.1", 1));
    assertThat(HostPort.parse("[fd00::1]:5701")).isEqualTo(new HostPort("fd00::1", 5701));
    assertThat(new HostPort("fd00::1", 5701)).hasToString("[fd00::1]:5701");
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "host|'host' is not host:port",
        ":80|':80' is not host:port",
        "fd00::1:5701|'fd00::1:5701' is not host:port",
        "a:0|'a:0': port 0 is not in 1..65535",
        "a:70000|'a:70000': port 70000 is not in 1..65535",
        "a b:1|'a b:1' is not host:port"
      })
  void hostPortsRejectMalformedText(String text, String message) {
    assertThatThrownBy(() -> HostPort.parse(text)).hasMessage(message);
  }
}
