package io.cascade.edge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Rendezvous hashing over 10 000 stream keys: spread, removal and join move only what they must. */
class RendezvousHashTest {
  private static final int KEYS = 10_000;
  private static final List<String> KEY_LIST = keys();

  @Test
  void spreadsKeysEvenlyWithinTenPercent() {
    for (int n : new int[] {2, 3, 5, 8}) {
      List<String> parents = parents(n);
      Map<String, Integer> counts = new HashMap<>();
      for (String key : KEY_LIST) {
        counts.merge(RendezvousHash.choose(key, parents, Function.identity()), 1, Integer::sum);
      }
      double fair = (double) KEYS / n;
      assertThat(counts).as("%d parents", n).hasSize(n);
      for (Map.Entry<String, Integer> e : counts.entrySet()) {
        assertThat((double) e.getValue()).as("keys on %s of %d (fair share %.0f)", e.getKey(), n, fair)
            .isBetween(fair * 0.9, fair * 1.1);
      }
    }
  }

  @Test
  void removingAParentMovesOnlyItsOwnKeysEachToItsRunnerUp() {
    List<String> before = parents(5);
    String gone = before.get(2);
    List<String> after = new ArrayList<>(before);
    after.remove(gone);
    int moved = 0;
    for (String key : KEY_LIST) {
      List<String> ranked = RendezvousHash.rank(key, before, Function.identity());
      String now = RendezvousHash.choose(key, after, Function.identity());
      if (ranked.get(0).equals(gone)) {
        moved++;
        assertThat(now).as("new home of %s", key).isEqualTo(ranked.get(1));
      } else {
        assertThat(now).as("home of %s, not on the removed parent", key).isEqualTo(ranked.get(0));
      }
    }
    assertThat(moved).isBetween((int) (KEYS / 5 * 0.9), (int) (KEYS / 5 * 1.1));
  }

  @Test
  void aJoiningParentTakesAboutOneNthAndOnlyForItself() {
    List<String> before = parents(4);
    List<String> after = new ArrayList<>(before);
    after.add("member-new");
    int moved = 0;
    for (String key : KEY_LIST) {
      String was = RendezvousHash.choose(key, before, Function.identity());
      String now = RendezvousHash.choose(key, after, Function.identity());
      if (!now.equals(was)) {
        moved++;
        assertThat(now).as("a key that moved went to the newcomer").isEqualTo("member-new");
      }
    }
    assertThat(moved).isBetween((int) (KEYS / 5 * 0.9), (int) (KEYS / 5 * 1.1));
  }

  @Test
  void theAnswerDependsOnTheSetNotOnItsOrder() {
    List<String> parents = parents(6);
    List<String> reversed = new ArrayList<>(parents);
    java.util.Collections.reverse(reversed);
    for (String key : KEY_LIST.subList(0, 500)) {
      assertThat(RendezvousHash.choose(key, reversed, Function.identity()))
          .isEqualTo(RendezvousHash.choose(key, parents, Function.identity()))
          .isEqualTo(RendezvousHash.rank(key, reversed, Function.identity()).get(0));
    }
    assertThat(RendezvousHash.choose("live/x", List.<String>of(), Function.identity())).isNull();
  }

  private static List<String> parents(int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      // Shaped like real member ids (random UUIDs), but fixed so the test is repeatable.
      ids.add(new java.util.UUID(0x5eed0000L + i * 7919L, 0xcafe0000L + i * 104729L).toString());
    }
    return ids;
  }

  private static List<String> keys() {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < KEYS; i++) {
      keys.add("live/stream-" + i);
    }
    return keys;
  }
}
