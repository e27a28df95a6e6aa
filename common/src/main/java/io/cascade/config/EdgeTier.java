package io.cascade.config;

/** Where an edge sits in the tree of edges that serves one stream. */
public enum EdgeTier {
  /** Serves players; pulls each stream from the parent edge its key hashes to, or from the origin when none is alive. */
  LEAF,
  /** Announces itself to the cluster, pulls from the origins and serves leaf edges like players. */
  PARENT
}
