package io.cascade.recording;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.recording.handover.HandoverState;
import io.cascade.recording.handover.RecordingHandover;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node killed while writing a segment leaves its {@code .tmp} with the parts written so far; the
 * next start keeps the whole fragments of it. The files are real: a {@link RecordingNode} records
 * synthetic H.264 + AAC (1 s parts, 4 s segments) and the tree is copied as it is mid-segment, which
 * is what a kill -9 leaves on disk; a second node then starts on the copy.
 */
class SegmentSalvageTest {
  private static final Instant WALL = Instant.parse("2026-12-06T20:00:00Z");

  @TempDir
  Path tmp;

  /** Records 4 s + {@code openMillis} and returns the copy of the root taken before the recording ended. */
  private Path killedWhileWriting(long openMillis) throws IOException {
    Path live = tmp.resolve("live-root");
    Path left = tmp.resolve("left-root");
    try (RecordingNode node = new RecordingNode(live, WALL, RecordingHandover.NONE, false)) {
      node.publish("live", "cam");
      node.feed(4_000 + openMillis);
      copyTree(live, left);
    }
    return left;
  }

  private static Path recordingDir(Path root) throws IOException {
    try (Stream<Path> dirs = Files.list(root.resolve("live").resolve("cam"))) {
      return dirs.findFirst().orElseThrow();
    }
  }

  @Test
  void threeWholeFragmentsAndATornFourthKeepTheThreeListedWithTheirDuration() throws IOException {
    Path root = killedWhileWriting(3_500);
    Path dir = recordingDir(root);
    Path temp = dir.resolve("segment-00002.m4s.tmp");
    List<Long> fragments = topLevelBoxes(temp, "moof");
    assertThat(fragments).as("three parts of the open segment written").hasSize(3);
    // Direct writes (the default) leave the last block zero-padded: the fourth part's write starts
    // where the third part ends, over the padding.
    long whole = wholeLength(temp);
    byte[] firstHalf = new byte[(int) (fragments.get(1) / 2)];
    System.arraycopy(Files.readAllBytes(temp), 0, firstHalf, 0, firstHalf.length);
    cut(temp, whole);
    Files.write(temp, firstHalf, StandardOpenOption.APPEND); // a fourth part cut short by the kill
    byte[] kept = new byte[(int) whole];
    System.arraycopy(Files.readAllBytes(temp), 0, kept, 0, kept.length);

    try (RecordingNode restarted = new RecordingNode(root, WALL.plusSeconds(60), RecordingHandover.NONE, false)) {
      List<Path> ended = restarted.ended;
      restarted.disk.runAll();

      Path salvaged = dir.resolve("segment-00002-s.m4s");
      assertThat(temp).doesNotExist();
      assertThat(Files.readAllBytes(salvaged)).as("the three whole fragments, byte for byte").isEqualTo(kept);
      String m3u8 = Files.readString(dir.resolve("index.m3u8"));
      // The salvaged segment's program date time follows on from the one before it.
      assertThat(m3u8).contains("#EXT-X-PLAYLIST-TYPE:VOD\n").endsWith("""
          #EXT-X-PROGRAM-DATE-TIME:2026-12-06T20:00:00.040Z
          #EXTINF:4.000,
          segment-00001.m4s
          #EXT-X-PROGRAM-DATE-TIME:2026-12-06T20:00:04.040Z
          #EXTINF:3.000,
          segment-00002-s.m4s
          #EXT-X-ENDLIST
          """);
      assertThat(m3u8).doesNotContain("#EXT-X-DISCONTINUITY");
      assertThat(restarted.closed).singleElement().satisfies(s -> {
        assertThat(s.file()).isEqualTo(salvaged);
        assertThat(s.number()).isEqualTo(2);
        assertThat(s.durationMillis()).isEqualTo(3_000);
        assertThat(s.startMillis()).isEqualTo(4_000);
        assertThat(s.bytes()).isEqualTo(whole);
        assertThat(s.initSegment()).isEqualTo(dir.resolve("init.mp4"));
      });
      assertThat(ended).as("the recording ended: its VOD playlist goes to the uploads")
          .containsExactly(dir.resolve("index.m3u8"));
      assertThat(restarted.recorder.meters.salvages(RecordingMeters.SALVAGED)).isEqualTo(1);
      assertThat(RecordingCatalog.read(dir).orElseThrow()).satisfies(e -> {
        assertThat(e.finished()).isTrue();
        assertThat(e.segments()).isEqualTo(2);
        assertThat(e.durationMillis()).isEqualTo(7_000);
      });
      assertThat(new RecordingCatalog(root).file("live", "cam", dir.getFileName().toString(), salvaged
          .getFileName().toString())).as("served like any segment").contains(salvaged.toAbsolutePath().normalize());
    }
  }

  @Test
  void aFileTornInsideItsFirstFragmentIsDeleted() throws IOException {
    Path root = killedWhileWriting(1_500);
    Path dir = recordingDir(root);
    Path temp = dir.resolve("segment-00002.m4s.tmp");
    List<Long> fragments = topLevelBoxes(temp, "moof");
    assertThat(fragments).hasSize(1);
    cut(temp, wholeLength(temp) - 10);
    String before = Files.readString(dir.resolve("index.m3u8"));

    try (RecordingNode restarted = new RecordingNode(root, WALL.plusSeconds(60), RecordingHandover.NONE, false)) {
      restarted.disk.runAll();

      assertThat(temp).doesNotExist();
      assertThat(dir.resolve("segment-00002-s.m4s")).doesNotExist();
      assertThat(restarted.closed).isEmpty();
      assertThat(Files.readString(dir.resolve("index.m3u8"))).isEqualTo(before);
      assertThat(restarted.recorder.meters.salvages(RecordingMeters.DISCARDED)).isEqualTo(1);
      assertThat(restarted.recorder.meters.salvages(RecordingMeters.SALVAGED)).isZero();
    }
  }

  @Test
  void garbageIsDeletedAndTheRecordingLeftAsItWas() throws IOException {
    Path root = killedWhileWriting(2_500);
    Path dir = recordingDir(root);
    Path temp = dir.resolve("segment-00002.m4s.tmp");
    byte[] garbage = new byte[4_096];
    for (int i = 0; i < garbage.length; i++) {
      garbage[i] = (byte) (i * 31 + 7);
    }
    Files.write(temp, garbage);
    Path strayPlaylist = Files.writeString(dir.resolve("index.m3u8.tmp"), "#EXTM3U\n#EXT-X-VERS");

    try (RecordingNode restarted = new RecordingNode(root, WALL.plusSeconds(60), RecordingHandover.NONE, false)) {
      restarted.disk.runAll();

      assertThat(temp).doesNotExist();
      assertThat(strayPlaylist).as("a playlist cut short before its rename").doesNotExist();
      assertThat(restarted.closed).isEmpty();
      assertThat(Files.readString(dir.resolve("index.m3u8"))).contains("segment-00001.m4s")
          .doesNotContain("segment-00002");
      assertThat(restarted.recorder.meters.salvages(RecordingMeters.DISCARDED)).isEqualTo(1);
    }
  }

  @Test
  void aRecordingAnotherOriginCarriesOnKeepsItsPlaylistOutOfTheUploads() throws IOException {
    Path root = killedWhileWriting(2_500);
    Path dir = recordingDir(root);
    MapHandover cluster = new MapHandover();
    String id = dir.getFileName().toString();
    cluster.entries.put("live/cam", new HandoverState(id, "origin-b", 4, 1, List.of(
        new HandoverState.Segment("segment-00001.m4s", 4_000, false, "init.mp4", 0),
        new HandoverState.Segment("segment-00002.m4s", 4_000, true, "init-2-1.mp4", 0),
        new HandoverState.Segment("segment-00003.m4s", 4_000, false, "init-2-1.mp4", 0))).toJson());

    try (RecordingNode restarted = new RecordingNode(root, WALL.plusSeconds(60), cluster.as("origin-a", 10), true)) {
      List<Path> ended = restarted.ended;
      restarted.disk.runAll();

      Path salvaged = dir.resolve("segment-00002-s.m4s");
      assertThat(salvaged).as("a name origin-b's segment 2 cannot have").exists();
      assertThat(restarted.closed).singleElement().satisfies(s -> assertThat(s.file()).isEqualTo(salvaged));
      assertThat(Files.readString(dir.resolve("index.m3u8"))).contains("#EXTINF:2.000,\nsegment-00002-s.m4s\n");
      assertThat(ended).as("no playlist of this node replaces the current owner's").containsExactly((Path) null);
    }
  }

  /** The offsets of the top-level boxes of {@code type} in {@code file}. */
  static List<Long> topLevelBoxes(Path file, String type) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
    List<Long> found = new ArrayList<>();
    while (b.remaining() >= 8) {
      int at = b.position();
      long size = b.getInt() & 0xffffffffL;
      byte[] t = new byte[4];
      b.get(t);
      if (new String(t, java.nio.charset.StandardCharsets.US_ASCII).equals(type)) {
        found.add((long) at);
      }
      if (size < 8 || at + size > b.limit()) {
        break;
      }
      b.position((int) (at + size));
    }
    return found;
  }

  /** Where the last top-level box that lies wholly inside {@code file} ends (padding and torn boxes after it). */
  static long wholeLength(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file));
    long end = 0;
    while (b.remaining() >= 8) {
      int at = b.position();
      long size = b.getInt() & 0xffffffffL;
      if (size < 8 || at + size > b.limit()) {
        break;
      }
      end = at + size;
      b.position((int) end);
    }
    return end;
  }

  private static void cut(Path file, long length) throws IOException {
    try (var ch = java.nio.channels.FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(length);
    }
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> paths = Files.walk(from)) {
      for (Path p : paths.toList()) {
        Path target = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
  }
}
