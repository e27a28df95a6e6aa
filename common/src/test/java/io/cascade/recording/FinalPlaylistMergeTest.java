package io.cascade.recording;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.recording.FinalPlaylistMerge.Result;
import io.cascade.recording.FinalPlaylistMerge.Status;
import io.cascade.recording.handover.HandoverState;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** A salvaged segment merged into the final playlist another origin stored: text in, text out. */
class FinalPlaylistMergeTest {
  private static final long T0 = Instant.parse("2026-12-06T04:00:00Z").toEpochMilli();
  private static final String HEAD = """
      #EXTM3U
      #EXT-X-VERSION:7
      #EXT-X-TARGETDURATION:4
      #EXT-X-MEDIA-SEQUENCE:0
      #EXT-X-PLAYLIST-TYPE:VOD
      #EXT-X-INDEPENDENT-SEGMENTS
      """;
  /** A's segments 1 and 2, then B's 3 and 4 after the handover: what B stored when it ended the recording. */
  private static final String ENDED_BY_B = HEAD + """
      #EXT-X-MAP:URI="init.mp4"
      #EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:00.000Z
      #EXTINF:4.000,
      segment-00001.m4s
      #EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:04.000Z
      #EXTINF:4.000,
      segment-00002.m4s
      #EXT-X-DISCONTINUITY
      #EXT-X-MAP:URI="init-3-1.mp4"
      #EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:10.500Z
      #EXTINF:4.000,
      segment-00003.m4s
      #EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:14.500Z
      #EXTINF:4.000,
      segment-00004.m4s
      #EXT-X-ENDLIST
      """;
  /** What A salvaged of its segment 3: it follows A's segment 2 directly. */
  private static final HandoverState.Segment SALVAGED =
      new HandoverState.Segment("segment-00003-s.m4s", 1_967, false, "init.mp4", T0 + 8_000);

  @Test
  void theSalvagedSegmentGoesBetweenTheKilledOwnersLastAndTheNextOwnersFirst() {
    assertThat(RecordingPlaylist.parse(ENDED_BY_B).render(true)).as("the recorder's own format").isEqualTo(ENDED_BY_B);

    Result merged = FinalPlaylistMerge.merge(ENDED_BY_B, SALVAGED);

    assertThat(merged.status()).isEqualTo(Status.MERGED);
    assertThat(merged.reason()).isEqualTo("listed as entry 3 of 5");
    assertThat(merged.playlist()).isEqualTo(HEAD + """
        #EXT-X-MAP:URI="init.mp4"
        #EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:00.000Z
        #EXTINF:4.000,
        segment-00001.m4s
        #EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:04.000Z
        #EXTINF:4.000,
        segment-00002.m4s
        #EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:08.000Z
        #EXTINF:1.967,
        segment-00003-s.m4s
        #EXT-X-DISCONTINUITY
        #EXT-X-MAP:URI="init-3-1.mp4"
        #EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:10.500Z
        #EXTINF:4.000,
        segment-00003.m4s
        #EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:14.500Z
        #EXTINF:4.000,
        segment-00004.m4s
        #EXT-X-ENDLIST
        """);
  }

  @Test
  void aPlaylistThatListsItAlreadyIsLeftUnchanged() {
    String once = FinalPlaylistMerge.merge(ENDED_BY_B, SALVAGED).playlist();

    Result again = FinalPlaylistMerge.merge(once, SALVAGED);

    assertThat(again.status()).isEqualTo(Status.LISTED_ALREADY);
    assertThat(again.status().listed()).isTrue();
    assertThat(again.playlist()).as("nothing to store").isNull();
  }

  @Test
  void aSegmentThatDoesNotFollowOnComesAfterADiscontinuityWithItsInitSegment() {
    // The stored playlist lists A's segment 1 only (its 2 left out), so segment 3 does not follow on.
    String gap = ENDED_BY_B.replace("""
        #EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:04.000Z
        #EXTINF:4.000,
        segment-00002.m4s
        """, "");

    Result merged = FinalPlaylistMerge.merge(gap, SALVAGED);

    assertThat(merged.status()).isEqualTo(Status.MERGED);
    assertThat(merged.playlist()).contains("""
        segment-00001.m4s
        #EXT-X-DISCONTINUITY
        #EXT-X-MAP:URI="init.mp4"
        #EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:08.000Z
        #EXTINF:1.967,
        segment-00003-s.m4s
        #EXT-X-DISCONTINUITY
        #EXT-X-MAP:URI="init-3-1.mp4"
        """).endsWith("segment-00004.m4s\n#EXT-X-ENDLIST\n");
  }

  @Test
  void aSalvagedLastSegmentIsAppendedBeforeTheEndlist() {
    HandoverState.Segment fifth = new HandoverState.Segment("segment-00005-s.m4s", 800, false, "init-3-1.mp4",
        T0 + 18_500);

    Result merged = FinalPlaylistMerge.merge(ENDED_BY_B, fifth);

    assertThat(merged.playlist()).endsWith("""
        segment-00004.m4s
        #EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:18.500Z
        #EXTINF:0.800,
        segment-00005-s.m4s
        #EXT-X-ENDLIST
        """);
  }

  @Test
  void aPlaylistThatIsNotFinalYetIsToBeReadAgain() {
    String event = ENDED_BY_B.replace("VOD", "EVENT").replace("#EXT-X-ENDLIST\n", "");

    Result r = FinalPlaylistMerge.merge(event, SALVAGED);

    assertThat(r.status()).isEqualTo(Status.NOT_FINAL);
    assertThat(r.status().listed()).isFalse();
    assertThat(r.playlist()).isNull();
    assertThat(r.reason()).contains("#EXT-X-ENDLIST");
  }

  @Test
  void whatTheRecorderDoesNotWriteIsLeftAsItIsWithTheReason() {
    Result html = FinalPlaylistMerge.merge("<html>503</html>", SALVAGED);
    Result noExtinf = FinalPlaylistMerge.merge(HEAD + "#EXT-X-MAP:URI=\"init.mp4\"\nsegment-00001.m4s\n#EXT-X-ENDLIST\n",
        SALVAGED);
    Result badTime = FinalPlaylistMerge.merge(ENDED_BY_B.replace("04:00:04.000Z", "yesterday"), SALVAGED);
    Result empty = FinalPlaylistMerge.merge(HEAD + "#EXT-X-ENDLIST\n", SALVAGED);

    assertThat(html.status()).isEqualTo(Status.UNREADABLE);
    assertThat(html.reason()).contains("#EXTM3U");
    assertThat(noExtinf.status()).isEqualTo(Status.UNREADABLE);
    assertThat(noExtinf.reason()).contains("segment-00001.m4s without EXT-X-MAP or EXTINF");
    assertThat(badTime.status()).isEqualTo(Status.UNREADABLE);
    assertThat(badTime.reason()).contains("yesterday");
    assertThat(empty.status()).isEqualTo(Status.UNREADABLE);
    assertThat(FinalPlaylistMerge.merge(ENDED_BY_B, new HandoverState.Segment("index.m3u8", 1, false, "init.mp4", 0))
        .status()).isEqualTo(Status.UNREADABLE);
  }

  @Test
  void aSegmentTheMediaSequenceCountsCannotBeListed() {
    String fromFour = HEAD.replace("SEQUENCE:0", "SEQUENCE:3") + """
        #EXT-X-MAP:URI="init-3-1.mp4"
        #EXTINF:4.000,
        segment-00004.m4s
        #EXT-X-ENDLIST
        """;

    Result r = FinalPlaylistMerge.merge(fromFour, SALVAGED);

    assertThat(r.status()).isEqualTo(Status.NOT_LISTABLE);
    assertThat(r.playlist()).isNull();
  }
}
