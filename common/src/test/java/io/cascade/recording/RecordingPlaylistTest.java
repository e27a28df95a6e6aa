package io.cascade.recording;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class RecordingPlaylistTest {

  @Test
  void eventWhileItGrowsVodWithEndlistOnceEnded() {
    RecordingPlaylist list = new RecordingPlaylist();
    list.add(new RecordingPlaylist.Entry("segment-00001.m4s", 6_006, false, "init.mp4"));
    assertThat(list.render(false)).isEqualTo("""
        #EXTM3U
        #EXT-X-VERSION:7
        #EXT-X-TARGETDURATION:7
        #EXT-X-MEDIA-SEQUENCE:0
        #EXT-X-PLAYLIST-TYPE:EVENT
        #EXT-X-INDEPENDENT-SEGMENTS
        #EXT-X-MAP:URI="init.mp4"
        #EXTINF:6.006,
        segment-00001.m4s
        """);
    assertThat(list.render(true)).contains("#EXT-X-PLAYLIST-TYPE:VOD").endsWith("segment-00001.m4s\n#EXT-X-ENDLIST\n");
  }

  @Test
  void aGapIsADiscontinuityAndANewInitSegmentANewMap() {
    RecordingPlaylist list = new RecordingPlaylist();
    list.add(new RecordingPlaylist.Entry("segment-00001.m4s", 2_000, true, "init.mp4"));
    list.add(new RecordingPlaylist.Entry("segment-00002.m4s", 2_000, true, "init.mp4"));
    list.add(new RecordingPlaylist.Entry("segment-00003.m4s", 2_000, false, "init-2.mp4"));
    String m3u8 = list.render(true);
    assertThat(m3u8).as("no discontinuity before the first segment").startsWith("""
        #EXTM3U
        #EXT-X-VERSION:7
        #EXT-X-TARGETDURATION:2
        #EXT-X-MEDIA-SEQUENCE:0
        #EXT-X-PLAYLIST-TYPE:VOD
        #EXT-X-INDEPENDENT-SEGMENTS
        #EXT-X-MAP:URI="init.mp4"
        #EXTINF:2.000,
        segment-00001.m4s
        #EXT-X-DISCONTINUITY
        #EXT-X-MAP:URI="init.mp4"
        #EXTINF:2.000,
        segment-00002.m4s
        #EXT-X-MAP:URI="init-2.mp4"
        #EXTINF:2.000,
        segment-00003.m4s
        """);
  }

  @Test
  void programDateTimesAreListedAndAMediaSequenceCountsSegmentsLeftOut() {
    RecordingPlaylist list = new RecordingPlaylist();
    list.mediaSequence(2);
    list.add(new RecordingPlaylist.Entry("segment-00003.m4s", 4_000, true, "init-3-1.mp4", 1_796_588_175_129L));
    list.add(new RecordingPlaylist.Entry("segment-00004.m4s", 4_000, false, "init-3-1.mp4", 0));
    assertThat(list.render(false)).contains("#EXT-X-MEDIA-SEQUENCE:2\n").endsWith("""
        #EXT-X-MAP:URI="init-3-1.mp4"
        #EXT-X-PROGRAM-DATE-TIME:2026-12-06T20:16:15.129Z
        #EXTINF:4.000,
        segment-00003.m4s
        #EXTINF:4.000,
        segment-00004.m4s
        """);
  }

  @Test
  void aRenderedPlaylistParsesBackToTheSameEntries() {
    RecordingPlaylist list = new RecordingPlaylist();
    list.mediaSequence(2);
    list.add(new RecordingPlaylist.Entry("segment-00003.m4s", 4_000, false, "init-3-1.mp4", 1_796_588_175_129L));
    list.add(new RecordingPlaylist.Entry("segment-00004.m4s", 3_960, true, "init-3-1.mp4", 0));
    list.add(new RecordingPlaylist.Entry("segment-00005.m4s", 4_040, false, "init-3-2.mp4", 1_796_588_183_129L));
    String m3u8 = list.render(false);
    RecordingPlaylist parsed = RecordingPlaylist.parse(m3u8);
    assertThat(parsed.render(false)).isEqualTo(m3u8);
    assertThat(parsed.last()).isEqualTo(list.last());
    assertThat(RecordingPlaylist.parse(list.render(true)).render(true)).isEqualTo(list.render(true));
  }

  @Test
  void aLineItDoesNotWriteIsRefused() {
    assertThatThrownBy(() -> RecordingPlaylist.parse("#EXTM3U\n#EXTINF:abc,\nsegment-00001.m4s\n"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RecordingPlaylist.parse("#EXTM3U\n#EXTINF:4.000,\nsegment-00001.m4s\n"))
        .as("no init segment").isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void salvagedSegmentsGoBeforeTheSegmentOfTheirNumberWithTheNextOwnerAfterADiscontinuity() {
    RecordingPlaylist list = new RecordingPlaylist();
    list.mediaSequence(1); // segment 1 is not listed
    list.add(new RecordingPlaylist.Entry("segment-00002.m4s", 4_000, false, "init.mp4", 1_000));
    list.add(new RecordingPlaylist.Entry("segment-00003.m4s", 4_000, true, "init-3-1.mp4", 12_000));
    list.add(new RecordingPlaylist.Entry("segment-00004.m4s", 4_000, false, "init-3-1.mp4", 16_000));
    list.add(new RecordingPlaylist.Entry("segment-00005.m4s", 4_000, true, "init-5-1.mp4", 30_000));

    assertThat(list.insertSalvaged(new RecordingPlaylist.Entry("segment-00005-s.m4s", 1_000, false, "init-3-1.mp4",
        20_000), 5)).isTrue();
    assertThat(list.insertSalvaged(new RecordingPlaylist.Entry("segment-00003-s.m4s", 2_000, false, "init.mp4",
        5_000), 3)).isTrue();
    assertThat(list.insertSalvaged(new RecordingPlaylist.Entry("segment-00003-s.m4s", 2_000, false, "init.mp4",
        5_000), 3)).as("listed already").isFalse();
    assertThat(list.insertSalvaged(new RecordingPlaylist.Entry("segment-00001-s.m4s", 2_000, false, "init.mp4",
        0), 1)).as("before the first listed segment").isFalse();

    String m3u8 = list.render(true);
    assertThat(m3u8).endsWith("""
        #EXT-X-MAP:URI="init.mp4"
        #EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:01.000Z
        #EXTINF:4.000,
        segment-00002.m4s
        #EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:05.000Z
        #EXTINF:2.000,
        segment-00003-s.m4s
        #EXT-X-DISCONTINUITY
        #EXT-X-MAP:URI="init-3-1.mp4"
        #EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:12.000Z
        #EXTINF:4.000,
        segment-00003.m4s
        #EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:16.000Z
        #EXTINF:4.000,
        segment-00004.m4s
        #EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:20.000Z
        #EXTINF:1.000,
        segment-00005-s.m4s
        #EXT-X-DISCONTINUITY
        #EXT-X-MAP:URI="init-5-1.mp4"
        #EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:30.000Z
        #EXTINF:4.000,
        segment-00005.m4s
        #EXT-X-ENDLIST
        """);
    assertThat(RecordingPlaylist.parse(m3u8).render(true)).as("parses back as it is").isEqualTo(m3u8);
  }

  @Test
  void aSalvagedSegmentThatDoesNotFollowTheOneBeforeItFollowsADiscontinuity() {
    RecordingPlaylist list = new RecordingPlaylist();
    list.add(new RecordingPlaylist.Entry("segment-00001.m4s", 4_000, false, "init.mp4"));
    list.add(new RecordingPlaylist.Entry("segment-00004.m4s", 4_000, true, "init-4-1.mp4"));
    list.insertSalvaged(new RecordingPlaylist.Entry("segment-00003-s.m4s", 2_000, false, "init.mp4"), 3);
    assertThat(list.render(true)).contains("""
        segment-00001.m4s
        #EXT-X-DISCONTINUITY
        #EXT-X-MAP:URI="init.mp4"
        #EXTINF:2.000,
        segment-00003-s.m4s
        #EXT-X-DISCONTINUITY
        #EXT-X-MAP:URI="init-4-1.mp4"
        """);
  }

  @Test
  void aPlaylistRenderedAfterEveryAddAndInsertIsThePlaylistOfAllItsEntriesAtOnce() {
    List<RecordingPlaylist.Entry> entries = List.of(
        new RecordingPlaylist.Entry("segment-00001.m4s", 6_000, false, "init.mp4", 1_000),
        new RecordingPlaylist.Entry("segment-00002.m4s", 6_500, false, "init.mp4", 7_000),
        new RecordingPlaylist.Entry("segment-00004.m4s", 5_000, true, "init-4-1.mp4", 30_000),
        new RecordingPlaylist.Entry("segment-00005.m4s", 9_100, false, "init-4-1.mp4", 35_000));
    RecordingPlaylist growing = new RecordingPlaylist();
    for (int n = 0; n < entries.size(); n++) {
      growing.add(entries.get(n));
      RecordingPlaylist whole = new RecordingPlaylist();
      entries.subList(0, n + 1).forEach(whole::add);
      assertThat(growing.render(false)).isEqualTo(whole.render(false));
      assertThat(growing.render(false)).as("rendered twice, the same").isEqualTo(whole.render(false));
    }
    assertThat(growing.render(true)).contains("#EXT-X-TARGETDURATION:10\n");

    growing.insertSalvaged(new RecordingPlaylist.Entry("segment-00003-s.m4s", 2_000, false, "init.mp4", 14_000), 3);
    growing.add(new RecordingPlaylist.Entry("segment-00006.m4s", 4_000, false, "init-4-1.mp4", 44_100));
    RecordingPlaylist parsed = RecordingPlaylist.parse(growing.render(true));
    assertThat(growing.render(true)).contains("segment-00002.m4s\n#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:14.000Z\n"
        + "#EXTINF:2.000,\nsegment-00003-s.m4s\n#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-4-1.mp4\"\n")
        .endsWith("segment-00006.m4s\n#EXT-X-ENDLIST\n");
    assertThat(parsed.size()).isEqualTo(6);
    assertThat(parsed.render(true)).isEqualTo(growing.render(true));
  }

  @Test
  void segmentNamesHaveFiveDigitsAtLeast() {
    assertThat(RecordingFiles.segmentName(1)).isEqualTo("segment-00001.m4s");
    assertThat(RecordingFiles.segmentName(99_999)).isEqualTo("segment-99999.m4s");
    assertThat(RecordingFiles.segmentName(123_456)).isEqualTo("segment-123456.m4s");
  }
}
