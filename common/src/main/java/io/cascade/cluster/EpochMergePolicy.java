package io.cascade.cluster;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.spi.merge.MergingValue;
import com.hazelcast.spi.merge.SplitBrainMergePolicy;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;

/**
 * Merges the stream registry after a split brain heals: of two records for one key the one with
 * the larger epoch wins, whichever side of the split it comes from. A publish that took a key over
 * from an origin that was frozen or cut off carries a larger epoch than the stale claim, so the
 * newer publisher keeps the stream and the returning origin loses its claim (its policy then
 * disconnects the old publisher). With equal epochs the record already in the surviving cluster
 * stays, as with put-if-absent.
 */
public final class EpochMergePolicy implements SplitBrainMergePolicy<Object, MergingValue<Object>, Object> {

  public EpochMergePolicy() {
    // Hazelcast instantiates the policy by class name.
  }

  @Override
  public Object merge(MergingValue<Object> merging, MergingValue<Object> existing) {
    if (existing == null) {
      return merging.getRawValue();
    }
    if (merging == null) {
      return existing.getRawValue();
    }
    return epoch(merging.getValue()) > epoch(existing.getValue()) ? merging.getRawValue() : existing.getRawValue();
  }

  private static long epoch(Object value) {
    if (!(value instanceof String json)) {
      return Long.MIN_VALUE;
    }
    try {
      return new JsonObject(json).getLong("epoch", Long.MIN_VALUE);
    } catch (DecodeException | ClassCastException e) {
      return Long.MIN_VALUE;
    }
  }

  @Override
  public void writeData(ObjectDataOutput out) {
    // Stateless.
  }

  @Override
  public void readData(ObjectDataInput in) {
    // Stateless.
  }
}
