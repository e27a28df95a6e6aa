package io.cascade.http.hls;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Query strings of HLS requests: the delivery directives, and what is carried into listed URIs. */
class HlsRequestTest {
  private static final HlsPath MEDIA = HlsPath.parse("/live/cam/media.m3u8");
  private static final HlsPath PART = HlsPath.parse("/live/cam/part-t1-7.m4s");

  private static HlsRequest parse(HlsPath path, String query) {
    return HlsRequest.parse(path, query, (status, type, cache, body, reason) -> { });
  }

  @Test
  void directivesAreReadAndOtherPairsCarried() {
    HlsRequest r = parse(MEDIA, "_HLS_msn=12&_HLS_part=3&key=a%2Fb&exp=9");
    assertThat(r.msn()).isEqualTo(12);
    assertThat(r.part()).isEqualTo(3);
    assertThat(r.skip()).isFalse();
    assertThat(r.carriedQuery()).isEqualTo("?key=a%2Fb&exp=9");
    assertThat(parse(MEDIA, "_HLS_skip=YES").skip()).isTrue();
    assertThat(parse(MEDIA, "").msn()).isEqualTo(-1);
  }

  @Test
  void ambiguousOrMalformedQueriesAreRefused() {
    for (String q : new String[] {"_HLS_msn=1&_HLS_msn=2", "_HLS_msn=1&_HLS_part=1&_HLS_part=2",
        "_HLS_skip=YES&_HLS_skip=YES", "_HLS_part=1", "_HLS_msn=-1", "_HLS_msn=x", "_HLS_skip=maybe",
        "_HLS_other=1", "key=%zz", "key=%2", "key=abc%", "a=\"b", "a=b#c"}) {
      assertThat(parse(MEDIA, q)).as(q).isNull();
    }
    assertThat(parse(PART, "_HLS_msn=1")).as("directives belong to playlist requests").isNull();
  }
}
