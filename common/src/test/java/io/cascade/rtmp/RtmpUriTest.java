package io.cascade.rtmp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The one parser of RTMP URLs, app and stream names and their query strings. */
class RtmpUriTest {

  @Test
  void urlSplitsLikeFfmpeg() {
    RtmpUri uri = RtmpUri.parse("rtmp://example.org/live/cam/1?sig=a%2Bb&exp=9");
    assertThat(uri.host()).isEqualTo("example.org");
    assertThat(uri.port()).isEqualTo(RtmpUri.DEFAULT_PORT);
    assertThat(uri.app()).isEqualTo("live");
    assertThat(uri.stream()).isEqualTo("cam/1?sig=a%2Bb&exp=9");
    assertThat(uri.streamName()).isEqualTo("cam/1");
    assertThat(uri.query()).isEqualTo(Map.of("sig", "a+b", "exp", "9"));
    assertThat(uri.tcUrl()).isEqualTo("rtmp://example.org:1935/live");
  }

  @Test
  void ipv6HostAndPort() {
    RtmpUri uri = RtmpUri.parse("rtmp://[::1]:19350/app");
    assertThat(uri.host()).isEqualTo("::1");
    assertThat(uri.port()).isEqualTo(19350);
    assertThat(uri.stream()).isEmpty();
    assertThat(uri.tcUrl()).isEqualTo("rtmp://[::1]:19350/app");
  }

  @Test
  void onlyRtmpUrls() {
    assertThatThrownBy(() -> RtmpUri.parse("http://h/live/x")).hasMessageContaining("only rtmp://");
    assertThatThrownBy(() -> RtmpUri.parse("rtmp://h/ bad")).hasMessageContaining("not an RTMP URL");
  }

  @Test
  void appNameDropsQueryAndTrailingSlashesKeepsSubPaths() {
    assertThat(RtmpUri.appName("live/")).isEqualTo("live");
    assertThat(RtmpUri.appName("live?token=1")).isEqualTo("live");
    assertThat(RtmpUri.appName("live/sub")).isEqualTo("live/sub");
    assertThat(RtmpUri.appName(null)).isEmpty();
    assertThat(RtmpUri.appName("a".repeat(RtmpUri.MAX_NAME_LENGTH + 1))).isEmpty();
  }

  @Test
  void streamNameWithoutQueryTrimmedAndBounded() {
    assertThat(RtmpUri.streamName(" key?exp=1 ")).isEqualTo("key");
    assertThat(RtmpUri.streamName(null)).isEmpty();
    assertThat(RtmpUri.streamName("?x=1")).isEmpty();
    assertThat(RtmpUri.streamName("n".repeat(RtmpUri.MAX_NAME_LENGTH))).hasSize(RtmpUri.MAX_NAME_LENGTH);
    assertThat(RtmpUri.streamName("n".repeat(RtmpUri.MAX_NAME_LENGTH + 1))).isEmpty();
    assertThat(RtmpUri.key("live", "key")).isEqualTo("live/key");
  }

  @Test
  void queryIsBoundedFirstValueWinsAndBadEscapesStayAsSent() {
    assertThat(RtmpUri.query("k?a=1&a=2&flag&&b=%ZZ")).isEqualTo(Map.of("a", "1", "flag", "", "b", "%ZZ"));
    assertThat(RtmpUri.query("k")).isEmpty();
    StringBuilder many = new StringBuilder("k?");
    for (int i = 0; i < 100; i++) {
      many.append("p").append(i).append("=v&");
    }
    assertThat(RtmpUri.query(many.toString())).hasSize(RtmpUri.MAX_QUERY_PARAMETERS).containsKey("p0");
  }
}
