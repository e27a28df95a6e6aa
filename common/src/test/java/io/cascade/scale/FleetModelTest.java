package io.cascade.scale;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * docs/SCALE.md's fleet table is what {@code FleetModel} prints with its defaults (the command the
 * note gives), and the model keeps the invariants the note's reasoning rests on.
 */
class FleetModelTest {

  @Test
  void theNotesTableIsWhatTheCommandPrints() throws IOException {
    List<String> printed = FleetModel.of().table();
    List<String> doc = Files.readAllLines(Path.of("..", "docs", "SCALE.md"));
    int start = doc.indexOf(printed.get(0));
    assertThat(start).as("docs/SCALE.md has the model's table header").isNotNegative();
    List<String> table = new ArrayList<>();
    for (int i = start; i < doc.size() && doc.get(i).startsWith("|"); i++) {
      table.add(doc.get(i));
    }
    assertThat(table).as("docs/SCALE.md's fleet table against `java -cp common/target/test-classes"
        + " io.cascade.scale.FleetModel`").containsExactlyElementsOf(printed);
  }

  @Test
  void aTieredOriginSendsOneRelayPerStreamAndNeverMoreThanFlat() {
    double[] flatAtOneMillion = null;
    for (String players : List.of("players=10000", "players=1000000", "players=3000000")) {
      List<String> table = FleetModel.of(players).table();
      double[] tiered = gbps(row(table, "origin egress, tiered"));
      double[] flat = gbps(row(table, "origin egress, flat"));
      for (int placement = 0; placement < 2; placement++) {
        assertThat(tiered[placement]).as("%s, placement %d: tiered <= flat", players, placement)
            .isLessThanOrEqualTo(flat[placement]);
        assertThat(tiered[placement]).as("%s: at most one relay per stream, 10,000 x 4 Mbit/s", players)
            .isLessThanOrEqualTo(40.0);
      }
      if (players.equals("players=1000000")) {
        flatAtOneMillion = flat;
      }
      if (players.equals("players=3000000")) {
        // Every stream has a player somewhere: exactly one relay each, while flat the origins
        // send what the leaves ingest, which grows with the players spread over them.
        assertThat(tiered).containsExactly(40.0, 40.0);
        assertThat(flat[0]).isGreaterThan(flatAtOneMillion[0]);
      }
    }
  }

  @Test
  void theHotStreamsParentDeathSendsEveryLeafToTheOtherParent() {
    List<String> hot = FleetModel.of("streams=1").table();
    assertThat(row(hot, "leaf edges")).contains("| 572 (1,748 players each) |");
    assertThat(row(hot, "busiest parent dies: re-pulls")).startsWith(
        "| busiest parent dies: re-pulls | 572 leaf pulls of 1 streams in 300 ms");
  }

  /** The leading Gbit/s figure of both columns of a row. */
  private static double[] gbps(String row) {
    String[] cells = row.split("\\|");
    return new double[] {Double.parseDouble(cells[2].trim().split(" ")[0].replace(",", "")),
        Double.parseDouble(cells[3].trim().split(" ")[0].replace(",", ""))};
  }

  private static String row(List<String> table, String quantity) {
    return table.stream().filter(l -> l.startsWith("| " + quantity + " |")).findFirst()
        .orElseThrow(() -> new AssertionError("no row " + quantity));
  }
}
