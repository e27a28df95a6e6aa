package io.cascade.recording;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.recording.handover.HandoverState;
import io.cascade.recording.handover.RecordingHandover;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * At start-up with uploads on, the recordings earlier runs left without the {@code .stored} marker
 * go to the listeners for their upload again, found by the quota's walk of the root. The tree is
 * real: {@link RecordingNode}s (virtual time, 4 s segments) leave one recording killed 2.5 s into
 * its second segment (copied as it is then, what a kill -9 leaves), one ended (VOD) whose uploads
 * never settled, and one the store confirmed; a second node then starts on that root.
 */
class UnstoredRecordingsTest {
  private static final Instant WALL = Instant.parse("2026-12-06T20:00:00Z");

  @TempDir
  Path tmp;

  /** The root a killed node leaves: live/cam killed mid-segment, live/done ended, live/kept stored. */
  private Path leftRoot() throws IOException {
    Path left = tmp.resolve("left-root");
    try (RecordingNode node = new RecordingNode(tmp.resolve("killed"), WALL, RecordingHandover.NONE, false)) {
      node.publish("live", "cam");
      node.feed(6_500);
      SegmentSalvageTest.copyTree(tmp.resolve("killed"), left);
    }
    try (RecordingNode node = new RecordingNode(tmp.resolve("ended"), WALL, RecordingHandover.NONE, false)) {
      node.publish("live", "done");
      node.feed(9_000);
      node.endRecordings();
      SegmentSalvageTest.copyTree(tmp.resolve("ended").resolve("live").resolve("done"),
          left.resolve("live").resolve("done"));
    }
    Path kept = Files.createDirectories(left.resolve("live/kept/20261206T190000Z"));
    Files.write(kept.resolve("segment-00001.m4s"), new byte[100]);
    Files.write(kept.resolve(DiskQuota.STORED_MARKER), new byte[0]);
    return left;
  }

  private static Path recordingDir(Path root, String stream) throws IOException {
    try (Stream<Path> dirs = Files.list(root.resolve("live").resolve(stream))) {
      return dirs.findFirst().orElseThrow();
    }
  }

  /** What the listeners hear, in order: "closed NAME", "ended DIR", "left DIR". */
  private static final class Heard implements SegmentListener {
    final List<String> events = new ArrayList<>();
    final List<LeftRecording> left = new ArrayList<>();

    @Override
    public void segmentClosed(RecordedSegment segment) {
      events.add("closed " + segment.file().getFileName());
    }

    @Override
    public void recordingEnded(String streamKey, String recordingId, Path directory, Path playlist) {
      events.add("ended " + streamKey);
    }

    @Override
    public void recordingLeft(LeftRecording recording) {
      events.add("left " + recording.streamKey());
      left.add(recording);
    }
  }

  private static List<String> names(List<Path> files) {
    return files.stream().map(f -> f.getFileName().toString()).toList();
  }

  @Test
  void everyRecordingNotStoredIsHandedOverWithItsFilesAfterTheSalvage() throws IOException {
    Path root = leftRoot();
    Path cam = recordingDir(root, "cam");
    Path done = recordingDir(root, "done");
    try (RecordingNode restarted = new RecordingNode(root, WALL.plusSeconds(60), RecordingHandover.NONE, false)) {
      restarted.recorder.keepUntilStored(100);
      Heard heard = new Heard();
      restarted.recorder.addListener(heard);
      restarted.disk.runAll();

      assertThat(heard.events).as("the salvaged segment and its recording's end first; the stored one not at all")
          .containsExactlyInAnyOrder("closed segment-00002-s.m4s", "ended live/cam", "left live/cam", "left live/done");
      assertThat(heard.events.indexOf("left live/cam")).isGreaterThan(heard.events.indexOf("ended live/cam"));
      LeftRecording killed = heard.left.stream().filter(l -> l.directory().equals(cam)).findFirst().orElseThrow();
      assertThat(names(killed.files())).containsExactly("init.mp4", "segment-00001.m4s", "segment-00002-s.m4s");
      assertThat(killed.playlist()).as("the salvage ended it and sent its playlist").isNull();
      assertThat(killed.complete()).isTrue();
      LeftRecording ended = heard.left.stream().filter(l -> l.directory().equals(done)).findFirst().orElseThrow();
      assertThat(names(ended.files())).containsExactly("init.mp4", "segment-00001.m4s", "segment-00002.m4s",
          "segment-00003.m4s");
      assertThat(ended.playlist()).isEqualTo(done.resolve("index.m3u8"));
      assertThat(Files.readString(ended.playlist())).contains("#EXT-X-ENDLIST");
      assertThat(ended.streamKey()).isEqualTo("live/done");
      assertThat(ended.recordingId()).isEqualTo(done.getFileName().toString());
      assertThat(restarted.recorder.meters.requeued(RecordingMeters.QUEUED)).as("3 + 4 files and a playlist")
          .isEqualTo(8);
      assertThat(restarted.recorder.meters.requeued(RecordingMeters.OVER_LIMIT)).isZero();
    }
  }

  /** live/cam as a kill between two segments leaves it: segment 1 closed and listed (EVENT), nothing open. */
  private static Path killedBetweenSegments(Path root) throws IOException {
    Path cam = recordingDir(root, "cam");
    Files.delete(cam.resolve("segment-00002.m4s.tmp"));
    return cam;
  }

  @Test
  void aRecordingKilledBetweenTwoSegmentsThatNoOtherOriginCarriesOnIsEndedHereAndGoesWithItsPlaylist()
      throws IOException {
    Path root = leftRoot();
    Path cam = killedBetweenSegments(root);
    String growing = Files.readString(cam.resolve("index.m3u8"));
    try (RecordingNode restarted = new RecordingNode(root, WALL.plusSeconds(60), RecordingHandover.NONE, false)) {
      restarted.recorder.keepUntilStored(100);
      Heard heard = new Heard();
      restarted.recorder.addListener(heard);
      restarted.disk.runAll();

      assertThat(heard.events).as("nothing to salvage").containsExactlyInAnyOrder("left live/cam", "left live/done");
      LeftRecording killed = heard.left.stream().filter(l -> l.directory().equals(cam)).findFirst().orElseThrow();
      assertThat(names(killed.files())).containsExactly("init.mp4", "segment-00001.m4s");
      assertThat(killed.playlist()).as("this node's final playlist now").isEqualTo(cam.resolve("index.m3u8"));
      assertThat(growing).contains("#EXT-X-PLAYLIST-TYPE:EVENT", "segment-00001.m4s").doesNotContain("#EXT-X-ENDLIST");
      assertThat(Files.readString(killed.playlist())).as("VOD, the same entries")
          .isEqualTo(growing.replace("#EXT-X-PLAYLIST-TYPE:EVENT", "#EXT-X-PLAYLIST-TYPE:VOD") + "#EXT-X-ENDLIST\n");
      assertThat(restarted.recorder.meters.requeued(RecordingMeters.QUEUED)).as("2 + 4 files and both playlists")
          .isEqualTo(8);
    }
  }

  @Test
  void aRecordingKilledBetweenTwoSegmentsThatTheClusterNamesIsLeftGrowing() throws IOException {
    Path root = leftRoot();
    Path cam = killedBetweenSegments(root);
    String growing = Files.readString(cam.resolve("index.m3u8"));
    MapHandover cluster = new MapHandover();
    cluster.entries.put("live/cam", new HandoverState(cam.getFileName().toString(), "origin-b", 3, 1, List.of())
        .toJson());
    try (RecordingNode restarted = new RecordingNode(root, WALL.plusSeconds(60), cluster.as("origin-a", 100), true)) {
      restarted.recorder.keepUntilStored(100);
      Heard heard = new Heard();
      restarted.recorder.addListener(heard);
      restarted.disk.runAll();

      LeftRecording killed = heard.left.stream().filter(l -> l.directory().equals(cam)).findFirst().orElseThrow();
      assertThat(killed.playlist()).as("another origin carries it on: its playlist will be the final one").isNull();
      assertThat(Files.readString(cam.resolve("index.m3u8"))).isEqualTo(growing);
    }
  }

  @Test
  void aRecordingPastTheLimitIsHandedOverWithoutFilesAndCounted() throws IOException {
    Path root = leftRoot();
    try (RecordingNode restarted = new RecordingNode(root, WALL.plusSeconds(60), RecordingHandover.NONE, false)) {
      restarted.recorder.keepUntilStored(5);
      Heard heard = new Heard();
      restarted.recorder.addListener(heard);
      restarted.disk.runAll();

      // live/cam has 4 files (3 and its playlist), live/done 5: the walk's order decides which fits.
      assertThat(heard.left).hasSize(2);
      LeftRecording cut = heard.left.stream().filter(l -> !l.complete()).findFirst().orElseThrow();
      LeftRecording whole = heard.left.stream().filter(LeftRecording::complete).findFirst().orElseThrow();
      assertThat(cut.files()).isEmpty();
      assertThat(cut.playlist()).isNull();
      assertThat(whole.files()).isNotEmpty();
      double over = restarted.recorder.meters.requeued(RecordingMeters.OVER_LIMIT);
      double queued = restarted.recorder.meters.requeued(RecordingMeters.QUEUED);
      assertThat(over + queued).as("every file of both counted once").isEqualTo(9);
      assertThat(over).isIn(4.0, 5.0);
    }
  }

  @Test
  void withoutUploadsNothingIsHandedOver() throws IOException {
    Path root = leftRoot();
    try (RecordingNode restarted = new RecordingNode(root, WALL.plusSeconds(60), RecordingHandover.NONE, false)) {
      Heard heard = new Heard();
      restarted.recorder.addListener(heard);
      restarted.disk.runAll();
      assertThat(heard.left).isEmpty();
      assertThat(restarted.recorder.meters.requeued(RecordingMeters.QUEUED)).isZero();
    }
  }
}
