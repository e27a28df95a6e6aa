package io.cascade.http.flv;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class FlvPathTest {

  @Test
  void appAndStreamMakeTheRtmpKey() {
    assertThat(FlvPath.parse("/live/x.flv")).isEqualTo(new FlvPath("live", "x", "live/x"));
    assertThat(FlvPath.parse("/live/sub/cam-1.flv")).isEqualTo(new FlvPath("live/sub", "cam-1", "live/sub/cam-1"));
  }

  @Test
  void onlyFlvPathsAreOurs() {
    assertThat(FlvPath.matches("/live/x.flv")).isTrue();
    assertThat(FlvPath.matches("/live/x")).isFalse();
    assertThat(FlvPath.matches("/api/v1/streams")).isFalse();
  }

  @Test
  void badNamesAreRefused() {
    for (String bad : new String[] {"/x.flv", "/live/.flv", "/.flv", "//x.flv", "/live//x.flv", "/live/../x.flv",
        "/../x.flv", "/live/a%20b.flv", "/live/a b.flv", "/live/" + "n".repeat(io.cascade.http.play.HttpPlay.MAX_NAME_LENGTH + 1) + ".flv"}) {
      assertThat(FlvPath.parse(bad)).as(bad).isNull();
    }
  }
}
