package io.cascade.cluster;

import static io.cascade.cluster.ClusterTestSupport.address;
import static io.cascade.cluster.ClusterTestSupport.closeAll;
import static org.assertj.core.api.Assertions.assertThat;

import io.cascade.recording.handover.HandoverState;
import io.cascade.recording.handover.RecordingHandover;
import io.cascade.recording.handover.SalvagedSegments;
import io.cascade.testing.Await;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Recording handover entries on two real Hazelcast members in this JVM: what one origin writes the
 * other reads, an origin removes only its own entry, and an entry outlives the member that wrote
 * it when that member is killed (the map has a backup, as the registry's).
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HazelcastRecordingHandoverTest {
  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String KEY = "live/cam";

  private ClusterNode originA;
  private ClusterNode originB;

  @AfterEach
  void stop() {
    closeAll(Arrays.asList(originA, originB));
  }

  private void startOrigins() {
    String cluster = ClusterTestSupport.uniqueClusterName();
    originA = ClusterTestSupport.start(cluster, "origin-a", ClusterNode.Role.ORIGIN, List.of());
    originB = ClusterTestSupport.start(cluster, "origin-b", ClusterNode.Role.ORIGIN, List.of(address(originA)));
  }

  private static RecordingHandover handover(ClusterNode node, String nodeId) {
    return new HazelcastRecordingHandover(node.hazelcast().getMap(HazelcastRecordingHandover.MAP_NAME),
        node.hazelcast().getMap(HazelcastRecordingHandover.SALVAGED_MAP_NAME), nodeId, Duration.ofMinutes(2),
        Duration.ofMinutes(10), Duration.ofSeconds(2), 100);
  }

  private static HandoverState state(String id, int next) {
    return new HandoverState(id, "", next, 1, List.of(
        new HandoverState.Segment("segment-00001.m4s", 4000, false, "init.mp4", 1_765_000_000_000L)));
  }

  @Test
  void anEntryIsReadOnTheOtherOriginRemovedOnlyByItsOwnerAndOutlivesAKilledWriter() throws Exception {
    startOrigins();
    RecordingHandover a = handover(originA, "origin-a");
    RecordingHandover b = handover(originB, "origin-b");

    assertThat(b.find(KEY)).isEmpty();
    a.update(KEY, state("20261206T040000Z", 2)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(b.find(KEY)).hasValue(state("20261206T040000Z", 2).withOwner("origin-a"));

    b.update(KEY, state("20261206T040000Z", 3)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    a.remove(KEY, "20261206T040000Z").toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(a.find(KEY)).as("B continues it now: A's removal leaves it")
        .hasValue(state("20261206T040000Z", 3).withOwner("origin-b"));
    b.remove(KEY, "20261206T040001Z").toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(a.find(KEY)).as("another recording's removal leaves it").isPresent();
    b.remove(KEY, "20261206T040000Z").toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(a.find(KEY)).as("B's own entry removed").isEmpty();

    a.update(KEY, state("20261206T050000Z", 7)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    // Backups in place (right after a member joins, partitions are still migrating).
    Await.until(WAIT, "cluster safe", () -> originA.hazelcast().getPartitionService().isClusterSafe());
    ClusterTestSupport.kill(originA);
    Await.until(WAIT, "B alone", () -> originB.memberCount() == 1);
    assertThat(b.find(KEY)).as("the killed writer's entry, from the backup")
        .hasValue(state("20261206T050000Z", 7).withOwner("origin-a"));
  }

  @Test
  void aSalvagedSegmentIsReadOnTheOtherOriginForItsRecordingAndForgottenWithIt() throws Exception {
    startOrigins();
    RecordingHandover a = handover(originA, "origin-a");
    RecordingHandover b = handover(originB, "origin-b");
    HandoverState.Segment salvaged = new HandoverState.Segment("segment-00003-s.m4s", 2000, false, "init.mp4",
        1_765_000_008_000L);

    assertThat(b.findSalvaged(KEY, "20261206T040000Z")).isEmpty();
    b.update(KEY, state("20261206T040000Z", 4)).toCompletableFuture().get(10, TimeUnit.SECONDS);
    a.salvaged(KEY, "20261206T040000Z", salvaged).toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(b.findSalvaged(KEY, "20261206T040000Z")).hasValue(
        new SalvagedSegments("20261206T040000Z", List.of(salvaged), ""));
    assertThat(b.findSalvaged(KEY, "20261206T050000Z")).as("another recording of the stream").isEmpty();
    assertThat(b.find(KEY)).as("the handover entry is apart").hasValue(state("20261206T040000Z", 4)
        .withOwner("origin-b"));

    b.remove(KEY, "20261206T040000Z").toCompletableFuture().get(10, TimeUnit.SECONDS);
    b.endedHere(KEY, "20261206T040000Z").toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(a.find(KEY)).isEmpty();
    assertThat(a.findSalvaged(KEY, "20261206T040000Z")).as("marked ended by B for a later restart of A")
        .hasValueSatisfying(e -> assertThat(e.endedBy()).isEqualTo("origin-b"));
  }

  @Test
  void segmentsTwoOriginsSalvageAtOnceAllLand() throws Exception {
    startOrigins();
    RecordingHandover a = handover(originA, "origin-a");
    RecordingHandover b = handover(originB, "origin-b");
    String id = "20261207T020000Z";
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (int n = 1; n <= 40; n++) { // both origins at once, none waiting for the others
      HandoverState.Segment s = new HandoverState.Segment(String.format("segment-%05d-s.m4s", n), 1000, false,
          "init.mp4", 1_765_000_000_000L + n * 1000L);
      writes.add((n % 2 == 0 ? a : b).salvaged(KEY, id, s).toCompletableFuture());
    }
    writes.add(b.endedHere(KEY, id).toCompletableFuture());
    CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    SalvagedSegments entry = a.findSalvaged(KEY, id).orElseThrow();
    assertThat(entry.segments()).as("every one of the 40, in number order").hasSize(40)
        .extracting(HandoverState.Segment::file).isSortedAccordingTo(String::compareTo)
        .startsWith("segment-00001-s.m4s").endsWith("segment-00040-s.m4s");
    assertThat(entry.endedBy()).isEqualTo("origin-b");
  }
}
