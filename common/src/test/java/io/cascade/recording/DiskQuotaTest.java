package io.cascade.recording;

import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.metrics.NodeMetrics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The byte quota over real directories: oldest ended recording deleted first, never one in progress. */
class DiskQuotaTest {
  @TempDir
  Path root;

  private final RecordingMeters meters = new RecordingMeters(NodeMetrics.defaults("origin", "test"), () -> 0,
      () -> 0);

  private Path recording(String app, String stream, String id, int bytes, long modifiedMillis) throws IOException {
    Path dir = Files.createDirectories(root.resolve(app).resolve(stream).resolve(id));
    Files.write(dir.resolve("segment-00001.m4s"), new byte[bytes]);
    Files.setLastModifiedTime(dir, FileTime.fromMillis(modifiedMillis));
    return dir;
  }

  @Test
  void recordingsFoundAtStartAreCountedAndTheOldestGoFirst() throws IOException {
    Path newer = recording("live", "a", "20261201T000000Z", 400, 2_000_000);
    Path older = recording("live", "b", "20261101T000000Z", 400, 1_000_000);
    Path newest = recording("other", "a", "20261202T000000Z", 400, 3_000_000);
    DiskQuota quota = new DiskQuota(1000, meters);

    quota.scan(root);

    assertThat(older).doesNotExist();
    assertThat(newer).exists();
    assertThat(newest).exists();
    assertThat(quota.usedBytes()).isEqualTo(800);
    assertThat(meters.deletions()).isEqualTo(1);
  }

  @Test
  void aRecordingInProgressIsNeverDeletedAndEndedOnesGoInTheOrderTheyEnded() throws IOException {
    DiskQuota quota = new DiskQuota(1000, meters);
    Path first = recording("live", "a", "1", 0, 0);
    Path second = recording("live", "b", "2", 0, 0);
    Path third = recording("live", "c", "3", 0, 0);
    quota.add(first, 400);
    quota.add(second, 400);
    quota.ended(second);
    quota.ended(first);

    quota.add(third, 300);
    assertThat(second).as("the first to end goes first").doesNotExist();
    assertThat(first).exists();
    assertThat(quota.usedBytes()).isEqualTo(700);

    quota.add(third, 900);
    assertThat(first).doesNotExist();
    assertThat(third).as("in progress, though over the quota alone").exists();
    assertThat(quota.usedBytes()).isEqualTo(1200);
    assertThat(meters.deletions()).isEqualTo(2);

    quota.ended(third);
    assertThat(third).as("deleted as soon as it ends over the quota").doesNotExist();
    assertThat(quota.usedBytes()).isZero();
  }

  @Test
  void nothingToScanUnderAMissingRoot() {
    DiskQuota quota = new DiskQuota(1000, meters);
    quota.scan(root.resolve("missing"));
    assertThat(quota.usedBytes()).isZero();
  }

  @Test
  void withUploadsAnEndedRecordingGoesOnlyOnceTheStoreHoldsItWhole() throws IOException {
    DiskQuota quota = new DiskQuota(1000, meters);
    quota.keepUntilStored();
    Path first = recording("live", "a", "1", 0, 0);
    Path second = recording("live", "b", "2", 0, 0);
    Path live = recording("live", "c", "3", 0, 0);
    quota.add(first, 400);
    quota.ended(first);
    quota.add(second, 400);
    quota.ended(second);

    quota.add(live, 400);
    assertThat(first).as("over the quota, but not stored yet").exists();
    assertThat(second).exists();
    assertThat(quota.usedBytes()).isEqualTo(1200);

    quota.stored(second);
    assertThat(second).as("the first stored goes, though it ended later").doesNotExist();
    assertThat(first).exists();
    assertThat(quota.usedBytes()).isEqualTo(800);
    assertThat(meters.deletions()).isEqualTo(1);

    quota.add(live, 400);
    assertThat(first).exists();
    quota.stored(first);
    assertThat(first).doesNotExist();
    assertThat(live).exists();
    assertThat(meters.deletions()).isEqualTo(2);
  }

  @Test
  void aLaterRunKeepsWhatWasNotStoredAndDeletesWhatWas() throws IOException {
    Path stored = recording("live", "a", "20261101T000000Z", 400, 1_000_000);
    Files.write(stored.resolve(DiskQuota.STORED_MARKER), new byte[0]);
    Files.setLastModifiedTime(stored, FileTime.fromMillis(2_000_000));
    Path unstored = recording("live", "b", "20261001T000000Z", 400, 500_000);
    Path newest = recording("live", "c", "20261201T000000Z", 400, 3_000_000);
    DiskQuota quota = new DiskQuota(1000, meters);
    quota.keepUntilStored();

    quota.scan(root);

    assertThat(unstored).as("the oldest, but its only copy").exists();
    assertThat(stored).doesNotExist();
    assertThat(newest).exists();
    assertThat(quota.usedBytes()).isEqualTo(800);
  }

  @Test
  void anEndedRecordingRecordedAgainIsInProgressOnceMore() throws IOException {
    Path continued = recording("live", "a", "20261101T000000Z", 600, 1_000_000);
    DiskQuota quota = new DiskQuota(1000, meters);
    quota.scan(root);
    assertThat(quota.isEnded(continued)).isTrue();

    quota.add(continued, 100);
    assertThat(quota.isEnded(continued)).isFalse();
    Path other = recording("live", "b", "2", 0, 0);
    quota.add(other, 600);
    assertThat(continued).as("in progress again: never deleted").exists();
    assertThat(quota.usedBytes()).isEqualTo(1300);

    quota.ended(continued);
    assertThat(continued).doesNotExist();
    assertThat(quota.usedBytes()).isEqualTo(600);
  }
}
