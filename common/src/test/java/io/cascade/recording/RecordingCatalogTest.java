package io.cascade.recording;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordingCatalogTest {
  private static final Instant FAR = Instant.parse("9999-01-01T00:00:00Z");

  @TempDir
  Path root;

  private Path recording(String app, String stream, String id, boolean ended, double... seconds) throws IOException {
    Path dir = Files.createDirectories(root.resolve(app).resolve(stream).resolve(id));
    StringBuilder m3u8 = new StringBuilder("#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n");
    Files.write(dir.resolve("init.mp4"), new byte[10]);
    for (int i = 0; i < seconds.length; i++) {
      String name = RecordingFiles.segmentName(i + 1);
      Files.write(dir.resolve(name), new byte[100]);
      m3u8.append("#EXTINF:").append(seconds[i]).append(",\n").append(name).append('\n');
    }
    if (ended) {
      m3u8.append("#EXT-X-ENDLIST\n");
    }
    Files.writeString(dir.resolve("index.m3u8"), m3u8);
    return dir;
  }

  @Test
  void listsRecordingsOverlappingTheRangeOldestFirst() throws IOException {
    recording("live", "a", "20261201T100000Z", true, 2.0, 2.0);
    recording("live", "a", "20261201T120000Z", false, 2.5);
    recording("live", "b", "20261201T110000Z", true, 4.0);
    Files.writeString(root.resolve("live").resolve("a").resolve("not-a-recording"), "x");
    RecordingCatalog catalog = new RecordingCatalog(root);

    List<RecordingCatalog.Entry> all = catalog.list(null, null, Instant.EPOCH, FAR, 10);
    assertThat(all).extracting(RecordingCatalog.Entry::id)
        .containsExactly("20261201T100000Z", "20261201T110000Z", "20261201T120000Z");
    RecordingCatalog.Entry first = all.get(0);
    assertThat(first.durationMillis()).isEqualTo(4000);
    assertThat(first.end()).isEqualTo(Instant.parse("2026-12-01T10:00:04Z"));
    assertThat(first.segments()).isEqualTo(2);
    assertThat(first.bytes()).isEqualTo(10 + 200 + Files.size(root.resolve("live/a/20261201T100000Z/index.m3u8")));
    assertThat(first.finished()).isTrue();
    assertThat(all.get(2).finished()).isFalse();
    assertThat(first.playlistPath()).isEqualTo("/recordings/live/a/20261201T100000Z/index.m3u8");

    assertThat(catalog.list("live", "a", Instant.EPOCH, FAR, 10)).hasSize(2);
    assertThat(catalog.list(null, null, Instant.parse("2026-12-01T10:00:03Z"), Instant.parse("2026-12-01T11:00:00Z"), 10))
        .extracting(RecordingCatalog.Entry::id).containsExactly("20261201T100000Z", "20261201T110000Z");
    assertThat(catalog.list(null, null, Instant.parse("2026-12-01T10:00:05Z"), Instant.parse("2026-12-01T10:59:59Z"), 10))
        .isEmpty();
    assertThat(catalog.list(null, null, Instant.EPOCH, FAR, 1)).hasSize(1);
  }

  @Test
  void servesOnlyFilesTheRecorderWritesUnderTheRoot() throws IOException {
    Path dir = recording("live", "a", "20261201T100000Z", true, 2.0);
    Files.writeString(dir.resolve("segment-00002.m4s.tmp"), "partial");
    RecordingCatalog catalog = new RecordingCatalog(root);
    assertThat(catalog.file("live", "a", "20261201T100000Z", "index.m3u8")).contains(dir.resolve("index.m3u8"));
    assertThat(catalog.file("live", "a", "20261201T100000Z", "segment-00001.m4s")).isPresent();
    assertThat(catalog.file("live", "a", "20261201T100000Z", "init.mp4")).isPresent();
    assertThat(catalog.file("live", "a", "20261201T100000Z", "segment-00002.m4s.tmp")).isEmpty();
    assertThat(catalog.file("live", "a", "20261201T100000Z", "segment-00009.m4s")).isEmpty();
    assertThat(catalog.file("..", "a", "20261201T100000Z", "index.m3u8")).isEmpty();
    assertThat(catalog.file("live", "..", "..", "index.m3u8")).isEmpty();
    assertThat(catalog.file("live", "a/../a", "20261201T100000Z", "index.m3u8")).isEmpty();
    assertThat(catalog.file("live", "a", "20261201T100000Z", "../../../../etc/passwd")).isEmpty();
    assertThat(catalog.file("live", "a", "20261201T100000Z/..", "index.m3u8")).isEmpty();
  }
}
