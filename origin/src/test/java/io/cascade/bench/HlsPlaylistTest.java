package io.cascade.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HlsPlaylistTest {

  /** A Cascade LL-HLS playlist: one whole segment, then two parts of the open one. */
  private static final String LL = """
      #EXTM3U
      #EXT-X-VERSION:9
      #EXT-X-TARGETDURATION:2
      #EXT-X-PART-INF:PART-TARGET=0.2
      #EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12,PART-HOLD-BACK=0.6
      #EXT-X-MEDIA-SEQUENCE:7
      #EXT-X-MAP:URI="init-ab-1.mp4"
      #EXT-X-PROGRAM-DATE-TIME:2026-12-06T05:00:00Z
      #EXT-X-PART:DURATION=0.2,URI="part-ab-70.m4s",INDEPENDENT=YES
      #EXT-X-PART:DURATION=0.2,URI="part-ab-71.m4s"
      #EXTINF:0.4,
      seg-ab-7.m4s
      #EXT-X-PART:DURATION=0.2,URI="part-ab-72.m4s?token=x",INDEPENDENT=YES
      #EXT-X-PART:DURATION=0.2,URI="part-ab-73.m4s?token=x"
      #EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-ab-74.m4s?token=x"
      """;

  @Test
  void llHlsListsPartsAndWhereTheBlockingReloadContinues() {
    HlsPlaylist p = HlsPlaylist.parse(LL);
    assertThat(p.canBlockReload()).isTrue();
    assertThat(p.partTargetMs()).isEqualTo(200);
    assertThat(p.targetDurationMs()).isEqualTo(2000);
    assertThat(p.map()).isEqualTo("init-ab-1.mp4");
    assertThat(p.media()).extracting(HlsPlaylist.Media::number).containsExactly(70L, 71L, 72L, 73L);
    assertThat(p.media()).extracting(HlsPlaylist.Media::independent).containsExactly(true, false, true, false);
    assertThat(p.media().get(2).uri()).isEqualTo("part-ab-72.m4s?token=x");
    assertThat(p.preloadHint()).isEqualTo("part-ab-74.m4s?token=x");
    assertThat(HlsPlaylist.number(p.preloadHint())).isEqualTo(74);
    // Segment 7 is closed; 8 is open with two parts: the next is msn 8, part 2.
    assertThat(p.nextMsn()).isEqualTo(8);
    assertThat(p.nextPart()).isEqualTo(2);
  }

  @Test
  void afterAClosedSegmentTheNextPartIsTheFirstOfTheNextSegment() {
    String closed = LL.substring(0, LL.indexOf("#EXT-X-PART:DURATION=0.2,URI=\"part-ab-72"));
    HlsPlaylist p = HlsPlaylist.parse(closed);
    assertThat(p.nextMsn()).isEqualTo(8);
    assertThat(p.nextPart()).isZero();
  }

  @Test
  void plainHlsListsSegments() {
    HlsPlaylist p = HlsPlaylist.parse("""
        #EXTM3U
        #EXT-X-VERSION:3
        #EXT-X-MEDIA-SEQUENCE:12
        #EXT-X-TARGETDURATION:2
        #EXTINF:2.000,
        bench-12.ts
        #EXTINF:2.000,
        bench-13.ts
        """);
    assertThat(p.canBlockReload()).isFalse();
    assertThat(p.partTargetMs()).isZero();
    assertThat(p.map()).isNull();
    assertThat(p.media()).extracting(HlsPlaylist.Media::uri).containsExactly("bench-12.ts", "bench-13.ts");
    assertThat(p.media()).extracting(HlsPlaylist.Media::number).containsExactly(12L, 13L);
    assertThat(p.nextMsn()).isEqualTo(14);
  }

  @Test
  void firstVariantOfAMultivariantPlaylist() {
    assertThat(HlsPlaylist.firstVariant("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,CODECS=\"avc1.64001f\"\nmedia.m3u8\n"))
        .isEqualTo("media.m3u8");
    assertThat(HlsPlaylist.firstVariant(LL)).isNull();
  }

  @Test
  void attributesQuotedOrNot() {
    String line = "#EXT-X-PART:DURATION=0.2,URI=\"a,b.m4s\",INDEPENDENT=YES";
    assertThat(HlsPlaylist.attribute(line, "URI")).isEqualTo("a,b.m4s");
    assertThat(HlsPlaylist.attribute(line, "INDEPENDENT")).isEqualTo("YES");
    assertThat(HlsPlaylist.attribute(line, "GAP")).isNull();
  }
}
