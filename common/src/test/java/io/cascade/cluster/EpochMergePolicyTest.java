package io.cascade.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.spi.merge.MergingValue;
import org.junit.jupiter.api.Test;

class EpochMergePolicyTest {
  private final EpochMergePolicy policy = new EpochMergePolicy();

  private static MergingValue<Object> value(String json) {
    return new MergingValue<>() {
      @Override
      public Object getValue() {
        return json;
      }

      @Override
      public Object getRawValue() {
        return json;
      }
    };
  }

  private static String record(String session, long epoch) {
    return new StreamRecord("live/a", "m-" + session, "node-" + session, "127.0.0.1", 1935, session, epoch, epoch, "", "")
        .toJson().encode();
  }

  @Test
  void largerEpochWinsFromEitherSide() {
    String stale = record("old", 100);
    String takeover = record("new", 101);
    assertThat(policy.merge(value(stale), value(takeover))).isEqualTo(takeover);
    assertThat(policy.merge(value(takeover), value(stale))).isEqualTo(takeover);
  }

  @Test
  void equalEpochKeepsTheExistingRecordAndOneSidedKeysSurvive() {
    String a = record("a", 100);
    String b = record("b", 100);
    assertThat(policy.merge(value(a), value(b))).isEqualTo(b);
    assertThat(policy.merge(value(a), null)).isEqualTo(a);
  }

  @Test
  void unreadableValuesLoseToReadableOnes() {
    String good = record("good", 5);
    assertThat(policy.merge(value("not json"), value(good))).isEqualTo(good);
    assertThat(policy.merge(value(good), value("{\"epoch\":\"x\"}"))).isEqualTo(good);
  }
}
