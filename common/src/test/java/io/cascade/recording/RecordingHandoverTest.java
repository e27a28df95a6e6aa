package io.cascade.recording;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.cascade.recording.handover.HandoverState;
import io.cascade.recording.handover.SalvagedSegments;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A recording handed from one origin to another in virtual time: node A records and is then left
 * as kill -9 leaves it (nothing of it runs any more), node B gets the republish 12 s later and
 * continues from what A left in the (in-memory) cluster map. Real files in two roots.
 */
class RecordingHandoverTest {
  private static final Instant WALL = Instant.parse("2026-12-06T04:00:00Z");
  private static final String ID = "20261206T040001Z";

  @TempDir
  Path rootA;
  @TempDir
  Path rootB;

  private final MapHandover cluster = new MapHandover();
  private RecordingNode a;
  private RecordingNode b;

  @AfterEach
  void close() {
    if (b != null) {
      b.close();
    }
    if (a != null) {
      a.close();
    }
  }

  /**
   * A records 10 s (segments 1 and 2 closed, 3 open) and dies; B starts 12 s after A did. A names
   * the recording when its first part is written, a second in.
   */
  private void failOver(boolean listHandedOver, int maxSegments) {
    a = new RecordingNode(rootA, WALL, cluster.as("origin-a", maxSegments), listHandedOver);
    a.publish("live", "cam");
    a.feed(10_000);
    // kill -9 of A: from here on nothing of A runs.
    b = new RecordingNode(rootB, WALL.plusSeconds(12), cluster.as("origin-b", maxSegments), listHandedOver);
    b.publish("live", "cam");
  }

  private static List<String> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void theNewOwnerContinuesTheSameRecordingAfterADiscontinuityAndItsPlaylistIsTheWholeOne() throws IOException {
    failOver(true, 100);
    HandoverState left = cluster.get("live/cam");
    assertThat(left.owner()).isEqualTo("origin-a");
    assertThat(left.recordingId()).isEqualTo(ID);
    assertThat(left.nextNumber()).isEqualTo(3);
    assertThat(left.segments()).extracting(HandoverState.Segment::file)
        .containsExactly("segment-00001.m4s", "segment-00002.m4s");

    b.feed(10_000);
    assertThat(cluster.get("live/cam").owner()).as("B updates the entry as it goes").isEqualTo("origin-b");
    assertThat(cluster.get("live/cam").nextNumber()).isEqualTo(5);
    b.endRecordings();

    Path dirA = rootA.resolve("live/cam").resolve(ID);
    Path dirB = rootB.resolve("live/cam").resolve(ID);
    assertThat(files(dirA)).as("A's finished segments; its open one is a .tmp no playlist lists")
        .containsExactly("index.m3u8", "init.mp4", "segment-00001.m4s", "segment-00002.m4s", "segment-00003.m4s.tmp");
    assertThat(files(dirB)).as("B's own files, under the same id, numbered on")
        .containsExactly("index.m3u8", "init-3-1.mp4", "segment-00003.m4s", "segment-00004.m4s", "segment-00005.m4s");
    String playlist = Files.readString(dirB.resolve("index.m3u8"));
    assertThat(playlist).contains("#EXT-X-MEDIA-SEQUENCE:0\n", "#EXT-X-PLAYLIST-TYPE:VOD", "#EXT-X-ENDLIST")
        .containsSubsequence("#EXT-X-MAP:URI=\"init.mp4\"", "segment-00001.m4s", "segment-00002.m4s",
            "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-3-1.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:12.",
            "segment-00003.m4s", "segment-00004.m4s", "segment-00005.m4s");
    assertThat(playlist.lines().filter(l -> l.equals("#EXT-X-DISCONTINUITY")).count()).isEqualTo(1);
    assertThat(playlist).contains("#EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:04.");

    assertThat(b.closed).extracting(RecordedSegment::number).containsExactly(3, 4, 5);
    assertThat(b.closed).extracting(RecordedSegment::recordingId).containsOnly(ID);
    assertThat(b.closed.get(0).discontinuity()).isTrue();
    assertThat(b.closed.get(0).initSegment()).isEqualTo(dirB.resolve("init-3-1.mp4"));
    assertThat(b.recorder.meters.handovers(RecordingMeters.CONTINUED)).isEqualTo(1);
    assertThat(cluster.entries).as("the recording ended: a later publish starts a new one").isEmpty();
  }

  @Test
  void withoutUploadsTheNewOwnersPlaylistListsItsOwnSegmentsAndItsMediaSequenceGoesOn() throws IOException {
    failOver(false, 100);
    b.feed(10_000);
    b.endRecordings();

    String playlist = Files.readString(rootB.resolve("live/cam").resolve(ID).resolve("index.m3u8"));
    assertThat(playlist).contains("#EXT-X-MEDIA-SEQUENCE:2\n").doesNotContain("segment-00001", "segment-00002",
        "#EXT-X-DISCONTINUITY").containsSubsequence("#EXT-X-MAP:URI=\"init-3-1.mp4\"", "segment-00003.m4s",
        "segment-00005.m4s", "#EXT-X-ENDLIST");
    assertThat(RecordingCatalog.read(rootB.resolve("live/cam").resolve(ID))).hasValueSatisfying(e -> {
      assertThat(e.segments()).isEqualTo(3);
      assertThat(e.finished()).isTrue();
    });
    assertThat(new RecordingCatalog(rootB).file("live", "cam", ID, "init-3-1.mp4")).as("served").isPresent();
  }

  @Test
  void theEntryListsTheNewestSegmentsOnlyAndTheContinuedPlaylistCountsThoseLeftOut() throws IOException {
    failOver(true, 1);
    assertThat(cluster.get("live/cam").segments()).extracting(HandoverState.Segment::file)
        .containsExactly("segment-00002.m4s");
    b.feed(10_000);
    assertThat(cluster.get("live/cam").segments()).extracting(HandoverState.Segment::file)
        .containsExactly("segment-00004.m4s");
    b.endRecordings();

    String playlist = Files.readString(rootB.resolve("live/cam").resolve(ID).resolve("index.m3u8"));
    assertThat(playlist).contains("#EXT-X-MEDIA-SEQUENCE:1\n").doesNotContain("segment-00001")
        .containsSubsequence("segment-00002.m4s", "#EXT-X-DISCONTINUITY", "segment-00003.m4s");
  }

  @Test
  void anEntryThatCannotBeReadInTimeStartsANewRecordingCounted() throws IOException {
    a = new RecordingNode(rootA, WALL, cluster.as("origin-a", 100), true);
    a.publish("live", "cam");
    a.feed(10_000);
    cluster.unreachable = true;
    b = new RecordingNode(rootB, WALL.plusSeconds(12), cluster.as("origin-b", 100), true);
    b.publish("live", "cam");
    b.feed(10_000);

    assertThat(files(rootB.resolve("live/cam"))).containsExactly("20261206T040013Z");
    assertThat(files(rootB.resolve("live/cam/20261206T040013Z"))).contains("init.mp4", "segment-00001.m4s");
    assertThat(b.recorder.meters.handovers(RecordingMeters.READ_FAILED)).isEqualTo(1);
    assertThat(b.recorder.meters.handovers(RecordingMeters.WRITE_FAILED)).as("one per closed segment").isEqualTo(2);
    assertThat(b.recorder.meters.handovers(RecordingMeters.CONTINUED)).isZero();
  }

  @Test
  void aRecordingThatEndedIsForgottenSoTheNextPublishElsewhereStartsANewOne() throws IOException {
    a = new RecordingNode(rootA, WALL, cluster.as("origin-a", 100), true);
    a.publish("live", "cam");
    a.feed(10_000);
    a.endRecordings();
    assertThat(cluster.entries).isEmpty();

    b = new RecordingNode(rootB, WALL.plusSeconds(60), cluster.as("origin-b", 100), true);
    b.publish("live", "cam");
    b.feed(6_000);
    assertThat(files(rootB.resolve("live/cam"))).containsExactly("20261206T040101Z");
    assertThat(cluster.get("live/cam").recordingId()).isEqualTo("20261206T040101Z");
  }

  @Test
  void aNodeThatStopsLeavesItsRecordingToBeContinued() throws IOException {
    a = new RecordingNode(rootA, WALL, cluster.as("origin-a", 100), true);
    a.publish("live", "cam");
    a.feed(10_000);
    a.recorder.stop();
    a.channel.runPendingTasks();
    a.disk.runAll();
    assertThat(Files.readString(rootA.resolve("live/cam").resolve(ID).resolve("index.m3u8")))
        .contains("segment-00003.m4s", "#EXT-X-ENDLIST");
    assertThat(cluster.get("live/cam").nextNumber()).isEqualTo(4);

    b = new RecordingNode(rootB, WALL.plusSeconds(12), cluster.as("origin-b", 100), true);
    b.publish("live", "cam");
    b.feed(6_000);
    assertThat(files(rootB.resolve("live/cam").resolve(ID))).contains("init-4-1.mp4", "segment-00004.m4s");
  }

  @Test
  void entriesAreReadBackAsWrittenAndOthersRefused() {
    HandoverState state = new HandoverState(ID, "origin-a", 3, 2, List.of(
        new HandoverState.Segment("segment-00001.m4s", 4000, false, "init.mp4", 1_765_000_000_000L),
        new HandoverState.Segment("segment-00002.m4s", 4040, true, "init-2.mp4", 1_765_000_004_000L)));
    assertThat(HandoverState.parse(state.toJson())).isEqualTo(state);
    assertThat(state.firstListedSequence()).isZero();
    assertThatThrownBy(() -> HandoverState.parse("{\"recording\":\"x\"}")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HandoverState.parse("not json")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HandoverState.parse(state.toJson().replace("\"next\":3", "\"next\":2")))
        .as("more segments than numbers").isInstanceOf(IllegalArgumentException.class);
  }

  /** The copy of A's root as the kill left it (the .tmp of its open segment), for A's restart. */
  private Path killedRootOfA() throws IOException {
    Path left = rootB.resolveSibling(rootB.getFileName() + "-a-restarted");
    SegmentSalvageTest.copyTree(rootA, left);
    return left;
  }

  @Test
  void theSegmentTheKilledOwnerSalvagesIsListedByTheNewOwnerBetweenTheirSegments() throws IOException {
    failOver(true, 100);
    Path leftA = killedRootOfA();
    b.feed(10_000);
    // A restarts on its disk while B records: the salvage finds B named in the cluster.
    try (RecordingNode restarted = new RecordingNode(leftA, WALL.plusSeconds(25), cluster.as("origin-a", 100), true)) {
      restarted.disk.runAll();
      assertThat(leftA.resolve("live/cam").resolve(ID).resolve("segment-00003-s.m4s")).exists();
      assertThat(restarted.recorder.meters.handovers(RecordingMeters.SALVAGE_TOLD)).isEqualTo(1);
    }
    assertThat(cluster.salvaged).containsOnlyKeys("live/cam");
    b.feed(2_000);
    b.endRecordings();

    String playlist = Files.readString(rootB.resolve("live/cam").resolve(ID).resolve("index.m3u8"));
    assertThat(playlist).contains("#EXT-X-MEDIA-SEQUENCE:0\n", "#EXT-X-ENDLIST").containsSubsequence(
        "#EXT-X-MAP:URI=\"init.mp4\"", "segment-00001.m4s", "segment-00002.m4s",
        "#EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:08.", "segment-00003-s.m4s",
        "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-3-1.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:12.",
        "segment-00003.m4s", "segment-00004.m4s", "segment-00005.m4s");
    assertThat(playlist.lines().filter(l -> l.equals("#EXT-X-DISCONTINUITY")).count()).isEqualTo(1);
    assertThat(playlist.lines().filter(l -> l.startsWith("#EXT-X-MAP")).count()).as("A's init, then B's").isEqualTo(2);
    String salvagedEntry = playlist.substring(0, playlist.indexOf("segment-00003-s.m4s"));
    assertThat(salvagedEntry.substring(salvagedEntry.lastIndexOf("#EXTINF:"))).as("A's open segment: whole parts")
        .matches("#EXTINF:[12]\\.\\d{3},\n");
    assertThat(b.recorder.meters.handovers(RecordingMeters.SALVAGE_LISTED)).isEqualTo(1);
    assertThat(SalvagedSegments.parse(cluster.salvaged.get("live/cam")).endedBy()).as("marked ended by B")
        .isEqualTo("origin-b");
  }

  @Test
  void aKilledOwnerThatRestartsAfterTheNewOwnerEndedTheRecordingKeepsItsPlaylistOutOfTheBucket() throws IOException {
    failOver(true, 100);
    Path leftA = killedRootOfA();
    b.feed(6_000);
    b.endRecordings();
    assertThat(cluster.entries).isEmpty();
    String finalPlaylist = Files.readString(rootB.resolve("live/cam").resolve(ID).resolve("index.m3u8"));

    try (RecordingNode restarted = new RecordingNode(leftA, WALL.plusSeconds(60), cluster.as("origin-a", 100), true)) {
      List<Path> ended = restarted.ended;
      restarted.disk.runAll();
      assertThat(restarted.closed).extracting(s -> s.file().getFileName().toString())
          .as("the salvaged segment is uploaded").containsExactly("segment-00003-s.m4s");
      assertThat(ended).as("A's shorter playlist does not replace B's final one").containsExactly((Path) null);
      assertThat(restarted.recorder.meters.handovers(RecordingMeters.SALVAGE_TOLD)).isZero();
      assertThat(restarted.recorder.meters.handovers(RecordingMeters.SALVAGE_UNLISTED))
          .as("no listener stores recordings (uploads off): it stays unlisted").isEqualTo(1);
    }
    assertThat(Files.readString(rootB.resolve("live/cam").resolve(ID).resolve("index.m3u8"))).isEqualTo(finalPlaylist);
  }

  @Test
  void aKilledOwnerThatRestartsAfterTheNewOwnerEndedTheRecordingHasItsSegmentMergedIntoTheFinalPlaylist()
      throws IOException {
    failOver(true, 100);
    Path leftA = killedRootOfA();
    b.feed(6_000);
    b.endRecordings();
    // What B stored in the bucket when it ended the recording: its VOD playlist, without A's salvaged segment.
    String stored = Files.readString(rootB.resolve("live/cam").resolve(ID).resolve("index.m3u8"));
    List<String> merged = new ArrayList<>();

    try (RecordingNode restarted = new RecordingNode(leftA, WALL.plusSeconds(60), cluster.as("origin-a", 100), true)) {
      restarted.events.lister = entry -> {
        FinalPlaylistMerge.Result r = FinalPlaylistMerge.merge(stored, entry);
        merged.add(r.playlist());
        return r;
      };
      restarted.disk.runAll();
      assertThat(restarted.events.toList).singleElement().satisfies(entry -> {
        assertThat(entry.file()).isEqualTo("segment-00003-s.m4s");
        assertThat(entry.discontinuity()).as("it follows A's segment 2").isFalse();
        assertThat(entry.initSegment()).isEqualTo("init.mp4");
      });
      assertThat(restarted.recorder.meters.handovers(RecordingMeters.SALVAGE_MERGED)).isEqualTo(1);
      assertThat(restarted.recorder.meters.handovers(RecordingMeters.SALVAGE_UNLISTED)).isZero();
    }
    String playlist = merged.get(0);
    assertThat(playlist).contains("#EXT-X-MEDIA-SEQUENCE:0\n", "#EXT-X-PLAYLIST-TYPE:VOD").endsWith("#EXT-X-ENDLIST\n")
        .containsSubsequence("#EXT-X-MAP:URI=\"init.mp4\"", "segment-00001.m4s", "segment-00002.m4s",
            "#EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:08.", "segment-00003-s.m4s",
            "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-3-1.mp4\"\n#EXT-X-PROGRAM-DATE-TIME:2026-12-06T04:00:12.",
            "segment-00003.m4s", "segment-00004.m4s");
    assertThat(playlist.lines().filter(l -> l.equals("#EXT-X-DISCONTINUITY")).count()).isEqualTo(1);
    assertThat(playlist.lines().count()).as("the stored playlist and the salvaged segment's entry (program date time, EXTINF, name)")
        .isEqualTo(stored.lines().count() + 3);
  }

  @Test
  void salvagedSegmentsThatCannotBeReadWhenTheRecordingEndsAreLeftOutCounted() throws IOException {
    failOver(true, 100);
    Path leftA = killedRootOfA();
    b.feed(6_000);
    try (RecordingNode restarted = new RecordingNode(leftA, WALL.plusSeconds(25), cluster.as("origin-a", 100), true)) {
      restarted.disk.runAll();
    }
    cluster.unreachable = true;
    b.endRecordings();

    String playlist = Files.readString(rootB.resolve("live/cam").resolve(ID).resolve("index.m3u8"));
    assertThat(playlist).doesNotContain("-s.m4s").containsSubsequence("segment-00002.m4s", "#EXT-X-DISCONTINUITY",
        "segment-00003.m4s", "#EXT-X-ENDLIST");
    assertThat(b.recorder.meters.handovers(RecordingMeters.READ_FAILED)).isEqualTo(1);
    assertThat(b.recorder.meters.handovers(RecordingMeters.SALVAGE_LISTED)).isZero();
  }

  @Test
  void theSalvagedEntryKeepsTheHighestNumbersOfOneRecording() {
    HandoverState.Segment three = new HandoverState.Segment("segment-00003-s.m4s", 2_000, false, "init.mp4", 8_000);
    HandoverState.Segment seven = new HandoverState.Segment("segment-00007-s.m4s", 1_000, false, "init-3-1.mp4", 0);
    HandoverState.Segment twelve = new HandoverState.Segment("segment-100012-s.m4s", 1_000, false, "init.mp4", 0);
    SalvagedSegments entry = SalvagedSegments.adding(null, ID, seven, 2);
    entry = SalvagedSegments.adding(entry, ID, three, 2);
    assertThat(entry.segments()).containsExactly(three, seven);
    entry = SalvagedSegments.adding(entry, ID, twelve, 2);
    assertThat(entry.segments()).as("numbers, not names, order them").containsExactly(seven, twelve);
    assertThat(SalvagedSegments.parse(entry.toJson())).isEqualTo(entry);
    assertThat(SalvagedSegments.adding(entry, "20261206T050000Z", three, 2).segments()).as("another recording's")
        .containsExactly(three);
    assertThatThrownBy(() -> SalvagedSegments.parse("{\"recording\":\"x\"}"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
