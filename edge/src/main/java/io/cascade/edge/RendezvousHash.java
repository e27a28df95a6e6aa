package io.cascade.edge;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * Rendezvous (highest-random-weight) hashing: every node gets a weight from a hash of the key and
 * the node's id, and the key goes to the node of highest weight. A node's removal moves only the
 * keys it held (each to its own runner-up), a join takes from each other node only the keys the
 * newcomer now outweighs (about 1/n of all), and every member computes the same answer from the
 * same set without talking to the others. Pure and stateless.
 */
public final class RendezvousHash {
  private RendezvousHash() {
  }

  /** {@code nodes} from the key's first choice to its last; ties (practically never) by id. */
  public static <T> List<T> rank(String key, Collection<T> nodes, Function<T, String> id) {
    long keyHash = fnv1a(0xcbf29ce484222325L, key);
    List<T> ranked = new ArrayList<>(nodes);
    ranked.sort(Comparator.comparingLong((T n) -> weight(keyHash, id.apply(n))).reversed()
        .thenComparing(id));
    return ranked;
  }

  /** The key's first choice, or null when there are no nodes. */
  public static <T> T choose(String key, Collection<T> nodes, Function<T, String> id) {
    long keyHash = fnv1a(0xcbf29ce484222325L, key);
    T best = null;
    long bestWeight = 0;
    String bestId = null;
    for (T n : nodes) {
      String nid = id.apply(n);
      long w = weight(keyHash, nid);
      if (best == null || w > bestWeight || (w == bestWeight && nid.compareTo(bestId) < 0)) {
        best = n;
        bestWeight = w;
        bestId = nid;
      }
    }
    return best;
  }

  /** The weight of node {@code id} for a key hashed to {@code keyHash}. */
  static long weight(long keyHash, String id) {
    // FNV-1a alone spreads poorly in its high bits for similar inputs; a 64-bit finaliser
    // (MurmurHash3's fmix64) makes every input bit count in every output bit.
    return mix(fnv1a(keyHash ^ 0x9e3779b97f4a7c15L, id));
  }

  private static long fnv1a(long seed, String text) {
    long h = seed;
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      h ^= b & 0xff;
      h *= 0x100000001b3L;
    }
    return h;
  }

  private static long mix(long h) {
    h ^= h >>> 33;
    h *= 0xff51afd7ed558ccdL;
    h ^= h >>> 33;
    h *= 0xc4ceb9fe1a85ec53L;
    h ^= h >>> 33;
    return h;
  }
}
