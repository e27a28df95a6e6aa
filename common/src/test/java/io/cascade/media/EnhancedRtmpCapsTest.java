package io.cascade.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EnhancedRtmpCapsTest {
  /** A connect command object as the AMF decoder hands it over. */
  private static Map<String, Object> connect(Object... entries) {
    Map<String, Object> command = new LinkedHashMap<>();
    command.put("app", "live");
    command.put("flashVer", "FMLE/3.0 (compatible; FMSc/1.0)");
    command.put("tcUrl", "rtmp://localhost/live");
    command.put("objectEncoding", 0.0);
    for (int i = 0; i < entries.length; i += 2) {
      command.put((String) entries[i], entries[i + 1]);
    }
    return command;
  }

  @Test
  void echoesTheOfferedFourCcsAndStatesForwarding() {
    Map<String, Object> result = EnhancedRtmpCaps.resultProperties(connect(
        "fourCcList", List.of("av01", "vp09", "hvc1", "avc1", "Opus", "av01"),
        "capsEx", 2.0));

    assertThat(result).containsOnlyKeys("fourCcList", "videoFourCcInfoMap", "audioFourCcInfoMap", "capsEx");
    assertThat(result.keySet()).containsExactly("fourCcList", "videoFourCcInfoMap", "audioFourCcInfoMap", "capsEx");
    assertThat(result.get("fourCcList")).isInstanceOf(List.class)
        .isEqualTo(List.of("av01", "vp09", "hvc1", "avc1", "Opus"));
    assertThat(result.get("videoFourCcInfoMap")).isEqualTo(Map.of("*", 4.0));
    assertThat(result.get("audioFourCcInfoMap")).isEqualTo(Map.of("*", 4.0));
    // Multitrack (0x02) and ModEx (0x04), not Reconnect (0x01) nor TimestampNanoOffset (0x08).
    assertThat(result.get("capsEx")).isEqualTo(6.0);
    assertThat(EnhancedRtmpCaps.isEnhancedClient(connect("fourCcList", List.of("hvc1")))).isTrue();
  }

  @Test
  void wildcardIsEchoed() {
    Map<String, Object> result = EnhancedRtmpCaps.resultProperties(connect("fourCcList", List.of("*")));

    assertThat(result.get("fourCcList")).isEqualTo(List.of("*"));
  }

  @Test
  void withoutFourCcListStatesCapabilitiesOnly() {
    Map<String, Object> legacy = connect();
    Map<String, Object> infoMapsOnly = connect("videoFourCcInfoMap", Map.of("*", 4.0, "hvc1", 3.0),
        "audioFourCcInfoMap", Map.of("Opus", 1.0));

    for (Map<String, Object> command : List.of(legacy, infoMapsOnly)) {
      Map<String, Object> result = EnhancedRtmpCaps.resultProperties(command);
      assertThat(result.keySet()).containsExactly("videoFourCcInfoMap", "audioFourCcInfoMap", "capsEx");
      assertThat(result.get("videoFourCcInfoMap")).isEqualTo(Map.of("*", 4.0));
      assertThat(result.get("capsEx")).isEqualTo(6.0);
    }
    assertThat(EnhancedRtmpCaps.isEnhancedClient(legacy)).isFalse();
    assertThat(EnhancedRtmpCaps.isEnhancedClient(infoMapsOnly)).isTrue();
  }

  @Test
  void acceptsAnEcmaArrayAndSkipsNonStrings() {
    Map<String, Object> ecmaArray = new LinkedHashMap<>();
    ecmaArray.put("0", "hvc1");
    ecmaArray.put("1", 42.0);
    ecmaArray.put("2", "ac-3");

    assertThat(EnhancedRtmpCaps.clientFourCcList(connect("fourCcList", ecmaArray))).containsExactly("hvc1", "ac-3");
    assertThat(EnhancedRtmpCaps.resultProperties(connect("fourCcList", List.of()))).doesNotContainKey("fourCcList");
    assertThat(EnhancedRtmpCaps.resultProperties(connect("fourCcList", "avc1"))).doesNotContainKey("fourCcList");
  }

  @Test
  void eachResultIsIndependent() {
    Map<String, Object> first = EnhancedRtmpCaps.resultProperties(connect());
    @SuppressWarnings("unchecked")
    Map<String, Object> video = (Map<String, Object>) first.get("videoFourCcInfoMap");
    video.put("avc1", 1.0);

    assertThat(EnhancedRtmpCaps.resultProperties(connect()).get("videoFourCcInfoMap")).isEqualTo(Map.of("*", 4.0));
  }
}
