package io.cascade.rtmp.amf;

import static io.cascade.rtmp.amf.AmfBytes.decode0;
import static io.cascade.rtmp.amf.AmfBytes.decode3;
import static io.cascade.rtmp.amf.AmfBytes.encode0;
import static io.cascade.rtmp.amf.AmfBytes.encode3;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.config.ConfigSchema;
import java.util.List;
import org.junit.jupiter.api.Test;

class AmfLimitsTest {

  @Test
  void defaultsAreTheSchemasRtmpAmfSettings() {
    assertThat(AmfLimits.DEFAULTS).isEqualTo(new AmfLimits(ConfigSchema.RTMP_AMF_MAX_DEPTH.defaultValue(),
        Math.toIntExact(ConfigSchema.RTMP_AMF_MAX_STRING_LENGTH.defaultValue()),
        ConfigSchema.RTMP_AMF_MAX_ELEMENTS.defaultValue()));
  }

  @Test
  void rejectsNonsense() {
    assertThatThrownBy(() -> new AmfLimits(0, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AmfLimits(AmfLimits.MAX_DEPTH + 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AmfLimits(1, -1, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AmfLimits(1, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThat(new AmfLimits(AmfLimits.MAX_DEPTH, 0, 1).maxDepth()).isEqualTo(AmfLimits.MAX_DEPTH);
  }

  @Test
  void stringLengthIsInUtf8Bytes() {
    AmfLimits limits = new AmfLimits(8, 4, 100);

    assertThat(decode0(encode0("\u00e9\u00e9"), limits)).isEqualTo("\u00e9\u00e9");
    assertThatThrownBy(() -> decode0(encode0("\u00e9\u00e9a"), limits))
        .isInstanceOf(AmfException.class).hasMessageContaining("5 bytes exceeds the limit of 4");
    assertThatThrownBy(() -> decode0(encode0(new AmfObject().with("abcde", 1)), limits))
        .isInstanceOf(AmfException.class);
    assertThatThrownBy(() -> decode3(encode3(new byte[5]), limits))
        .isInstanceOf(AmfException.class).hasMessageContaining("byte array");
  }

  @Test
  void elementsCountEveryValue() {
    AmfLimits limits = new AmfLimits(8, 100, 4);

    assertThat(decode0(encode0(List.of(1, 2, 3)), limits)).isEqualTo(List.of(1.0, 2.0, 3.0));
    assertThatThrownBy(() -> decode0(encode0(List.of(1, 2, 3, 4)), limits))
        .isInstanceOf(AmfException.class).hasMessageContaining("4 entries");
    assertThatThrownBy(() -> decode0(encode0(new AmfObject().with("a", 1).with("b", 2)
        .with("c", 3).with("d", 4)), limits))
        .isInstanceOf(AmfException.class).hasMessageContaining("more than 4");
    assertThatThrownBy(() -> decode3(encode3(new AmfDictionary().with(1, 2).with(3, 4)), limits))
        .isInstanceOf(AmfException.class);
  }

  @Test
  void depthCountsContainers() {
    AmfLimits limits = new AmfLimits(2, 100, 100);

    assertThat(decode0(encode0(List.of(List.of("leaf"))), limits))
        .isEqualTo(List.of(List.of("leaf")));
    assertThatThrownBy(() -> decode0(encode0(List.of(List.of(List.of()))), limits))
        .isInstanceOf(AmfException.class).hasMessageContaining("deeper than 2");
    List<?> leaves = (List<?>) decode3(
        encode3(List.of(new AmfDate(0), new byte[1])), new AmfLimits(1, 100, 100));
    assertThat(leaves).as("dates and byte arrays are leaves").hasSize(2);
  }
}
