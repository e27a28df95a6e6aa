package io.cascade.cluster;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One scrape of a node's /metrics, parsed from Prometheus' text format. */
final class Scrape {
  private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})? (\\S+)$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern TYPE = Pattern.compile("^# TYPE (\\S+) (\\S+)$");

  record Sample(String name, Map<String, String> labels, double value) {
  }

  final String text;
  final List<Sample> samples = new ArrayList<>();
  /** Family name (counters with {@code _total}) → type. */
  final Map<String, String> types = new LinkedHashMap<>();

  Scrape(String text) {
    this.text = text;
    for (String line : text.split("\n")) {
      Matcher t = TYPE.matcher(line);
      if (t.matches()) {
        String family = t.group(1);
        String type = t.group(2);
        types.put(type.equals("counter") && !family.endsWith("_total") ? family + "_total" : family, type);
        continue;
      }
      if (line.startsWith("#") || line.isBlank()) {
        continue;
      }
      Matcher m = SAMPLE.matcher(line);
      if (!m.matches()) {
        throw new AssertionError("not a sample line: " + line);
      }
      Map<String, String> labels = new HashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
    }
  }

  /** Sum of the samples of {@code name} whose labels include all of {@code match} (k, v, k, v...). */
  double sum(String name, String... match) {
    double total = 0;
    boolean found = false;
    for (Sample s : samples) {
      if (s.name().equals(name) && matches(s.labels(), match)) {
        total += s.value();
        found = true;
      }
    }
    if (!found) {
      throw new AssertionError("no sample " + name + " " + String.join(",", match));
    }
    return total;
  }

  private static boolean matches(Map<String, String> labels, String... match) {
    for (int i = 0; i + 1 < match.length; i += 2) {
      if (!match[i + 1].equals(labels.get(match[i]))) {
        return false;
      }
    }
    return true;
  }
}
