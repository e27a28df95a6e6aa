package io.cascade.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RecordingRuleTest {

  @Test
  void globsMatchAppAndStreamWhole() {
    RecordingRule rule = RecordingRule.parse("live/cam-?");
    assertThat(rule.matches("live", "cam-1")).isTrue();
    assertThat(rule.matches("live", "cam-12")).isFalse();
    assertThat(rule.matches("live2", "cam-1")).isFalse();
    assertThat(RecordingRule.parse("*/*").matches("any", "thing.with.dots")).isTrue();
    assertThat(RecordingRule.parse("li*e/a.b").matches("live", "a.b")).isTrue();
    assertThat(RecordingRule.parse("li*e/a.b").matches("live", "axb")).as("a dot is a dot").isFalse();
    assertThat(RecordingRule.parse("live/[x]").matches("live", "[x]")).isTrue();
  }

  @Test
  void segmentAndFormatAreOptionalFields() {
    RecordingRule rule = RecordingRule.parse("events/* ; segment=4s ; format=FMP4");
    assertThat(rule.segment()).contains(Duration.ofSeconds(4));
    assertThat(rule.format()).isEqualTo(RecordingRule.RecordingFormat.FMP4);
    assertThat(RecordingRule.parse("live/*").segmentOr(Duration.ofSeconds(6))).isEqualTo(Duration.ofSeconds(6));
    assertThat(RecordingRule.parse("live/*").segment()).isEqualTo(Optional.empty());
  }

  @Test
  void malformedRulesSayWhatIsWrong() {
    assertThatThrownBy(() -> RecordingRule.parse("live")).hasMessageContaining("APP/STREAM");
    assertThatThrownBy(() -> RecordingRule.parse("live/a/b")).hasMessageContaining("APP/STREAM");
    assertThatThrownBy(() -> RecordingRule.parse("live/*;format=flv")).hasMessageContaining("not supported");
    assertThatThrownBy(() -> RecordingRule.parse("live/*;segment=100ms")).hasMessageContaining("not in");
    assertThatThrownBy(() -> RecordingRule.parse("live/*;size=1")).hasMessageContaining("unknown field");
  }

  @Test
  void theSettingIsAListFromYamlOrFromOneCommaSeparatedVariable() {
    CascadeConfig fromEnv = ConfigLoader.load(null, Map.of("CASCADE_RECORDING_RULES", "live/*, events/cam-?;segment=4s"),
        Map.of()).config();
    List<RecordingRule> rules = fromEnv.get(ConfigSchema.RECORDING_RULES);
    assertThat(rules).extracting(RecordingRule::streamGlob).containsExactly("*", "cam-?");
    assertThat(ConfigLoader.load(null, Map.of(), Map.of()).config().get(ConfigSchema.RECORDING_RULES)).isEmpty();
  }
}
